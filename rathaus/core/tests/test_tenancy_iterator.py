"""iterator() on a scoped queryset passes chunk_size through, positionally or by keyword, like Django's."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory


@pytest.mark.parametrize("call", [lambda qs: qs.iterator(1), lambda qs: qs.iterator(chunk_size=1)])
def test_chunk_size_reaches_django_so_prefetching_works(tenant: Any, call: Any) -> None:
    services = {ServiceFactory(tenant=tenant).pk, ServiceFactory(tenant=tenant).pk}
    qs = Service.objects.for_tenant(tenant).prefetch_related("tenant")

    seen = {service.pk: service.tenant for service in call(qs)}

    assert set(seen) == services
    assert set(seen.values()) == {tenant}


@pytest.mark.parametrize("call", [lambda qs: qs.iterator(0), lambda qs: qs.iterator(chunk_size=0)])
def test_an_invalid_chunk_size_is_refused_like_in_django(tenant: Any, call: Any) -> None:
    ServiceFactory(tenant=tenant)
    with pytest.raises(ValueError, match="strictly positive"):
        call(Service.objects.for_tenant(tenant))
