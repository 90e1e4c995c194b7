"""Applications services and selectors at their edges: what a submission stores and announces, payment and
forwarding state, drafts, status changes, form files, and who finds which application."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from rathaus.applications import selectors, services
from rathaus.applications.models import Application, Draft, FormVersion, StatusEvent
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {
    "halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}},
    "hunde": {"hund": [{"name": "Bello"}, {"name": "Hasso"}], "nachweis": {"datei": None}},
}
FREE_FORM = {**HUND_FORM, "id": "hund-frei", "fees": [], "payment_required_before_forwarding": False}


def _draft(tenant: Any, owner: Any, form: FormVersion, answers: Any = None) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=owner, form_version=form, answers=answers or ANSWERS)


def _submit(tenant: Any, citizen: Any, form: FormVersion, **kwargs: Any) -> Application:
    draft = _draft(tenant, citizen, form, **kwargs)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="substantial")


def _events(tenant: Any, number: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, e.payload) for e in Event.objects.for_tenant(tenant).filter(subject=number).order_by("pk")]


@pytest.fixture
def free_form(tenant: Any) -> FormVersion:
    service = ServiceFactory(tenant=tenant, slug="hund-frei", name="Hund (gebührenfrei)", trust_level="low")
    return services.publish_form(service=service, definition=FREE_FORM)


# --------------------------------------------------------------------------- submission


def test_a_submission_with_a_fee_to_pay_first_waits_and_announces_only_the_submission(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    application = _submit(tenant, citizen, hund_form)

    stored = Application.objects.for_tenant(tenant).get(pk=application.pk)
    assert stored.number == f"A-{timezone.localdate().year}-000001"
    assert stored.trust_level == "substantial"
    assert stored.applicant_id == citizen.pk
    assert stored.org_unit_id == hund_form.service.org_unit_id
    assert stored.fee_total == Decimal("192.00")
    assert stored.fee_lines == [
        {"label": "Hundesteuer je Hund", "quantity": 2, "unit_amount": "96.00", "amount": "192.00"}
    ]
    assert stored.payment_state == Application.PaymentState.OPEN
    assert stored.payment_required_first is True
    assert stored.forwarded_at is None
    assert stored.submitted_at is not None
    assert list(StatusEvent.objects.for_tenant(tenant).filter(application=stored).values_list("status", flat=True)) == [
        "submitted"
    ]
    assert _events(tenant, stored.number) == [
        (
            "application.submitted",
            {"number": stored.number, "service": hund_form.service.leika_key, "forwardable": False},
        )
    ]
    assert not Draft.objects.unscoped().exists()


def test_a_submission_without_fee_is_forwarded_at_once(tenant: Any, citizen: Any, free_form: FormVersion) -> None:
    application = _submit(tenant, citizen, free_form)

    stored = Application.objects.for_tenant(tenant).get(pk=application.pk)
    assert stored.fee_total == 0 and stored.fee_lines == []
    assert stored.payment_state == Application.PaymentState.NOT_REQUIRED
    assert stored.payment_required_first is False
    assert stored.forwarded_at == stored.submitted_at
    assert _events(tenant, stored.number) == [
        (
            "application.submitted",
            {"number": stored.number, "service": free_form.service.leika_key, "forwardable": True},
        ),
        ("application.forwardable", {"number": stored.number, "reason": "submitted"}),
    ]


def test_a_fee_without_payment_first_is_forwarded_at_once_with_the_fee_open(
    tenant: Any, citizen: Any, hund_service: Any
) -> None:
    form = services.publish_form(
        service=hund_service, definition={**HUND_FORM, "payment_required_before_forwarding": False}
    )
    application = _submit(tenant, citizen, form)
    assert application.payment_state == Application.PaymentState.OPEN
    assert application.payment_required_first is False
    assert application.forwarded_at is not None


def test_submitting_twice_returns_the_first_application(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    draft = _draft(tenant, citizen, hund_form)
    first = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    again = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    assert again.pk == first.pk
    assert services.submitted(tenant=tenant, actor=citizen, draft_uuid=draft.uuid).pk == first.pk
    assert Application.objects.for_tenant(tenant).count() == 1


def test_a_draft_that_does_not_exist_is_not_found(tenant: Any, citizen: Any) -> None:
    import uuid

    with pytest.raises(NotFound):
        services.submit(draft_uuid=uuid.uuid4(), tenant=tenant, actor=citizen, trust_level="low")


def test_someone_elses_draft_is_not_found_and_stays(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    draft = _draft(tenant, citizen, hund_form)
    other = CitizenFactory(tenant=tenant)
    with pytest.raises(NotFound):
        services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=other, trust_level="low")
    assert services.submitted(tenant=tenant, actor=other, draft_uuid=draft.uuid) is None
    assert Draft.objects.for_tenant(tenant).filter(pk=draft.pk).exists()


def test_an_incomplete_draft_names_each_missing_field(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    answers = {"halter": {"person": {"vorname": "Mia"}}, "hunde": {"hund": [{"name": "Bello"}]}}
    with pytest.raises(ValidationFailed) as caught:
        _submit(tenant, citizen, hund_form, answers=answers)
    fields = {error["field"] for error in caught.value.errors}
    assert "halter.person.nachname" in fields
    assert all(error["messages"] for error in caught.value.errors)


def test_numbers_have_six_digits_and_count_up(tenant: Any, citizen: Any, free_form: FormVersion) -> None:
    year = timezone.localdate().year
    numbers = [_submit(tenant, citizen, free_form).number for _ in range(2)]
    assert numbers == [f"A-{year}-000001", f"A-{year}-000002"]


# --------------------------------------------------------------------------- files of a submission


def test_referenced_files_are_found_at_any_depth() -> None:
    ref = {"key": "attachments/x", "sha256": "ab" * 32, "name": "a.pdf"}
    answers = {
        "a": {"datei": ref, "text": "x", "leer": None},
        "b": {"liste": [{"datei": ref}, {"name": "nur Text"}, [ref]]},
        "c": {"nur_key": {"key": "k"}, "nur_sha": {"sha256": "s"}},
    }
    assert services._referenced_files(answers) == {"a.datei", "b.liste.0.datei", "b.liste.2.0"}
    assert services._referenced_files({"datei": ref}) == {"datei"}
    assert services._referenced_files([ref]) == {".0"}
    assert services._referenced_files(ref) == {""}


def test_file_field_rules_by_path_with_repeat_indexes(hund_form: FormVersion) -> None:
    definition = hund_form.parsed()
    rules = {"types": ("application/pdf", "image/png"), "max_bytes": 1048576}
    assert services._file_field(definition, "hunde.nachweis.datei") == rules
    assert services._file_field(definition, "hunde.0.nachweis.datei") == rules
    assert services._file_field(definition, "hunde.hund.0.name") is None  # a text field
    assert services._file_field(definition, "hunde.nachweis.gibtsnicht") is None


def test_a_file_field_without_rules_gets_the_engine_defaults(tenant: Any) -> None:
    from rathaus.formengine import FileSpec

    definition = json.loads(json.dumps(HUND_FORM))
    del definition["steps"][1]["groups"][1]["fields"][0]["file"]
    service = ServiceFactory(tenant=tenant, slug="ohne-regeln")
    form = services.publish_form(service=service, definition=definition)
    defaults = FileSpec()
    assert services._file_field(form.parsed(), "hunde.nachweis.datei") == {
        "types": tuple(defaults.types),
        "max_bytes": defaults.max_bytes,
    }


def test_upload_for_a_field_that_does_not_exist_is_not_found(tenant: Any, citizen: Any, hund_form: Any) -> None:
    from rathaus.applications.tests.conftest import pdf_upload

    draft = _draft(tenant, citizen, hund_form)
    with pytest.raises(NotFound):
        services.upload_to_draft(draft=draft, path="hunde.hund.0.name", upload=pdf_upload())
    with pytest.raises(ValidationFailed) as caught:
        services.upload_to_draft(draft=draft, path="hunde.nachweis.datei", upload=pdf_upload(data=b"kein pdf"))
    assert caught.value.errors[0]["field"] == "hunde.nachweis.datei"
    assert caught.value.errors[0]["code"]


def test_an_uploaded_file_is_stored_with_its_description(tenant: Any, citizen: Any, hund_form: Any) -> None:
    from rathaus.applications.tests.conftest import PDF, pdf_upload

    draft = _draft(tenant, citizen, hund_form)
    ref = services.upload_to_draft(draft=draft, path="hunde.nachweis.datei", upload=pdf_upload("Beleg.pdf"))
    assert set(ref) == {"key", "name", "sha256", "size", "content_type"}
    assert (ref["name"], ref["size"], ref["content_type"]) == ("Beleg.pdf", len(PDF), "application/pdf")
    stored = Draft.objects.for_tenant(tenant).get(pk=draft.pk)
    assert stored.files == {"hunde.nachweis.datei": ref}
    assert draft.files == stored.files and draft.expires_at == stored.expires_at


# --------------------------------------------------------------------------- drafts


def test_start_draft_resumes_the_newest_open_draft_only(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    service = hund_form.service
    older = _draft(tenant, citizen, hund_form)
    newer = _draft(tenant, citizen, hund_form)
    Draft.objects.for_tenant(tenant).filter(pk=older.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    resumed = services.start_draft(tenant=tenant, service=service, owner=citizen, form_version=hund_form)
    assert resumed.pk == newer.pk
    Draft.objects.for_tenant(tenant).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    fresh = services.start_draft(tenant=tenant, service=service, owner=citizen, form_version=hund_form)
    assert fresh.pk not in (older.pk, newer.pk)
    assert fresh.step == "halter"
    assert fresh.answers["halter"]["person"] == {"vorname": "Mia", "nachname": "Mustermann"}


def test_start_draft_does_not_resume_someone_elses_draft(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    other = CitizenFactory(tenant=tenant)
    theirs = _draft(tenant, other, hund_form)
    mine = services.start_draft(tenant=tenant, service=hund_form.service, owner=citizen, form_version=hund_form)
    assert mine.pk != theirs.pk and mine.owner_id == citizen.pk


def test_remember_step_is_stored(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    draft = _draft(tenant, citizen, hund_form)
    services.remember_step(draft=draft, step_id="hunde")
    assert draft.step == "hunde"
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).step == "hunde"


def test_a_draft_expiring_this_second_is_deleted(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    now = timezone.now()
    due = _draft(tenant, citizen, hund_form)
    later = _draft(tenant, citizen, hund_form)
    Draft.objects.for_tenant(tenant).filter(pk=due.pk).update(expires_at=now)
    Draft.objects.for_tenant(tenant).filter(pk=later.pk).update(expires_at=now + dt.timedelta(seconds=1))
    assert services.delete_expired_drafts(now=now) == 1
    assert list(Draft.objects.unscoped().values_list("pk", flat=True)) == [later.pk]


def test_save_step_keeps_an_invalid_step_as_typed_only_when_asked(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    draft = _draft(tenant, citizen, hund_form, answers={"halter": {"person": {"vorname": "Alt", "nachname": "Alt"}}})
    data = {"halter.person.vorname": "Neu", "halter.person.nachname": ""}
    result = services.save_step(draft=draft, step_id="halter", data=data)
    assert not result.ok
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).answers["halter"]["person"]["vorname"] == "Alt"
    services.save_step(draft=draft, step_id="halter", data=data, keep_invalid=True)
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).answers["halter"]["person"]["vorname"] == "Neu"
    assert draft.answers["halter"]["person"]["vorname"] == "Neu"


def test_save_step_of_an_unknown_step_raises(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    with pytest.raises(KeyError):
        services.save_step(draft=_draft(tenant, citizen, hund_form), step_id="gibtsnicht", data={})


def test_save_step_ignores_a_file_for_a_field_that_does_not_exist(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    from rathaus.applications.tests.conftest import STEP_HALTER, pdf_upload

    draft = _draft(tenant, citizen, hund_form)
    result = services.save_step(draft=draft, step_id="halter", data=STEP_HALTER, uploads={"halter.x": pdf_upload()})
    assert result.ok and draft.files == {}


def test_save_step_reports_a_refused_file_at_its_field(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    from rathaus.applications.tests.conftest import STEP_HUNDE, pdf_upload

    draft = _draft(tenant, citizen, hund_form)
    result = services.save_step(
        draft=draft, step_id="hunde", data=STEP_HUNDE, uploads={"hunde.nachweis.datei": pdf_upload(data=b"kaputt")}
    )
    assert not result.ok
    assert result.errors["hunde.nachweis.datei"]
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).files == {}


# --------------------------------------------------------------------------- payment and forwarding


def test_record_payment_of_an_unknown_number_or_another_town_changes_nothing(
    tenant: Any, other_tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    application = _submit(tenant, citizen, hund_form)
    assert services.record_payment(tenant_id=tenant.pk, number="A-1999-000001", paid=True) is None
    assert services.record_payment(tenant_id=other_tenant.pk, number=application.number, paid=True) is None
    application.refresh_from_db()
    assert application.payment_state == "open" and application.forwarded_at is None


def test_paid_forwards_once_with_the_reason_paid(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    application = _submit(tenant, citizen, hund_form)
    result = services.record_payment(tenant_id=tenant.pk, number=application.number, paid=True)
    assert result is not None and result.payment_state == "paid" and result.forwarded_at is not None
    stored = Application.objects.for_tenant(tenant).get(pk=application.pk)
    assert (stored.payment_state, stored.forwarded_at) == ("paid", result.forwarded_at)
    assert _events(tenant, application.number)[1:] == [
        ("application.forwardable", {"number": application.number, "reason": "paid"})
    ]


def test_paid_after_forwarding_keeps_the_forwarding_time(tenant: Any, citizen: Any, hund_service: Any) -> None:
    form = services.publish_form(
        service=hund_service, definition={**HUND_FORM, "payment_required_before_forwarding": False}
    )
    application = _submit(tenant, citizen, form)
    forwarded = Application.objects.for_tenant(tenant).get(pk=application.pk).forwarded_at
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=True)
    stored = Application.objects.for_tenant(tenant).get(pk=application.pk)
    assert stored.payment_state == "paid" and stored.forwarded_at == forwarded
    assert [kind for kind, _payload in _events(tenant, application.number)].count("application.forwardable") == 1


def test_failed_turns_only_an_open_fee_into_a_failed_one(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    application = _submit(tenant, citizen, hund_form)
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=False, failed=True)
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).payment_state == "failed"
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=False, failed=False)
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).payment_state == "failed"


def test_neither_paid_nor_failed_changes_nothing(tenant: Any, citizen: Any, hund_form: FormVersion) -> None:
    application = _submit(tenant, citizen, hund_form)
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=False)
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).payment_state == "open"


def test_mark_forwarded_sets_the_time_once_and_only_in_the_own_town(
    tenant: Any, other_tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    application = _submit(tenant, citizen, hund_form)
    at = timezone.now() - dt.timedelta(minutes=3)
    assert services.mark_forwarded(tenant_id=other_tenant.pk, number=application.number, at=at) is False
    assert services.mark_forwarded(tenant_id=tenant.pk, number=application.number, at=at) is True
    assert services.mark_forwarded(tenant_id=tenant.pk, number=application.number, at=timezone.now()) is False
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).forwarded_at == at


def test_payment_redirect_starts_a_payment_for_the_fee(
    tenant: Any, citizen: Any, hund_form: FormVersion, rf: Any
) -> None:
    from rathaus.payments import selectors as payment_selectors

    application = _submit(tenant, citizen, hund_form)
    url = services.payment_redirect(application=application, request=rf.get("/"))
    assert url is not None
    (payment,) = payment_selectors.payments_for_reference(tenant, application.number)
    assert payment.amount == Decimal("192.00")
    assert payment.purpose == f"{application.number} Hund anmelden"
    assert payment.lines == [{"label": "Hundesteuer je Hund", "amount": "192.00"}]
    assert payment.payer_id == citizen.pk
    assert payment.return_url == f"/antraege/{application.number}/"
    assert payment.status == "pending"
    # A second visit continues the same attempt.
    services.payment_redirect(application=application, request=rf.get("/"))
    assert payment_selectors.payments_for_reference(tenant, application.number).count() == 1


def test_payment_redirect_for_a_failed_fee_starts_a_new_attempt(
    tenant: Any, citizen: Any, hund_form: FormVersion, rf: Any
) -> None:
    from rathaus.payments import selectors as payment_selectors
    from rathaus.payments import services as payments

    application = _submit(tenant, citizen, hund_form)
    services.payment_redirect(application=application, request=rf.get("/"))
    (first,) = payment_selectors.payments_for_reference(tenant, application.number)
    clerk = StaffFactory(tenant=tenant, roles=["treasury"])
    payments.mark_by_treasury(payment=first, status="failed", actor=clerk, note="abgelehnt")
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=False, failed=True)
    application.refresh_from_db()
    assert services.payment_redirect(application=application, request=rf.get("/")) is not None
    assert payment_selectors.payments_for_reference(tenant, application.number).count() == 2


def test_payment_redirect_when_nothing_is_due(
    tenant: Any, citizen: Any, free_form: Any, hund_form: Any, rf: Any
) -> None:
    assert services.payment_redirect(application=_submit(tenant, citizen, free_form), request=rf.get("/")) is None
    paid = _submit(tenant, citizen, hund_form)
    services.record_payment(tenant_id=tenant.pk, number=paid.number, paid=True)
    paid.refresh_from_db()
    assert services.payment_redirect(application=paid, request=rf.get("/")) is None


# --------------------------------------------------------------------------- status and messages


def test_change_status_stores_the_event_with_note_and_actor(tenant: Any, citizen: Any, hund_form: Any) -> None:
    application = _submit(tenant, citizen, hund_form)
    worker = StaffFactory(tenant=tenant)
    event = services.change_status(application=application, status="in_progress", actor=worker, note="n" * 600)
    assert application.status == "in_progress"
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).status == "in_progress"
    stored = StatusEvent.objects.for_tenant(tenant).get(pk=event.pk)
    assert (stored.status, stored.actor_id, stored.note) == ("in_progress", worker.pk, "n" * 500)


def test_change_status_to_an_unknown_status_is_refused(tenant: Any, citizen: Any, hund_form: Any) -> None:
    application = _submit(tenant, citizen, hund_form)
    with pytest.raises(ValidationFailed):
        services.change_status(application=application, status="verloren", actor=StaffFactory(tenant=tenant))
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).status == "submitted"


def test_a_message_goes_into_the_application_s_thread_with_the_service_as_subject(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    from rathaus.mailbox import selectors as mailbox

    application = _submit(tenant, citizen, hund_form)
    message = services.send_message(application=application, sender=citizen, body="Frage", from_office=False)
    thread = mailbox.thread(tenant, application.mailbox_reference)
    assert thread is not None and thread.subject == "Hund anmelden"
    assert list(mailbox.messages(tenant, application.mailbox_reference)) == [message]


# --------------------------------------------------------------------------- form files


def test_form_file_json_object_is_read() -> None:
    assert services.read_form_file(b'  {"id": "x"}') == ({"id": "x"}, [])


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"\xff\xfe kein utf-8", b"{kaputt"])
def test_form_file_that_is_no_json_object_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed):
        services.read_form_file(data)


def test_form_file_of_5_mb_is_read_and_larger_refused() -> None:
    limit = services.MAX_FORM_FILE_BYTES
    assert limit == 5 * 1024 * 1024
    padded = b'{"id": "x"}' + b" " * (limit - 11)
    assert services.read_form_file(padded)[0] == {"id": "x"}
    with pytest.raises(ValidationFailed) as caught:
        services.read_form_file(padded + b" ")
    assert "5 MB" in str(caught.value.detail)


def test_form_file_starting_with_xml_is_read_as_xdatenfelder_even_after_whitespace() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.read_form_file(b"\n  <kein-schema/>")
    assert "XDatenfelder" in str(caught.value.detail)


# --------------------------------------------------------------------------- selectors


def test_current_form_is_the_newest_published_version(tenant: Any, hund_service: Any) -> None:
    first = services.publish_form(service=hund_service, definition=HUND_FORM)
    second = services.publish_form(service=hund_service, definition={**HUND_FORM, "title": "Hund anmelden (neu)"})
    assert (first.version, second.version) == (1, 2)
    assert selectors.current_form(tenant, hund_service) == second
    FormVersion.objects.for_tenant(tenant).filter(pk=second.pk).update(published_at=None)
    assert selectors.current_form(tenant, hund_service) == first
    assert selectors.current_form(tenant, ServiceFactory(tenant=tenant, slug="ohne-formular")) is None


@pytest.mark.parametrize(
    ("service_level", "needed"), [("none", "low"), ("low", "low"), ("substantial", "substantial"), ("high", "high")]
)
def test_an_online_application_needs_at_least_a_low_trust_level(tenant: Any, service_level: str, needed: str) -> None:
    service = ServiceFactory(tenant=tenant, slug=f"stufe-{service_level}", trust_level=service_level)
    assert selectors.needed_level(service) == needed


def test_drafts_of_lists_open_drafts_of_the_user_newest_first(tenant: Any, citizen: Any, hund_form: Any) -> None:
    older = _draft(tenant, citizen, hund_form)
    newer = _draft(tenant, citizen, hund_form)
    expired = _draft(tenant, citizen, hund_form)
    _draft(tenant, CitizenFactory(tenant=tenant), hund_form)
    Draft.objects.for_tenant(tenant).filter(pk=older.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    Draft.objects.for_tenant(tenant).filter(pk=expired.pk).update(expires_at=timezone.now())
    assert list(selectors.drafts_of(tenant, citizen)) == [newer, older]
    assert selectors.draft_of(tenant, citizen, older.uuid) == older
    assert selectors.draft_of(tenant, citizen, expired.uuid) is None


def test_applications_of_the_user_newest_first_with_unread_counts(tenant: Any, citizen: Any, free_form: Any) -> None:
    first = _submit(tenant, citizen, free_form)
    second = _submit(tenant, citizen, free_form)
    Application.objects.for_tenant(tenant).filter(pk=first.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    _submit(tenant, CitizenFactory(tenant=tenant), free_form)
    worker = StaffFactory(tenant=tenant)
    services.send_message(application=first, sender=worker, body="Bitte Nachweis", from_office=True)
    services.send_message(application=second, sender=citizen, body="Eigene Frage", from_office=False)
    listed = list(selectors.applications_of(tenant, citizen))
    assert [a.pk for a in listed] == [second.pk, first.pk]
    assert [a.unread for a in listed] == [0, 1]
    assert selectors.application_of(tenant, citizen, first.number).pk == first.pk
    assert selectors.application_of(tenant, CitizenFactory(tenant=tenant), first.number) is None


def test_file_of_finds_attachments_and_message_files_by_hash(tenant: Any, citizen: Any, free_form: Any) -> None:
    from rathaus.applications.tests.conftest import PDF, pdf_upload

    draft = _draft(tenant, citizen, free_form)
    ref = services.upload_to_draft(draft=draft, path="hunde.nachweis.datei", upload=pdf_upload("Beleg.pdf"))
    answers = {**ANSWERS, "hunde": {**ANSWERS["hunde"], "nachweis": {"datei": ref}}}
    Draft.objects.for_tenant(tenant).filter(pk=draft.pk).update(answers=answers)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    assert selectors.file_of(application, ref["sha256"]) == {
        "key": ref["key"],
        "name": "Beleg.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
    }
    assert selectors.file_of(application, "0" * 64) is None
