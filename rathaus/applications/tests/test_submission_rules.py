"""The submission's guarantees: all or nothing, idempotent, tamper-proof, private, numbered without gaps."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Attachment, Draft, NumberSequence, StatusEvent
from rathaus.core.errors import ValidationFailed
from rathaus.core.models import Delivery, Event
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.mailbox import services as mailbox_services
from rathaus.mailbox.models import Message

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {
    "halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}},
    "hunde": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}},
}


def _draft(tenant: Any, citizen: Any, hund_form: Any, answers: Any = None) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=answers or ANSWERS)


def _nothing_written() -> None:
    assert not Application.objects.unscoped().exists()
    assert not Attachment.objects.unscoped().exists()
    assert not StatusEvent.objects.unscoped().exists()
    assert not Event.objects.unscoped().exists()
    assert not Delivery.objects.exists()


def test_tampered_answers_are_refused_and_nothing_is_written(tenant: Any, citizen: Any, hund_form: Any) -> None:
    tampered = {**ANSWERS, "hunde": {"hund": [{"name": "Bello", "steuerfrei": True}]}, "admin": {"x": 1}}
    draft = _draft(tenant, citizen, hund_form, tampered)
    with pytest.raises(ValidationFailed):
        services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    _nothing_written()
    assert Draft.objects.unscoped().filter(pk=draft.pk).exists()


def test_a_file_reference_smuggled_into_the_answers_is_refused(tenant: Any, citizen: Any, hund_form: Any) -> None:
    forged = {"key": "attachments/ab/" + "ab" * 32, "name": "x.pdf", "sha256": "ab" * 32, "size": 1,
              "content_type": "application/pdf"}  # fmt: skip
    answers = {**ANSWERS, "hunde": {"hund": [{"name": "Bello"}], "nachweis": {"datei": forged}}}
    draft = _draft(tenant, citizen, hund_form, answers)
    with pytest.raises(ValidationFailed):
        services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    _nothing_written()


def test_failure_in_the_middle_rolls_everything_back(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    draft = _draft(tenant, citizen, hund_form)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Event.objects, "create", crash)
    with pytest.raises(RuntimeError):
        services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    _nothing_written()
    assert Draft.objects.unscoped().filter(pk=draft.pk).exists()
    assert not NumberSequence.objects.unscoped().filter(last__gt=0).exists()  # no number burnt
    assert mail.outbox == []  # the notification runs only after a commit


def test_numbers_count_up_per_municipality(tenant: Any, other_tenant: Any, citizen: Any, hund_form: Any) -> None:
    numbers = []
    for _ in range(3):
        draft = _draft(tenant, citizen, hund_form)
        numbers.append(services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low").number)
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_another_citizen_cannot_submit_or_see_the_draft(
    tenant: Any, citizen: Any, hund_form: Any, other_citizen_client: Client
) -> None:
    draft = _draft(tenant, citizen, hund_form)
    for url in (f"/antraege/entwurf/{draft.uuid}/schritt/halter/", f"/antraege/entwurf/{draft.uuid}/zusammenfassung/"):
        assert other_citizen_client.get(url).status_code == 404
    assert other_citizen_client.post(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").status_code == 404
    assert other_citizen_client.post(f"/antraege/entwurf/{draft.uuid}/verwerfen/").status_code == 404
    assert other_citizen_client.get(f"/api/v1/applications/drafts/{draft.uuid}").status_code == 404
    _nothing_written()


def test_another_citizen_gets_404_for_application_receipt_file_and_messages(
    tenant: Any, citizen: Any, hund_form: Any, other_citizen_client: Client
) -> None:
    draft = _draft(tenant, citizen, hund_form)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    services.send_message(application=application, sender=citizen, body="Frage", from_office=False)
    n = application.number
    for url in (f"/antraege/{n}/", f"/antraege/{n}/eingangsbestaetigung.pdf", f"/antraege/{n}/dateien/{'a' * 64}/"):
        assert other_citizen_client.get(url).status_code == 404, url
    assert other_citizen_client.post(f"/antraege/{n}/", {"body": "eingeschleust"}).status_code == 404
    assert other_citizen_client.get(f"/api/v1/applications/applications/{n}").status_code == 404
    assert other_citizen_client.get(f"/api/v1/applications/applications/{n}/messages").status_code == 404
    assert mailbox.messages(tenant, application.mailbox_reference).count() == 1


def test_office_sees_applications_of_its_unit_only_and_answers_in_the_mailbox(
    tenant: Any,
    citizen: Any,
    hund_form: Any,
    hund_service: Any,
    tclient: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from rathaus.identity.models import StaffRole
    from rathaus.tenants.tests.factories import OrgUnitFactory

    draft = _draft(tenant, citizen, hund_form)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    caseworker = StaffFactory(tenant=tenant, email="sb@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=caseworker, org_unit=hund_service.org_unit, role="caseworker")
    stranger = StaffFactory(tenant=tenant, email="fremd@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=stranger, org_unit=OrgUnitFactory(tenant=tenant), role="caseworker")

    office = Client(HTTP_HOST=tclient.defaults["HTTP_HOST"])
    login_staff(office, caseworker)
    assert application.number in office.get("/intern/antraege/").content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"/intern/antraege/{application.number}/", {"body": "Bitte Impfpass nachreichen."})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "Nachricht" in mail.outbox[0].subject
    assert "Impfpass" not in mail.outbox[0].body  # contents stay in the portal mailbox
    office.post(f"/intern/antraege/{application.number}/", {"_action": "status", "status": "in_progress"})
    assert Application.objects.for_tenant(tenant).get(pk=application.pk).status == "in_progress"

    other = Client(HTTP_HOST=tclient.defaults["HTTP_HOST"])
    login_staff(other, stranger)
    assert application.number not in other.get("/intern/antraege/").content.decode()
    assert other.get(f"/intern/antraege/{application.number}/").status_code == 404


def test_unpaid_application_is_not_in_the_office_list_until_paid(
    tenant: Any, citizen: Any, hund_form: Any, hund_service: Any, tclient: Client
) -> None:
    from rathaus.identity.models import StaffRole

    draft = _draft(tenant, citizen, hund_form)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    caseworker = StaffFactory(tenant=tenant, email="sb@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=caseworker, org_unit=hund_service.org_unit, role="caseworker")
    office = Client(HTTP_HOST=tclient.defaults["HTTP_HOST"])
    login_staff(office, caseworker)
    assert application.number not in office.get("/intern/antraege/").content.decode()
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=True)
    assert application.number in office.get("/intern/antraege/").content.decode()
    kinds = list(Event.objects.for_tenant(tenant).filter(subject=application.number).values_list("kind", flat=True))
    assert kinds == ["application.submitted", "application.forwardable"]
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=True)  # repeated: no new event
    assert Event.objects.for_tenant(tenant).count() == 2


def test_expired_drafts_are_deleted(tenant: Any, citizen: Any, hund_form: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    old = _draft(tenant, citizen, hund_form)
    Draft.objects.for_tenant(tenant).filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    fresh = _draft(tenant, citizen, hund_form)
    assert services.delete_expired_drafts() == 1
    assert list(Draft.objects.unscoped().values_list("pk", flat=True)) == [fresh.pk]


def test_sweep_deletes_blobs_nobody_points_to(tenant: Any, citizen: Any, hund_form: Any) -> None:
    import hashlib

    from rathaus.attachments import storage

    kept = b"%PDF-1.4 kept"
    orphan = b"%PDF-1.4 orphan"
    kept_key = storage.store(kept, hashlib.sha256(kept).hexdigest())
    orphan_key = storage.store(orphan, hashlib.sha256(orphan).hexdigest())
    draft = _draft(tenant, citizen, hund_form)
    draft.files = {"hunde.nachweis.datei": {"key": kept_key, "name": "a.pdf"}}
    draft.save()
    result = services.sweep(min_age_seconds=0)
    assert result["blobs"] == 1
    assert set(storage.iter_keys()) == {kept_key} and orphan_key != kept_key


def test_sweep_keeps_the_files_of_mailbox_messages(tenant: Any, citizen: Any, hund_form: Any) -> None:
    import hashlib

    from rathaus.attachments import storage
    from rathaus.attachments.tests import samples
    from rathaus.identity.tests.factories import CitizenFactory

    from .conftest import pdf_upload

    application = services.submit(
        draft_uuid=_draft(tenant, citizen, hund_form).uuid, tenant=tenant, actor=citizen, trust_level="low"
    )
    services.send_message(
        application=application, sender=citizen, body="Anbei", from_office=False, uploads=[pdf_upload()]
    )
    # A thread that is no application's: a document delivered to someone else.
    other = CitizenFactory(tenant=tenant, email="max@example.org")
    mailbox_services.deliver(
        tenant=tenant, recipient=other, reference="case:7", subject="Bescheid", text="Anbei",
        documents=[("bescheid.pdf", samples.pdf(pages=2))],
    )  # fmt: skip
    orphan = samples.pdf(pages=3)
    storage.store(orphan, hashlib.sha256(orphan).hexdigest())
    kept = {ref["key"] for m in Message.objects.for_tenant(tenant) for ref in m.attachments}
    assert len(kept) == 2

    assert services.sweep(min_age_seconds=0)["blobs"] == 1
    assert set(storage.iter_keys()) == kept


def test_uploads_and_messages_are_rate_limited_per_account(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    from rathaus.attachments.checks import UploadRejected

    from .conftest import pdf_upload

    monkeypatch.setattr(services, "UPLOADS_PER_HOUR", 2)
    monkeypatch.setattr(mailbox_services, "MESSAGES_PER_HOUR", 1)
    draft = _draft(tenant, citizen, hund_form)
    for _ in range(2):
        services.upload_to_draft(draft=draft, path="hunde.nachweis.datei", upload=pdf_upload())
    with pytest.raises(ValidationFailed) as refused:
        services.upload_to_draft(draft=draft, path="hunde.nachweis.datei", upload=pdf_upload())
    assert refused.value.errors[0]["code"] == "rate_limited" and "später" in str(refused.value.detail)
    assert UploadRejected("rate_limited").message.startswith("Sie haben")

    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    services.send_message(application=application, sender=citizen, body="Erste Frage", from_office=False)
    with pytest.raises(ValidationFailed):
        services.send_message(application=application, sender=citizen, body="Zweite Frage", from_office=False)
    assert mailbox.messages(tenant, application.mailbox_reference).count() == 1
