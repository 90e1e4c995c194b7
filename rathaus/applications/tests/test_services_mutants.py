"""What the mutation run of applications.services/selectors found untested (issue 6).

The upload limit per account and clock hour, a form field's own size limit, continuing a payment attempt that
is under way, who is recorded as the payer, and the lists that read applicant and organisation of every row
without a query per row.
"""

from __future__ import annotations

import copy
import types
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.applications import selectors, services
from rathaus.applications.models import Application, Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core import ratelimit
from rathaus.core.errors import ValidationFailed
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.payments import selectors as payment_selectors
from rathaus.payments import services as payments
from rathaus.payments.providers import registry

from .conftest import HUND_FORM, pdf_upload
from .test_business_accounts import _org_application, firm  # noqa: F401 - the fixture of two representatives
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")

FILE = "hunde.nachweis.datei"


def _draft(tenant: Any, owner: Any, form: Any) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=owner, form_version=form, answers=ANSWERS)


def _refused_code(draft: Draft) -> str:
    with pytest.raises(ValidationFailed) as refused:
        services.upload_to_draft(draft=draft, path=FILE, upload=pdf_upload())
    return str(refused.value.errors[0]["code"])


# --------------------------------------------------------------------------- uploads


def test_the_upload_limit_counts_per_account_and_leaves_other_citizens_alone(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "UPLOADS_PER_HOUR", 2)
    other = CitizenFactory(tenant=tenant, email="max@example.org")
    mine, theirs = _draft(tenant, citizen, hund_form), _draft(tenant, other, hund_form)
    for _ in range(2):
        services.upload_to_draft(draft=mine, path=FILE, upload=pdf_upload())
    assert _refused_code(mine) == "rate_limited"

    ref = services.upload_to_draft(draft=theirs, path=FILE, upload=pdf_upload())
    assert Draft.objects.for_tenant(tenant).get(pk=theirs.pk).files[FILE]["key"] == ref["key"]


def test_the_upload_limit_is_the_accounts_upload_counter(tenant: Any, citizen: Any, hund_form: Any) -> None:
    """Uploads count on the account's "upload" counter of the current hour (the one operators look at)."""
    draft = _draft(tenant, citizen, hund_form)
    for _ in range(services.UPLOADS_PER_HOUR):
        ratelimit.allow("upload", citizen.pk, limit=services.UPLOADS_PER_HOUR, window_seconds=3600)
    assert _refused_code(draft) == "rate_limited"
    assert FILE not in Draft.objects.for_tenant(tenant).get(pk=draft.pk).files


def test_the_upload_limit_starts_afresh_with_each_clock_hour(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    hour = 500_000 * 3600  # a full hour (2027-01-15 08:00 UTC)
    clock = {"now": hour - 1.0}
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: clock["now"]))
    monkeypatch.setattr(services, "UPLOADS_PER_HOUR", 1)
    draft = _draft(tenant, citizen, hund_form)
    services.upload_to_draft(draft=draft, path=FILE, upload=pdf_upload())
    assert _refused_code(draft) == "rate_limited"

    clock["now"] = hour + 1.0  # two seconds later, but in the next hour
    services.upload_to_draft(draft=draft, path=FILE, upload=pdf_upload())


def test_a_file_larger_than_its_fields_own_limit_is_refused_at_upload(tenant: Any, citizen: Any) -> None:
    definition = copy.deepcopy(HUND_FORM)
    definition["id"] = "hund-klein"
    definition["steps"][1]["groups"][1]["fields"][0]["file"]["max_bytes"] = 300  # the PDF has about 430 bytes
    service: Any = ServiceFactory(tenant=tenant, slug="hund-klein", name="Hund (kleine Dateien)", trust_level="low")
    draft = _draft(tenant, citizen, services.publish_form(service=service, definition=definition))

    with pytest.raises(ValidationFailed) as refused:
        services.upload_to_draft(draft=draft, path=FILE, upload=pdf_upload())
    assert refused.value.errors == [{"field": FILE, "code": "too_large"}]
    assert "zu groß" in str(refused.value.detail)
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).files == {}

    result = services.save_step(
        draft=draft, step_id="hunde", data={"hunde.hund.0.name": "Bo"}, uploads={FILE: pdf_upload()}
    )
    assert not result.ok and any("zu groß" in str(m) for m in result.errors[FILE])
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).files == {}


# --------------------------------------------------------------------------- payment


def _submitted(tenant: Any, citizen: Any, form: Any) -> Application:
    return services.submit(
        draft_uuid=_draft(tenant, citizen, form).uuid, tenant=tenant, actor=citizen, trust_level="low"
    )


def _request(rf: Any, user: Any = None) -> Any:
    request = rf.get("/")
    if user is not None:
        request.user = user
    return request


def _no_new_payments(monkeypatch: Any) -> None:
    """The municipality's payment set-up is gone: no new payment can be started any more."""
    monkeypatch.setattr(registry, "configured_identifier", lambda tenant: "")


