"""Who holds which role where (rathaus.identity.permissions), and the views and APIs that ask it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity import permissions
from rathaus.identity.api_auth import StaffSessionAuth
from rathaus.identity.decorators import staff_required
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import Role, has_role, units_with_role, visible
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_staff
from rathaus.tenants.models import OrgUnit
from rathaus.tenants.tests.factories import OrgUnitFactory


@pytest.fixture
def tree(tenant: Any) -> dict[str, OrgUnit]:
    """FB10 ─┬─ FB10-1 ── FB10-1-1      FB20
             └─ FB10-2
    Each unit has one service named after it."""
    units: dict[str, OrgUnit] = {}
    for key, parent in [("FB10", None), ("FB10-1", "FB10"), ("FB10-1-1", "FB10-1"), ("FB10-2", "FB10"), ("FB20", None)]:
        units[key] = OrgUnitFactory(tenant=tenant, key=key, parent=units[parent] if parent else None)
        ServiceFactory(tenant=tenant, org_unit=units[key], slug=key.lower())
    return units


def _staff(tenant: Any, *grants: tuple[str, OrgUnit]) -> Any:
    user = StaffFactory(tenant=tenant)
    for role, unit in grants:
        StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user


def _keys(units: Any) -> set[str]:
    return set(units.values_list("key", flat=True))


def _services(user: Any, tenant: Any, *roles: str) -> set[str]:
    return set(visible(user, tenant, Service.objects.for_tenant(tenant), *roles).values_list("slug", flat=True))


def test_a_role_covers_its_unit_and_the_units_below_but_not_parent_or_siblings(tenant: Any, tree: Any) -> None:
    user = _staff(tenant, (Role.CASEWORKER, tree["FB10-1"]))
    assert _keys(units_with_role(user, tenant, Role.CASEWORKER)) == {"FB10-1", "FB10-1-1"}
    assert _services(user, tenant, Role.CASEWORKER) == {"fb10-1", "fb10-1-1"}
    assert has_role(user, tenant, Role.CASEWORKER, unit=tree["FB10-1"])
    assert has_role(user, tenant, Role.CASEWORKER, unit=tree["FB10-1-1"].pk)
    for key in ("FB10", "FB10-2", "FB20"):
        assert not has_role(user, tenant, Role.CASEWORKER, unit=tree[key]), key
    assert has_role(user, tenant, Role.CASEWORKER, Role.TREASURY)  # one of the roles, somewhere


def test_a_role_on_the_top_unit_covers_the_whole_branch_and_roles_add_up(tenant: Any, tree: Any) -> None:
    user = _staff(tenant, (Role.UNIT_LEAD, tree["FB10"]), (Role.CITIZENS_OFFICE, tree["FB20"]))
    assert _keys(units_with_role(user, tenant, Role.UNIT_LEAD)) == {"FB10", "FB10-1", "FB10-1-1", "FB10-2"}
    both = units_with_role(user, tenant, Role.UNIT_LEAD, Role.CITIZENS_OFFICE)
    assert _keys(both) == {"FB10", "FB10-1", "FB10-1-1", "FB10-2", "FB20"}


def test_another_role_in_the_same_unit_grants_nothing(tenant: Any, tree: Any) -> None:
    user = _staff(tenant, (Role.TREASURY, tree["FB10"]))
    assert not has_role(user, tenant, Role.CASEWORKER)
    assert not has_role(user, tenant, Role.CASEWORKER, unit=tree["FB10"])
    assert not units_with_role(user, tenant, Role.CASEWORKER).exists()
    assert _services(user, tenant, Role.CASEWORKER) == set()
    assert has_role(user, tenant, Role.TREASURY, unit=tree["FB10-2"])


def test_tenant_admin_holds_every_role_in_every_unit(tenant: Any, tree: Any) -> None:
    admin = _staff(tenant, (Role.TENANT_ADMIN, tree["FB20"]))  # held on a leaf: still everything
    everything = {"FB10", "FB10-1", "FB10-1-1", "FB10-2", "FB20"}
    assert _keys(units_with_role(admin, tenant, Role.CASEWORKER)) == everything
    assert _services(admin, tenant, Role.CASEWORKER) == {key.lower() for key in everything}
    assert has_role(admin, tenant, Role.TREASURY)
    assert has_role(admin, tenant, Role.DIGITALISATION, unit=tree["FB10-1-1"])
    ServiceFactory(slug="woanders")  # another municipality's service: not even the administration sees it
    every_service = Service.objects.unscoped()
    assert set(visible(admin, tenant, every_service, Role.CASEWORKER).values_list("slug", flat=True)) == {
        key.lower() for key in everything
    }


def test_roles_in_another_municipality_grant_nothing_here(tenant: Any, other_tenant: Any, tree: Any) -> None:
    there = OrgUnitFactory(tenant=other_tenant, key="FB10")
    ServiceFactory(tenant=other_tenant, org_unit=there, slug="dort")
    admin_there = StaffFactory(tenant=other_tenant)
    StaffRole.objects.create(tenant=other_tenant, user=admin_there, org_unit=there, role=Role.TENANT_ADMIN)
    assert not has_role(admin_there, tenant, Role.CASEWORKER)
    assert not units_with_role(admin_there, tenant, Role.CASEWORKER).exists()
    assert _services(admin_there, tenant, Role.CASEWORKER) == set()
    assert _services(admin_there, other_tenant, Role.CASEWORKER) == {"dort"}  # at home: everything

    # Rows that should not exist must not grant either: a role row of the other municipality naming a unit
    # here, and a row here naming a unit there.
    user = StaffFactory(tenant=tenant)
    StaffRole.objects.create(tenant=other_tenant, user=user, org_unit=tree["FB10"], role=Role.TENANT_ADMIN)
    StaffRole.objects.create(tenant=other_tenant, user=user, org_unit=tree["FB10"], role=Role.CASEWORKER)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=there, role=Role.CASEWORKER)
    StaffRole.objects.create(tenant=tenant, user=admin_there, org_unit=tree["FB10"], role=Role.TENANT_ADMIN)
    assert not has_role(admin_there, tenant, Role.CASEWORKER)
    assert _services(admin_there, tenant, Role.CASEWORKER) == set()
    assert not has_role(user, tenant, Role.TREASURY)
    assert not units_with_role(user, tenant, Role.CASEWORKER).exists()
    assert _services(user, tenant, Role.CASEWORKER) == set()
    assert _services(user, other_tenant, Role.CASEWORKER) == set()


def test_citizens_anonymous_and_inactive_staff_hold_nothing(tenant: Any, tree: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    StaffRole.objects.create(tenant=tenant, user=citizen, org_unit=tree["FB10"], role=Role.TENANT_ADMIN)
    gone = _staff(tenant, (Role.TENANT_ADMIN, tree["FB10"]))
    gone.is_active = False
    gone.save()
    for user in (citizen, AnonymousUser(), gone):
        assert not has_role(user, tenant, Role.CASEWORKER)
        assert not has_role(user, tenant, Role.CASEWORKER, unit=tree["FB10"])
        assert not units_with_role(user, tenant, Role.CASEWORKER).exists()
        assert _services(user, tenant, Role.CASEWORKER) == set()


@pytest.mark.parametrize("size", [2, 25])
def test_one_query_whatever_the_number_of_units_levels_and_objects(
    tenant: Any, size: int, django_assert_num_queries: Any
) -> None:
    # A chain ``size`` levels deep, each level with a side unit and two services.
    top = parent = OrgUnitFactory(tenant=tenant)
    for _ in range(size):
        parent = OrgUnitFactory(tenant=tenant, parent=parent)
        side = OrgUnitFactory(tenant=tenant, parent=parent)
        ServiceFactory.create_batch(2, tenant=tenant, org_unit=side)
    user = _staff(tenant, (Role.CASEWORKER, top))
    services = Service.objects.for_tenant(tenant)

    with django_assert_num_queries(1):
        assert len(units_with_role(user, tenant, Role.CASEWORKER)) == 1 + 2 * size
    with django_assert_num_queries(1):
        assert len(visible(user, tenant, services, Role.CASEWORKER)) == 2 * size
    with django_assert_num_queries(1):
        assert has_role(user, tenant, Role.CASEWORKER, unit=parent)
    with django_assert_num_queries(1):
        assert visible(user, tenant, services, Role.CASEWORKER).count() == 2 * size


def test_a_cycle_in_the_tree_ends_the_recursion(tenant: Any) -> None:
    first = OrgUnitFactory(tenant=tenant)
    second = OrgUnitFactory(tenant=tenant, parent=first)
    OrgUnit.objects.for_tenant(tenant).filter(pk=first.pk).update(parent=second)  # clean() would refuse this
    user = _staff(tenant, (Role.CASEWORKER, first))
    assert set(units_with_role(user, tenant, Role.CASEWORKER)) == {first, second}


def test_an_empty_or_misspelt_role_list_is_refused_when_written(tenant: Any) -> None:
    user = StaffFactory(tenant=tenant)
    with pytest.raises(ValueError, match="at least one role"):
        has_role(user, tenant)
    with pytest.raises(ValueError, match="'chef'"):
        units_with_role(user, tenant, Role.CASEWORKER, "chef")
    with pytest.raises(ValueError, match="'chef'"):
        staff_required("chef")
    with pytest.raises(ValueError, match="'chef'"):
        type("ChefAuth", (StaffSessionAuth,), {"roles": ("chef",)})
    assert permissions.known_roles(Role.CASEWORKER, "treasury") == ("caseworker", "treasury")


# --- The pages and API endpoints that ask it -------------------------------------------------------------

# (path, a role that opens it, a role that does not); pages answer 403 with a page, APIs with a problem document.
GUARDED = [
    ("/intern/leistungen/", Role.DIGITALISATION, Role.CASEWORKER),
    ("/intern/formulare/", Role.DIGITALISATION, Role.TREASURY),
    ("/intern/kasse/", Role.TREASURY, Role.CASEWORKER),
    ("/intern/antraege/", Role.CASEWORKER, Role.TREASURY),
    ("/intern/antraege/", Role.UNIT_LEAD, Role.DIGITALISATION),
    ("/intern/antraege/", Role.CITIZENS_OFFICE, Role.MAILROOM),
    ("/api/v1/catalog/export", Role.DIGITALISATION, Role.CASEWORKER),
    ("/api/v1/payments/", Role.TREASURY, Role.CASEWORKER),
]


def _client(tenant: Any) -> Client:
    return Client(HTTP_HOST=f"{tenant.slug}.testserver")


@pytest.mark.parametrize(("path", "allowed", "refused"), GUARDED)
def test_the_right_role_opens_and_the_wrong_one_gets_403(
    tenant: Any, tree: Any, path: str, allowed: str, refused: str
) -> None:
    for role, status in ((allowed, 200), (Role.TENANT_ADMIN, 200), (refused, 403)):
        client = _client(tenant)
        login_staff(client, _staff(tenant, (role, tree["FB10-1-1"])))  # any unit will do for these
        response = client.get(path)
        assert response.status_code == status, (role, response.content[:300])
        if status == 403 and path.startswith("/api/"):
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == 403


@pytest.mark.parametrize("path", sorted({path for path, _, _ in GUARDED}))
def test_staff_of_another_municipality_or_without_second_factor_is_not_let_in(
    tenant: Any, other_tenant: Any, path: str
) -> None:
    admin_there = StaffFactory(tenant=other_tenant, roles=[Role.TENANT_ADMIN])
    client = _client(tenant)
    login_staff(client, admin_there)  # a session of the other town is anonymous here
    assert client.get(path).status_code in (302, 401)

    admin_here = StaffFactory(tenant=tenant, roles=[Role.TENANT_ADMIN])
    client = _client(tenant)
    client.force_login(admin_here, backend="rathaus.identity.backends.TenantEmailBackend")  # password only
    response = client.get(path)
    assert response.status_code == (401 if path.startswith("/api/") else 302)
    if response.status_code == 302:
        assert response["Location"].startswith("/intern/zweiter-faktor/")
