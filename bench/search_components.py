"""Cost of the parts of a search request, each measured alone (in one process, warm, no HTTP load).

    .venv/bin/python bench/search_components.py [--database-url postgres://postgres@127.0.0.1:5432/rathaus_bench]

Prints median and p95 over 3 × 50 queries for: the index lookup, ``search_services`` as shipped, loading
only the displayed columns, the whole request, rendering the page, 30 result cards included one by one
vs. in one template, 10 cards, and reading a rendered result list from the cache. The basis for the
proposals in docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is dropped and created again)")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-components-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "RATHAUS_DATA_DIR": str(workdir),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'components.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    from catalog import recreate_postgres, seed

    if args.database_url:
        recreate_postgres(args.database_url)
    seed(args.services)

    from catalog_data import SEARCH_QUERIES
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.core.management import call_command
    from django.template import engines
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from rathaus.catalog import search, selectors
    from rathaus.tenants.models import Municipality

    call_command("collectstatic", interactive=False, verbosity=0)
    tenant = Municipality.objects.get(slug="benchstadt")
    client = Client(HTTP_HOST="127.0.0.1")
    for query in SEARCH_QUERIES:
        client.get(f"/suche/?q={quote(query)}")
    index = search._cache[tenant.pk][1]

    def measure(label: str, func: Callable[[str], Any]) -> None:
        times = []
        for _ in range(3):
            for query in SEARCH_QUERIES:
                started = time.perf_counter()
                func(query)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"{label:62} Median {statistics.median(times):6.2f} ms   p95 {times[int(len(times) * 0.95)]:6.2f} ms")

    fields = ("pk", "tenant_id", "leika_key", "slug", "name", "short_description", "trust_level", "channels")

    def only_displayed(query: str) -> list[Any]:
        ids = index.search(query, limit=30)
        by_id = {s.pk: s for s in selectors.published_services(tenant).filter(pk__in=ids).only(*fields)}
        return [by_id[pk] for pk in ids if pk in by_id]

    results = {q: selectors.search_services(tenant, q, limit=30) for q in SEARCH_QUERIES}
    request = RequestFactory().get("/suche/", HTTP_HOST="127.0.0.1")
    request.tenant = tenant  # type: ignore[attr-defined]
    request.user = AnonymousUser()
    django_engine = engines["django"]
    card = (BENCH.parent / "rathaus/templates/includes/service_card.html").read_text(encoding="utf-8")
    one_by_one = django_engine.from_string(
        '{% load i18n %}{% for service in results %}{% include "includes/service_card.html" %}{% endfor %}'
    )
    in_one = django_engine.from_string(
        "{% load i18n %}{% for service in results %}" + card.replace("{% load i18n %}", "") + "{% endfor %}"
    )

    def key(query: str) -> str:
        return "bench:" + hashlib.sha256(query.encode()).hexdigest()

    for query in SEARCH_QUERIES:
        cache.set(key(query), one_by_one.render({"results": results[query]}, request))

    measure("Index (CatalogIndex.search)", lambda q: index.search(q, limit=30))
    measure("search_services wie ausgeliefert", lambda q: selectors.search_services(tenant, q, limit=30))
    measure("Index + nur angezeigte Spalten (.only, ohne select_related)", only_displayed)
    measure("GET /healthz (Middleware-Grundlast)", lambda q: client.get("/healthz"))
    measure("GET /suche/ (ganze Anfrage)", lambda q: client.get(f"/suche/?q={quote(q)}"))
    measure(
        "render portal/search.html, 30 Treffer",
        lambda q: render_to_string("portal/search.html", {"query": q, "results": results[q]}, request=request),
    )
    measure(
        "render portal/search.html, 0 Treffer",
        lambda q: render_to_string("portal/search.html", {"query": q, "results": []}, request=request),
    )
    measure("30 Karten, je Karte ein {% include %}", lambda q: one_by_one.render({"results": results[q]}, request))
    measure("30 Karten in einer Vorlage", lambda q: in_one.render({"results": results[q]}, request))
    measure("10 Karten, je Karte ein {% include %}", lambda q: one_by_one.render({"results": results[q][:10]}, request))
    measure("30 × reverse('portal:service')", lambda q: [reverse("portal:service", args=[s.slug]) for s in results[q]])
    measure("fertige Ergebnisliste aus dem Cache", lambda q: cache.get(key(q)))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
