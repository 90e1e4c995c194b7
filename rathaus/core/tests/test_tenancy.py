"""The strict tenant manager: forgetting the tenant filter raises instead of leaking."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.tenancy import TenantScopeError


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Service.objects.all()),
        lambda: Service.objects.count(),
        lambda: Service.objects.exists(),
        lambda: Service.objects.first(),
        lambda: Service.objects.get(slug="x"),
        lambda: list(Service.objects.filter(name__icontains="a").values_list("pk", flat=True)),
        lambda: list(Service.objects.iterator()),
        lambda: Service.objects.aggregate(n=__import__("django.db.models", fromlist=["Count"]).Count("pk")),
        lambda: Service.objects.update(name="x"),
        lambda: Service.objects.filter(pk=1).delete(),
    ],
)
def test_unscoped_queries_raise(tenant: Any, query: Any) -> None:
    ServiceFactory(tenant=tenant)
    with pytest.raises(TenantScopeError):
        query()


def test_scoped_queries_see_only_their_municipality(tenant: Any, other_tenant: Any) -> None:
    mine = ServiceFactory(tenant=tenant)
    ServiceFactory(tenant=other_tenant)
    assert list(Service.objects.for_tenant(tenant)) == [mine]
    assert Service.objects.for_tenant(tenant).filter(name=mine.name).count() == 1
    assert Service.objects.for_tenant(other_tenant).filter(pk=mine.pk).first() is None


def test_scope_survives_chaining(tenant: Any) -> None:
    ServiceFactory(tenant=tenant, name="A")
    qs = Service.objects.for_tenant(tenant).filter(name="A").exclude(pk=0).order_by("name")
    assert qs.count() == 1


def test_unscoped_is_explicit(tenant: Any, other_tenant: Any) -> None:
    ServiceFactory(tenant=tenant)
    ServiceFactory(tenant=other_tenant)
    assert Service.objects.unscoped().count() == 2


def test_related_managers_are_scoped_by_their_parent(tenant: Any) -> None:
    service = ServiceFactory(tenant=tenant)
    assert list(service.org_unit.services.all()) == [service]
