"""identity.selectors.prefill_values: what a form may take from the account, and nothing of another account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rathaus.identity.models import Profile
from rathaus.identity.selectors import prefill_values
from rathaus.identity.tests.factories import CitizenFactory


def test_account_and_profile_values_are_offered_json_ready(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, first_name="Mia", last_name="Muster", email="mia@example.org")
    Profile.objects.for_tenant(tenant).filter(user=user).update(
        birth_date=dt.date(1990, 2, 28), street="Rathausplatz 3", postal_code="40699", city="", phone=""
    )
    assert prefill_values(user) == {
        "first_name": "Mia",
        "last_name": "Muster",
        "email": "mia@example.org",
        "birth_date": "1990-02-28",
        "street": "Rathausplatz 3",
        "postal_code": "40699",
    }


def test_only_the_accounts_own_profile_counts(tenant: Any, other_tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, first_name="Mia")
    other = CitizenFactory(tenant=other_tenant, first_name="Max")
    Profile.objects.for_tenant(other_tenant).filter(user=other).update(street="Fremde Straße 1")
    assert "street" not in prefill_values(user)
    Profile.objects.for_tenant(tenant).filter(user=user).delete()
    assert prefill_values(user)["first_name"] == "Mia"  # an account without a profile still prefills its name
