"""The errors of the tenant scope say what went wrong, for an unsaved municipality and an unscoped query."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.core.tenancy import TenantScopeError
from rathaus.tenants.models import Municipality


def test_an_unsaved_municipality_is_refused_with_its_reason(db: Any) -> None:
    with pytest.raises(TenantScopeError, match=r"^for_tenant\(\) needs a saved municipality$"):
        Service.objects.for_tenant(Municipality(slug="neu", name="Neu", ags="05999003"))


def test_a_saved_municipality_and_its_id_scope_alike(tenant: Any) -> None:
    assert str(Service.objects.for_tenant(tenant).query) == str(Service.objects.for_tenant(tenant.pk).query)


def test_an_unscoped_query_names_the_model_and_the_rule(db: Any) -> None:
    with pytest.raises(TenantScopeError) as refused:
        list(Service.objects.all())
    assert str(refused.value) == "Service query without for_tenant(): tenant-owned rows must be scoped"
