from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.tenants.tests.factories import OrgUnitFactory

from .factories import staff_with


@pytest.fixture
def town(tenant: Any) -> dict[str, Any]:
    """Alpha with a central unit (the digitalisation unit's home), FB33 with a sub-unit, FB50, two services,
    and staff: digitalisation, the administration, the lead of FB33, a caseworker of FB33."""
    central = OrgUnitFactory(tenant=tenant, key="FB10", name="Zentrale Dienste")
    fb33 = OrgUnitFactory(tenant=tenant, key="FB33", name="Bürgerdienste")
    sub = OrgUnitFactory(tenant=tenant, key="FB33-1", name="Bürgerbüro", parent=fb33)
    fb50 = OrgUnitFactory(tenant=tenant, key="FB50", name="Soziales")
    return {
        "tenant": tenant, "central": central, "fb33": fb33, "sub": sub, "fb50": fb50,
        "anmeldung": ServiceFactory(tenant=tenant, org_unit=fb33, leika_key="99115005104000", slug="wohnsitz-anmelden",
                                    name="Wohnsitz anmelden"),
        "wohngeld": ServiceFactory(tenant=tenant, org_unit=fb50, leika_key="99107001000000", slug="wohngeld",
                                   name="Wohngeld"),
        "digi": staff_with(tenant, "digitalisation", central, email="digi@alpha.example"),
        "admin": staff_with(tenant, "tenant_admin", central, email="admin@alpha.example"),
        "lead": staff_with(tenant, "unit_lead", fb33, email="lead33@alpha.example"),
        "clerk": staff_with(tenant, "caseworker", fb33, email="clerk33@alpha.example"),
    }  # fmt: skip
