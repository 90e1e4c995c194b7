"""Submitting, paying and publishing a form version commit on their own: "acknowledged = stored".

They run in ``transaction.atomic(durable=True)``: a caller that wraps them in its own transaction (which could
still roll back after the citizen saw the number) gets an error instead of a silent, undurable success.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, FormVersion
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.payments import services as payments
from rathaus.payments.models import Payment

pytestmark = pytest.mark.usefixtures("fake_scanner")

NESTED = "durable atomic block cannot be nested"


def _draft(tenant: Any, citizen: Any, form: FormVersion) -> Draft:
    answers = {"halter": {"person": {"vorname": "Mia", "nachname": "M"}}, "hunde": {"hund": [{"name": "Bello"}]}}
    return Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=answers)


def test_submit_refuses_to_run_inside_a_callers_transaction(tenant: Any, citizen: Any, hund_form: FormVersion):
    draft = _draft(tenant, citizen, hund_form)
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="high")
    assert not Application.objects.for_tenant(tenant).exists()
    # on its own it commits and answers the number
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="high")
    assert application.number.startswith("A-")


def test_publishing_a_form_version_refuses_an_outer_transaction(hund_service: Any) -> None:
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        services.publish_form(service=hund_service, definition=HUND_FORM)
    assert not FormVersion.objects.for_tenant(hund_service.tenant_id).exists()
    assert services.publish_form(service=hund_service, definition=HUND_FORM).version == 1


def test_a_payment_outcome_refuses_an_outer_transaction(tenant: Any, citizen: Any) -> None:
    from decimal import Decimal

    payment = payments.start_payment(
        tenant=tenant, reference="A-2026-000001", purpose="Gebühr", amount=Decimal("10.00"), lines=[],
        payer=citizen, return_url="/antraege/",
    )  # fmt: skip
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        payments.record_demo_outcome(payment=payment, outcome=payments.OUTCOME_PAID)
    assert "demo" not in Payment.objects.for_tenant(tenant).get(pk=payment.pk).provider_data
    payments.record_demo_outcome(payment=payment, outcome=payments.OUTCOME_PAID)
    assert payments.refresh_status(payment=payment).status == Payment.Status.PAID
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        payments.mark_by_treasury(payment=payment, status=Payment.Status.OPEN, actor=_treasurer(tenant), note="x")
    assert Payment.objects.for_tenant(tenant).get(pk=payment.pk).status == Payment.Status.PAID


def _treasurer(tenant: Any) -> Any:
    from rathaus.identity.tests.factories import StaffFactory

    return StaffFactory(tenant=tenant, roles=["treasury"])