def test_a_payment_under_way_at_the_provider_is_continued(
    tenant: Any, citizen: Any, hund_form: Any, rf: Any, monkeypatch: Any
) -> None:
    application = _submitted(tenant, citizen, hund_form)
    services.payment_redirect(application=application, request=_request(rf, citizen))
    (payment,) = payment_selectors.payments_for_reference(tenant, application.number)
    assert payment.status == "pending"

    _no_new_payments(monkeypatch)
    assert services.payment_redirect(application=application, request=_request(rf, citizen))
    assert list(payment_selectors.payments_for_reference(tenant, application.number)) == [payment]


def test_an_open_payment_that_never_reached_the_provider_is_continued(
    tenant: Any, citizen: Any, hund_form: Any, rf: Any, monkeypatch: Any
) -> None:
    application = _submitted(tenant, citizen, hund_form)
    payment = payments.start_payment(
        tenant=tenant, reference=application.number, purpose=f"{application.number} Hund anmelden",
        amount=application.fee_total, lines=[], payer=citizen, return_url=f"/antraege/{application.number}/",
    )  # fmt: skip
    assert payment.status == "open"

    _no_new_payments(monkeypatch)
    assert services.payment_redirect(application=application, request=_request(rf, citizen))
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert payment_selectors.payments_for_reference(tenant, application.number).count() == 1


def test_the_purpose_is_number_and_service_cut_at_140_characters(
    tenant: Any, citizen: Any, hund_form: Any, rf: Any
) -> None:
    service = hund_form.service
    service.name = "Anmeldung-eines-Hundes-zur-Hundesteuer " * 5  # 195 characters, no space at the cut
    service.save()
    application = _submitted(tenant, citizen, hund_form)
    services.payment_redirect(application=application, request=_request(rf, citizen))

    (payment,) = payment_selectors.payments_for_reference(tenant, application.number)
    assert payment.purpose == f"{application.number} {service.name}"[:140]  # cut, no "…" in the last place
    assert len(payment.purpose) == 140 and payment.purpose[-1] != " "


def test_an_organisations_fee_is_paid_by_the_representative_who_pays(
    tenant: Any,
    firm: dict[str, Any],  # noqa: F811 - the fixture imported above
    rf: Any,
) -> None:
    application = _org_application(tenant, firm, starter="erna", submitter="erna")
    assert application.applicant_id == firm["erna"].pk

    services.payment_redirect(application=application, request=_request(rf, firm["karl"]))
    (payment,) = payment_selectors.payments_for_reference(tenant, application.number)
    assert (payment.organisation_id, payment.payer_id) == (firm["org"].pk, firm["karl"].pk)


def test_a_persons_fee_is_always_the_applicants_whoever_starts_the_payment(
    tenant: Any, citizen: Any, hund_form: Any, rf: Any
) -> None:
    application = _submitted(tenant, citizen, hund_form)
    someone = CitizenFactory(tenant=tenant, email="max@example.org")

    services.payment_redirect(application=application, request=_request(rf, someone))
    (payment,) = payment_selectors.payments_for_reference(tenant, application.number)
    assert (payment.organisation_id, payment.payer_id) == (None, citizen.pk)


# --------------------------------------------------------------------------- lists


def _reads_every_row(rows: list[Application]) -> tuple[list[Any], list[Any]]:
    with CaptureQueriesContext(connection) as reading:
        seen = [(a.service.name, a.applicant.email, a.organisation.name if a.organisation else None) for a in rows]
    return seen, reading.captured_queries


def test_the_organisations_list_reads_applicant_and_organisation_without_a_query_per_row(
    tenant: Any,
    firm: dict[str, Any],  # noqa: F811 - the fixture imported above
) -> None:
    from rathaus.identity.selectors import Acting

    for submitter in ("karl", "erna"):
        _org_application(tenant, firm, starter="karl", submitter=submitter)
    acting = Acting(user=firm["karl"], organisation_id=firm["org"].pk)

    seen, queries = _reads_every_row(list(selectors.applications_of(tenant, acting)))
    assert queries == [], queries
    assert sorted(seen) == sorted([("Hund anmelden", f"{n}@firma.example", "Musterbau GmbH") for n in ("karl", "erna")])


def test_the_office_work_queue_reads_every_row_without_a_query_per_row(
    tenant: Any,
    firm: dict[str, Any],  # noqa: F811 - the fixture imported above
) -> None:
    for submitter in ("karl", "erna"):
        application = _org_application(tenant, firm, starter="karl", submitter=submitter)
        Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    clerk: Any = StaffFactory(tenant=tenant, roles=["tenant_admin"])

    rows = list(selectors.applications_for_office(tenant, clerk))
    assert len(rows) == 2
    seen, queries = _reads_every_row(rows)
    with CaptureQueriesContext(connection) as starters:
        started = {a.started_by.email for a in rows if a.started_by}
    assert queries == [] and starters.captured_queries == [], (queries, starters.captured_queries)
    assert started == {"karl@firma.example"}
    assert {s[2] for s in seen} == {"Musterbau GmbH"}
