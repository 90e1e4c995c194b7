"""A service names the attributes its login asks the citizen's account for (data minimisation per service)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rathaus.catalog.admin import ServiceAdminForm
from rathaus.catalog.login_needs import needs_of
from rathaus.catalog.services import export_catalog, export_csv, import_catalog, parse_csv
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import ImportRejected
from rathaus.identity.login_needs import Needs, requested_groups


@pytest.mark.parametrize("value", [["name", "passnummer"], ["name", "name"], "name", [1]])
def test_only_known_attribute_groups_each_once(tenant: Any, value: Any) -> None:
    service = ServiceFactory.build(tenant=tenant, login_attributes=value)
    with pytest.raises(ValidationError) as raised:
        service.full_clean(exclude=["org_unit", "tenant"])
    assert "login_attributes" in raised.value.message_dict


def test_the_application_start_of_a_service_names_its_needs(tenant: Any, other_tenant: Any) -> None:
    ServiceFactory(tenant=tenant, slug="hundesteuer", login_attributes=["name", "address"])
    ServiceFactory(tenant=other_tenant, slug="fremd", login_attributes=["birth_date"])
    ServiceFactory(tenant=tenant, slug="entwurf", is_published=False, login_attributes=["birth_date"])
    assert needs_of(tenant, "/antraege/neu/hundesteuer/?x=1") == Needs("hundesteuer", ("name", "address"))
    for path in ("/antraege/neu/fremd/", "/antraege/neu/entwurf/", "/leistungen/hundesteuer/", "/", "kaputt"):
        assert needs_of(tenant, path) is None, path


@pytest.mark.parametrize(
    ("needs", "configured", "expected"),
    [
        (None, ["name", "email", "address"], ["email"]),  # plain login: the minimum
        (Needs("s", ("address",)), ["name", "email", "address"], ["email", "address"]),
        (Needs("s", ("birth_date",)), ["name", "email"], ["email"]),  # the provider's setting is the ceiling
        (Needs("s", ()), ["name", "email", "address"], ["name", "email", "address"]),  # states nothing
        (None, ["name"], []),
    ],
)
def test_requested_groups(needs: Needs | None, configured: list[str], expected: list[str]) -> None:
    assert requested_groups(needs, configured) == expected


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        (None, ["name", "email"]),  # a business login records who acted: the name belongs to its minimum
        (Needs("s", ("address",)), ["name", "email", "address"]),
    ],
)
def test_a_business_login_always_asks_for_the_acting_persons_name(needs: Needs | None, expected: list[str]) -> None:
    configured = ["name", "email", "address"]
    assert requested_groups(needs, configured, identity_kind="organisation") == expected


def test_admin_offers_the_groups_as_checkboxes() -> None:
    html = str(ServiceAdminForm()["login_attributes"])
    assert 'type="checkbox"' in html and 'value="birth_date"' in html and "Geburtsdatum" in html


def test_the_exchange_format_carries_the_attributes_and_csv_keeps_them(tenant: Any) -> None:
    service = ServiceFactory(tenant=tenant, slug="hundesteuer")
    document = export_catalog(tenant)
    [record] = document["services"]
    assert record["login_attributes"] == []
    record["login_attributes"] = ["address", "name", "address"]
    import_catalog(tenant=tenant, document=document)
    service.refresh_from_db()
    assert service.login_attributes == ["address", "name"]
    assert export_catalog(tenant)["services"][0]["login_attributes"] == ["address", "name"]
    csv_document, _labels = parse_csv(export_csv(tenant))
    import_catalog(tenant=tenant, document=csv_document)  # CSV has no such column: the service keeps its own
    service.refresh_from_db()
    assert service.login_attributes == ["address", "name"]
    record["login_attributes"] = ["passnummer"]
    with pytest.raises(ImportRejected):
        import_catalog(tenant=tenant, document=document)
