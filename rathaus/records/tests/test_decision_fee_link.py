"""A citizen reaches a decision's fee from the application's page: it names the fee and links to its payment
page while it is unpaid, for everyone who may pay it, and no longer once it is paid."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.payments import selectors as payment_selectors
from rathaus.payments.models import Payment

from . import test_decision_fee_organisation as fee_world
from .test_filing import plan, service  # noqa: F401 (fixtures)

seals = fee_world.seals
world = fee_world.world
pytestmark = pytest.mark.django_db


def test_the_application_page_links_the_open_decision_fee_until_it_is_paid(tclient: Any, world: dict[str, Any]) -> None:
    payment, number = world["payment"], world["application"].number
    erna = fee_world._act_for(tclient, world["erna"], world["firm"])  # the other clerk of the firm

    page = erna.get(f"/antraege/{number}/").content.decode()
    assert "Eine weitere Gebühr ist offen." in page
    assert f'href="/zahlung/{payment.uuid}/"' in page and "40,00 € bezahlen" in page
    assert erna.get(f"/zahlung/{payment.uuid}/").status_code == 200

    Payment.objects.for_tenant(payment.tenant_id).filter(pk=payment.pk).update(status=Payment.Status.PAID)
    page = erna.get(f"/antraege/{number}/").content.decode()
    assert "Eine weitere Gebühr ist offen." not in page and str(payment.uuid) not in page


def test_further_fees_are_only_the_payers_and_not_the_applications_own(
    tenant: Any, other_tenant: Any, world: dict[str, Any]
) -> None:
    from rathaus.identity.selectors import Acting

    url, number = f"/antraege/{world['application'].number}/", world["application"].number
    firm_clerk = Acting(user=world["erna"], organisation_id=world["firm"].pk)
    assert payment_selectors.further_fees(tenant, firm_clerk, url, besides=number) == [world["payment"]]
    outsider = Acting(user=world["otto"], organisation_id=world["other"].pk)
    assert payment_selectors.further_fees(tenant, outsider, url, besides=number) == []
    assert payment_selectors.further_fees(other_tenant, firm_clerk, url, besides=number) == []
    # the application's own fee (its number as reference) is shown by the page already
    assert payment_selectors.further_fees(tenant, firm_clerk, url, besides=world["payment"].reference) == []
