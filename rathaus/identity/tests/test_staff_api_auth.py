"""StaffSessionAuth: only verified staff of this municipality get through; the rest get 401, the wrong role 403
with the endpoint's own German explanation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from rathaus.core.errors import PermissionDenied
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_staff
from rathaus.payments.api import TreasuryAuth

Role = StaffRole.Role


def _request(user: Any, tenant: Any, *, verified: bool = True) -> Any:
    request = RequestFactory().get("/api/v1/payments/")
    request.user = user
    user.is_verified = lambda: verified  # what django_otp's middleware sets
    request.tenant = tenant
    return request


def test_verified_treasury_staff_get_through(tenant: Any) -> None:
    user = StaffFactory(tenant=tenant, roles=[Role.TREASURY])
    assert TreasuryAuth().authenticate(_request(user, tenant), None) == user


def test_a_citizen_is_not_authenticated_even_with_a_verified_device(tenant: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    assert TreasuryAuth().authenticate(_request(citizen, tenant), None) is None  # 401, not 403


def test_staff_on_a_host_without_municipality_are_not_authenticated(tenant: Any) -> None:
    user = StaffFactory(tenant=tenant, roles=[Role.TREASURY])
    assert TreasuryAuth().authenticate(_request(user, None), None) is None


def test_staff_without_a_verified_second_factor_are_not_authenticated(tenant: Any) -> None:
    user = StaffFactory(tenant=tenant, roles=[Role.TREASURY])
    assert TreasuryAuth().authenticate(_request(user, tenant, verified=False), None) is None


def test_the_wrong_role_gets_403_with_the_endpoints_explanation(tenant: Any) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, roles=[Role.CASEWORKER]))

    response = client.get("/api/v1/payments/")

    assert response.status_code == 403
    assert response.json()["detail"] == TreasuryAuth.denied


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.DIGITALISATION])
def test_the_wrong_role_raises_permission_denied_with_the_text(tenant: Any, role: str) -> None:
    user = StaffFactory(tenant=tenant, roles=[role])
    with pytest.raises(PermissionDenied) as raised:
        TreasuryAuth().authenticate(_request(user, tenant), None)
    assert raised.value.detail == "Nur die Stadtkasse und die Administration der Kommune sehen alle Zahlungen."
