"""Profile the citizen search (pyinstrument) on a generated catalog, in one process, without HTTP load.

    .venv/bin/pip install pyinstrument
    .venv/bin/python bench/profile_search.py [--services 5000] [--rounds 5] [--html profile.html]
        [--database-url postgres://postgres@127.0.0.1:5432/rathaus_bench]

Prints, per query, the time of the index lookup alone (``CatalogIndex.search``) and of the whole
request through Django (middleware, ``search_services``, template), then a pyinstrument profile of
all requests (with profiler overhead; use it for shares, not absolute times). Uses a fresh SQLite
database in a temporary directory, or the given PostgreSQL database (dropped and created again).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--html", type=Path, help="also write the profile as HTML")
    parser.add_argument("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/rathaus_bench (recreated)")
    args = parser.parse_args()

    sys.path.insert(0, str(BENCH))
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-profile-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "RATHAUS_DATA_DIR": str(workdir),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'profile.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    from catalog import recreate_postgres, seed

    if args.database_url and args.database_url.startswith("postgres"):
        recreate_postgres(args.database_url)

    seed(args.services)
    from catalog_data import SEARCH_QUERIES
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from rathaus.catalog import search
    from rathaus.catalog.selectors import search_services
    from rathaus.tenants.models import Municipality

    call_command("collectstatic", interactive=False, verbosity=0)
    tenant = Municipality.objects.get(slug="benchstadt")
    started = time.perf_counter()
    search_services(tenant, "Perso")
    print(f"Index-Aufbau + erste Suche: {(time.perf_counter() - started) * 1000:.0f} ms")
    index = search._cache[tenant.pk][1]
    print(f"Vokabular: {len(index.vocabulary)} Begriffe, Synonyme: {len(search.synonyms())}")

    client = Client(HTTP_HOST="127.0.0.1")
    for query in SEARCH_QUERIES:  # warm: templates compiled, URL resolver and translations loaded
        client.get(f"/suche/?q={quote(query)}")
    rows = []
    for query in SEARCH_QUERIES:
        lookups, selects, requests, queries = [], [], [], 0
        results = 0
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            results = len(index.search(query, limit=30))
            t1 = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                search_services(tenant, query, limit=30)
            t2 = time.perf_counter()
            response = client.get(f"/suche/?q={quote(query)}")
            t3 = time.perf_counter()
            assert response.status_code == 200, response.status_code
            lookups.append((t1 - t0) * 1000)
            selects.append((t2 - t1) * 1000)
            requests.append((t3 - t2) * 1000)
            queries = len(captured.captured_queries)
        rows.append(
            (query, results, statistics.median(lookups), statistics.median(selects), statistics.median(requests))
        )
    rows.sort(key=lambda r: -r[4])
    print(
        f"\n{'Suchanfrage':34} {'Treffer':>7} {'Index ms':>9} {'search_services ms':>19} {'Anfrage ms':>11}"
        f"  (search_services: {queries} SQL-Abfragen)"
    )
    for query, results, lookup, select, request in rows:
        print(f"{query:34} {results:7d} {lookup:9.1f} {select:19.1f} {request:11.1f}")
    for label, func in (("Median", statistics.median), ("Mittel", statistics.mean)):
        print(
            f"{label:34} {'':7} {func(r[2] for r in rows):9.1f} {func(r[3] for r in rows):19.1f} "
            f"{func(r[4] for r in rows):11.1f}"
        )
    print("Anfrage − search_services ≈ Middleware + Template; search_services − Index ≈ SQL + Modellobjekte")

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.rounds):
        for query in SEARCH_QUERIES:
            client.get(f"/suche/?q={quote(query)}")
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
