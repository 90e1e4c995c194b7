"""permissions.visible() on a plain queryset (a model's unscoped default manager): still only this municipality."""

from __future__ import annotations

from typing import Any

from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import Role, visible
from rathaus.identity.tests.factories import StaffFactory
from rathaus.tenants.tests.factories import OrgUnitFactory


def _slugs(queryset: Any) -> set[str]:
    return set(queryset.values_list("slug", flat=True))


def test_plain_queryset_is_narrowed_to_the_municipality_and_the_roles_units(tenant: Any, other_tenant: Any) -> None:
    mine, sibling = OrgUnitFactory(tenant=tenant, key="FB10"), OrgUnitFactory(tenant=tenant, key="FB20")
    ServiceFactory(tenant=tenant, org_unit=mine, slug="hier")
    ServiceFactory(tenant=tenant, org_unit=sibling, slug="nebenan")
    ServiceFactory(tenant=other_tenant, org_unit=OrgUnitFactory(tenant=other_tenant, key="FB10"), slug="dort")
    caseworker = StaffFactory(tenant=tenant)
    StaffRole.objects.create(tenant=tenant, user=caseworker, org_unit=mine, role=Role.CASEWORKER)
    admin = StaffFactory(tenant=tenant)
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=sibling, role=Role.TENANT_ADMIN)
    plain = Service.all_tenants.all()

    assert _slugs(visible(caseworker, tenant, plain, Role.CASEWORKER)) == {"hier"}
    assert _slugs(visible(admin, tenant, plain, Role.CASEWORKER)) == {"hier", "nebenan"}
    assert _slugs(visible(StaffFactory(tenant=tenant), tenant, plain, Role.CASEWORKER)) == set()
