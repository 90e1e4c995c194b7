"""Benchmark-only: the search fixes proposed in docs/performance.md, applied without touching the app.

``bench/catalog.py --variant proposed`` serves ``variant:application`` instead of ``rathaus.wsgi``:
1. ``search_services`` loads only the columns the result card and the API summary use, without the
   unused join on the organisation unit;
2. the search page renders its result cards in one included template (one ``{% include %}`` per page
   instead of one per result), see ``bench/variant_templates/``;
3. with ``BENCH_SEARCH_LIMIT=10`` (``--variant proposed10``) the search shows at most 10 results.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from rathaus.catalog import search, selectors  # noqa: E402
from rathaus.catalog.models import Service  # noqa: E402
from rathaus.tenants.models import Municipality  # noqa: E402

CARD_FIELDS = ("pk", "tenant_id", "leika_key", "slug", "name", "short_description", "trust_level", "channels")


def search_services(tenant: Municipality, query: str, limit: int = 20) -> list[Service]:
    limit = min(limit, int(os.environ.get("BENCH_SEARCH_LIMIT", limit)))
    version = Municipality.objects.filter(pk=tenant.pk).values_list("catalog_version", flat=True).first() or 0
    index = search.index_for(tenant.pk, version, lambda: selectors._documents(tenant))
    ids = index.search(query, limit=limit)
    if not ids:
        return []
    by_id = {s.pk: s for s in selectors.published_services(tenant).filter(pk__in=ids).only(*CARD_FIELDS)}
    return [by_id[pk] for pk in ids if pk in by_id]


selectors.search_services = search_services
