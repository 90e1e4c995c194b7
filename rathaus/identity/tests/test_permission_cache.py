"""What one request remembers of roles (permissions.request_cache): once per request, never beyond it."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from rathaus.identity import permissions
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import Role, areas_of, has_role, request_cache, unit_ids_with_role
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.tenants.tests.factories import OrgUnitFactory


def _staff(tenant: Any, role: str, unit: Any) -> Any:
    user = StaffFactory(tenant=tenant)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user


@pytest.mark.django_db
def test_within_a_request_the_roles_are_read_once(tenant: Any, django_assert_num_queries: Any) -> None:
    top = OrgUnitFactory(tenant=tenant)
    child = OrgUnitFactory(tenant=tenant, parent=top)
    user = _staff(tenant, Role.CASEWORKER, top)
    with request_cache(), django_assert_num_queries(1):
        assert areas_of(user, tenant)["records"]
        assert has_role(user, tenant, Role.CASEWORKER, unit=child)
        assert not has_role(user, tenant, Role.TREASURY)
        assert unit_ids_with_role(user, tenant, Role.CASEWORKER) == sorted([top.pk, child.pk])
    with django_assert_num_queries(1):  # areas_of alone: one query for all areas, also outside a request
        assert areas_of(user, tenant) == {
            "catalog": False, "office": True, "records": True, "steering": False, "treasury": False,
            "administration": False,
        }  # fmt: skip


@pytest.mark.django_db
def test_the_cache_never_answers_for_another_user_or_municipality(tenant: Any, other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant)
    foreign_unit = OrgUnitFactory(tenant=other_tenant)
    worker = _staff(tenant, Role.CASEWORKER, unit)
    treasurer = _staff(tenant, Role.TREASURY, unit)
    admin = _staff(tenant, Role.TENANT_ADMIN, unit)
    with request_cache():
        assert has_role(worker, tenant, Role.CASEWORKER) and not has_role(treasurer, tenant, Role.CASEWORKER)
        assert has_role(treasurer, tenant, Role.TREASURY) and not has_role(worker, tenant, Role.TREASURY)
        assert unit_ids_with_role(admin, tenant, Role.CASEWORKER) == [unit.pk]
        # The same user asked about another municipality: nothing, and its units are not the cached ones.
        assert not has_role(worker, other_tenant, Role.CASEWORKER)
        assert unit_ids_with_role(admin, other_tenant, Role.CASEWORKER) == []
        assert not has_role(admin, tenant, Role.CASEWORKER, unit=foreign_unit)
        assert has_role(admin, tenant, Role.CASEWORKER, unit=unit)


@pytest.mark.django_db
def test_a_role_changed_during_the_request_is_seen(tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant)
    user = _staff(tenant, Role.CASEWORKER, unit)
    with request_cache():
        assert not has_role(user, tenant, Role.TREASURY)
        granted = StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=Role.TREASURY)
        assert has_role(user, tenant, Role.TREASURY)
        granted.delete()
        assert not has_role(user, tenant, Role.TREASURY)
        child = OrgUnitFactory(tenant=tenant, parent=unit)  # a new unit below: covered at once
        assert has_role(user, tenant, Role.CASEWORKER, unit=child)


@pytest.mark.django_db
def test_outside_a_request_nothing_is_remembered(tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant)
    user = _staff(tenant, Role.CASEWORKER, unit)
    assert has_role(user, tenant, Role.CASEWORKER)
    StaffRole.objects.for_tenant(tenant).filter(user=user).update(role=Role.TREASURY)  # no signal
    assert not has_role(user, tenant, Role.CASEWORKER) and has_role(user, tenant, Role.TREASURY)
    assert permissions._cache.get() is None


@pytest.mark.django_db
def test_each_request_reads_afresh_and_the_cache_ends_with_it(tclient: Any, tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant)
    user = _staff(tenant, Role.TREASURY, unit)
    login_staff(tclient, user)
    assert tclient.get("/intern/akten/").status_code == 403
    StaffRole.objects.for_tenant(tenant).filter(user=user).update(role=Role.CASEWORKER)  # no signal
    assert tclient.get("/intern/akten/").status_code == 200
    StaffRole.objects.for_tenant(tenant).filter(user=user).update(role=Role.TREASURY)
    assert tclient.get("/intern/akten/").status_code == 403
    assert permissions._cache.get() is None

    def boom(request: Any) -> HttpResponse:
        assert permissions._cache.get() == {}
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError):
        permissions.PermissionCacheMiddleware(boom)(RequestFactory().get("/"))
    assert permissions._cache.get() is None  # also after an exception
