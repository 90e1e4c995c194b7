"""aggregate() on tenant-owned rows: refused unscoped, and scoped it passes every argument on."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Max

from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.tenancy import TenantScopeError


def test_unscoped_aggregate_raises_for_positional_and_keyword_aggregates(tenant: Any) -> None:
    ServiceFactory(tenant=tenant)

    with pytest.raises(TenantScopeError):
        Service.objects.aggregate(Count("pk"))
    with pytest.raises(TenantScopeError):
        Service.objects.filter(name="x").aggregate(n=Count("pk"))


def test_scoped_aggregate_counts_only_its_municipality(tenant: Any, other_tenant: Any) -> None:
    ServiceFactory(tenant=tenant, name="Anwohnerparkausweis")
    ServiceFactory(tenant=tenant, name="Zweitwohnsitz")
    ServiceFactory(tenant=other_tenant, name="Zweitwohnsitz")

    result = Service.objects.for_tenant(tenant).aggregate(Count("pk"), latest=Max("name"))

    assert result == {"pk__count": 2, "latest": "Zweitwohnsitz"}
    assert Service.objects.for_tenant(other_tenant).aggregate(n=Count("pk")) == {"n": 1}
    assert Service.objects.for_tenant(tenant).aggregate(Count("pk")) == {"pk__count": 2}
    assert Service.objects.unscoped().aggregate(Count("pk"), n=Count("pk")) == {"pk__count": 3, "n": 3}
