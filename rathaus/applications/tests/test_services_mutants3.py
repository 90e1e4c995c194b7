"""What the fourth mutation run's remaining part found untested in applications.services (issue 6).

Deleting an account's drafts: all of its drafts and only those, its applications kept, the count returned.
A fee below one euro is a fee (open, paid before forwarding); a form that asks for payment first but costs
nothing is forwarded at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory

from .conftest import HUND_FORM
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")


def _draft(tenant: Any, owner: Any, form: Any) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=owner, form_version=form, answers=ANSWERS)


# --------------------------------------------------------------------------- deleting an account's drafts


def test_deleting_an_accounts_drafts_deletes_all_of_them_and_nothing_else(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    submitted = services.submit(
        draft_uuid=_draft(tenant, citizen, hund_form).uuid, tenant=tenant, actor=citizen, trust_level="low"
    )
    mine = {_draft(tenant, citizen, hund_form).pk, _draft(tenant, citizen, hund_form).pk}
    other = CitizenFactory(tenant=tenant, email="max@example.org")
    theirs = _draft(tenant, other, hund_form)

    assert services.delete_drafts_of(tenant=tenant, owner=citizen) == 2

    assert not Draft.objects.unscoped().filter(pk__in=mine).exists()
    assert list(Draft.objects.unscoped().values_list("pk", flat=True)) == [theirs.pk]
    assert list(Application.objects.for_tenant(tenant).values_list("pk", flat=True)) == [submitted.pk]
    assert services.delete_drafts_of(tenant=tenant, owner=citizen) == 0


# --------------------------------------------------------------------------- fees at their edges


def _submitted_with(tenant: Any, citizen: Any, slug: str, **definition: Any) -> Application:
    service: Any = ServiceFactory(tenant=tenant, slug=slug, name=slug, trust_level="low")
    form = services.publish_form(service=service, definition={**HUND_FORM, "id": slug, **definition})
    draft = _draft(tenant, citizen, form)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def _kinds(tenant: Any, application: Application) -> list[str]:
    return list(Event.objects.for_tenant(tenant).filter(subject=application.number).values_list("kind", flat=True))


def test_a_fee_below_one_euro_is_open_and_paid_before_forwarding(tenant: Any, citizen: Any) -> None:
    fees = [{"label": "Marke", "amount": "0.50", "per": "hunde.hund"}]
    application = _submitted_with(tenant, citizen, "hundemarke", fees=fees)

    assert application.fee_total == Decimal("0.50")
    assert application.payment_state == Application.PaymentState.OPEN
    assert application.payment_required_first is True
    assert application.forwarded_at is None
    assert _kinds(tenant, application) == ["application.submitted"]


def test_a_form_that_asks_for_payment_first_but_costs_nothing_is_forwarded_at_once(tenant: Any, citizen: Any) -> None:
    application = _submitted_with(tenant, citizen, "hund-gratis", fees=[])

    assert application.fee_total == 0
    assert application.payment_state == Application.PaymentState.NOT_REQUIRED
    assert application.payment_required_first is False
    assert application.forwarded_at == application.submitted_at
    assert _kinds(tenant, application) == ["application.submitted", "application.forwardable"]
