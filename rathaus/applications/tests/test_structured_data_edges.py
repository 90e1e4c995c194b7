"""What the mutation run of 2026-12-02 (fourth session) found untested in the structured data of an
application, the organisation's side of it, and the office's forwarding (docs/testing.md, "Fourth run")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.applications import selectors, services
from rathaus.applications.models import Application, Draft

from . import test_business_accounts
from .test_business_accounts import _org_application
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")
firm = test_business_accounts.firm  # the two clerks of Musterbau GmbH and a clerk of another firm


def _private(tenant: Any, citizen: Any, form: Any) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def test_the_structured_data_of_an_organisations_application_is_complete_and_canonical(
    tenant: Any, firm: dict[str, Any]
) -> None:
    application = _org_application(tenant, firm)
    raw = selectors.answers_json(application)
    document = json.loads(raw)
    assert document["organisation"] == {
        "name": "Musterbau GmbH",
        "legal_form": "GmbH",
        "register_number": "HRB 12345 (Amtsgericht Düsseldorf)",
        "address": "Industriestraße 5, 40699 Erkrath",
    }
    assert document["service"] == {"leika_key": application.service.leika_key, "name": "Hund anmelden"}
    assert document["submitted_by"] == "Erna Beispiel"
    # one canonical form (sorted keys, two-space indent, UTF-8 umlauts): the same application, the same bytes
    assert raw == json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
    assert "Industriestraße".encode() in raw


def test_an_organisation_without_register_or_street_gives_only_what_it_has(tenant: Any, firm: dict[str, Any]) -> None:
    org = firm["org"]
    org.register_number, org.street, org.postal_code, org.city = "", "", "", ""
    org.save()
    document = json.loads(selectors.answers_json(_org_application(tenant, firm)))
    assert document["organisation"]["address"] == ""
    org.city = "Erkrath"
    org.save()
    document = json.loads(selectors.answers_json(_org_application(tenant, firm)))
    assert document["organisation"]["address"] == "Erkrath"


def test_application_by_number_brings_the_organisation_too(tenant: Any, firm: dict[str, Any]) -> None:
    number = _org_application(tenant, firm).number
    found = selectors.application_by_number(tenant.pk, number)
    assert found is not None
    with CaptureQueriesContext(connection) as reading:
        names = (found.organisation.name, found.started_by.email, found.applicant.email)
    assert reading.captured_queries == []
    assert names == ("Musterbau GmbH", "karl@firma.example", "erna@firma.example")


def test_what_a_person_submitted_for_organisations_leaves_out_their_private_applications(
    tenant: Any, firm: dict[str, Any], hund_form: Any
) -> None:
    for_firm = _org_application(tenant, firm, starter="erna", submitter="erna")
    _private(tenant, firm["erna"], hund_form)
    with CaptureQueriesContext(connection) as reading:
        found = [(a.number, a.service.name, a.organisation.name) for a in
                 selectors.submitted_by_for_organisations(tenant, firm["erna"])]  # fmt: skip
    assert found == [(for_firm.number, "Hund anmelden", "Musterbau GmbH")]
    assert len(reading.captured_queries) == 1


def test_mark_forwarded_marks_only_the_application_it_names(tenant: Any, citizen: Any, hund_form: Any) -> None:
    first, second = _private(tenant, citizen, hund_form), _private(tenant, citizen, hund_form)
    Application.objects.for_tenant(tenant).update(forwarded_at=None)
    at = timezone.now() + dt.timedelta(minutes=5)
    assert services.mark_forwarded(tenant_id=tenant.pk, number=first.number, at=at) is True
    assert services.mark_forwarded(tenant_id=tenant.pk, number=first.number, at=at) is False  # idempotent
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.forwarded_at == at and second.forwarded_at is None
