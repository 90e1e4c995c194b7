"""Search relevance on the demo catalog: precision@1 and @3 over lists of real citizen queries.

    .venv/bin/python bench/search_relevance.py                     # held-out list (bench/search_queries.csv)
    .venv/bin/python bench/search_relevance.py --tuning            # tuning list (bench/search_tuning_queries.csv)
    .venv/bin/python bench/search_relevance.py --misses            # also print every query that missed @1
        [--database-url postgres://postgres@127.0.0.1:5432/rathaus_bench]

Each CSV row is ``query,expected`` where ``expected`` is the slug of the service a citizen means, or several
slugs separated by ``|`` when more than one is right ("Hundesteuer": hund-anmelden|hund-abmelden). A query
counts for precision@k when an expected service is among the first k hits of the portal's search
(``rathaus.catalog.selectors.search_ids``), through the database, exactly as the search page gets them.

Tune the search on the tuning list only; the held-out list measures it (docs/performance.md, and
rathaus/catalog/tests/test_search_relevance.py keeps a floor). Uses a fresh SQLite database in a temporary
directory unless ``--database-url`` is given (that database is dropped and created again).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
HELD_OUT = BENCH / "search_queries.csv"
TUNING = BENCH / "search_tuning_queries.csv"


@dataclass
class Result:
    total: int = 0
    at1: int = 0
    at3: int = 0
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def precision_at_1(self) -> float:
        return self.at1 / self.total if self.total else 0.0

    @property
    def precision_at_3(self) -> float:
        return self.at3 / self.total if self.total else 0.0


def read_queries(path: Path) -> list[tuple[str, list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["query"], row["expected"].split("|")) for row in csv.DictReader(f)]


def evaluate(tenant: Any, queries: list[tuple[str, list[str]]]) -> Result:
    """Precision of the portal search of ``tenant`` over ``queries`` (needs a configured Django)."""
    from rathaus.catalog import selectors
    from rathaus.catalog.models import Service

    slugs = dict(Service.objects.for_tenant(tenant).values_list("pk", "slug"))
    result = Result()
    for query, expected in queries:
        hits = [slugs[pk] for pk in selectors.search_ids(tenant, query, limit=10)]
        result.total += 1
        result.at1 += bool(hits) and hits[0] in expected
        result.at3 += any(h in expected for h in hits[:3])
        if not hits or hits[0] not in expected:
            result.misses.append((query, expected, hits[:3]))
    return result


def load_demo_catalog() -> Any:
    """The demo municipality with its organisation units and catalog (nothing else of the demo)."""
    from rathaus.catalog.services import import_catalog
    from rathaus.demo.loader import _municipality, _org_units, load_json

    data = load_json("musterstadt.json")
    tenant = _municipality(data["municipality"])
    _org_units(tenant, data["org_units"])
    import_catalog(tenant=tenant, document={"life_situations": data["life_situations"], "services": data["services"]})
    return tenant


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tuning", action="store_true", help="measure the tuning list instead of the held-out one")
    parser.add_argument("--misses", action="store_true", help="print the queries whose first hit is wrong")
    parser.add_argument("--database-url", help="e.g. postgres://postgres@127.0.0.1:5432/rathaus_bench (recreated)")
    args = parser.parse_args()

    sys.path.insert(0, str(BENCH))
    workdir = Path(tempfile.mkdtemp(prefix="rathaus-relevance-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "RATHAUS_DATA_DIR": str(workdir),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'relevance.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.database_url and args.database_url.startswith("postgres"):
        from catalog import recreate_postgres

        recreate_postgres(args.database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    tenant = load_demo_catalog()
    path = TUNING if args.tuning else HELD_OUT
    result = evaluate(tenant, read_queries(path))
    if args.misses:
        for query, expected, hits in result.misses:
            print(f"  {query!r}: erwartet {' oder '.join(expected)}, gefunden {hits}")
    print(f"{path.name}: {result.total} Anfragen, precision@1 = {result.precision_at_1:.2f}, "
          f"precision@3 = {result.precision_at_3:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
