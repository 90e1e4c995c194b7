"""Import → review of real FIM schemas: upload to a stored import, and the review page (every step rendered).

    .venv/bin/python bench/form_review.py [--fim-dir ../shared/fim]

For the largest real schemas: the time of ``form_review.import_form`` (read, code lists, import, store) and of
one GET of the review page (preview of every step, report, changes), each the best of 3, against the bare
importer (``read_xdatenfelder``) measured in the same run as the baseline. SQLite test database in memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings.test")
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from rathaus.applications import codelists, form_review  # noqa: E402
from rathaus.catalog.tests.factories import ServiceFactory  # noqa: E402
from rathaus.formengine.xdatenfelder import read_xdatenfelder  # noqa: E402
from rathaus.identity.tests.factories import StaffFactory, login_staff  # noqa: E402
from rathaus.tenants.tests.factories import MunicipalityFactory  # noqa: E402


def best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fim-dir", type=Path, default=ROOT.parent / "shared" / "fim")
    args = parser.parse_args()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    tenant = MunicipalityFactory(slug="bench", host="bench.testserver")
    service = ServiceFactory(tenant=tenant)
    client = Client(HTTP_HOST="bench.testserver")
    login_staff(client, StaffFactory(tenant=tenant, roles=["digitalisation"]))
    lists = [(p.name, p.read_bytes()) for p in sorted(args.fim_dir.glob("C*_genericode.xml"))]
    codelists.store_codelists(tenant=tenant, lists=codelists.parse_all(codelists_files(lists)), actor=None)
    schemas = sorted(args.fim_dir.glob("S*.xml"), key=lambda p: p.stat().st_size, reverse=True)[:3]
    print("| schema | size | read_xdatenfelder (baseline) | import_form | ratio | review page GET | ratio |")
    print("|---|---|---|---|---|---|---|")
    for path in schemas:
        data = path.read_bytes()
        bare = best(lambda d=data: read_xdatenfelder(d, codelists=codelists.resolver(tenant)))
        stored = best(lambda u=[(path.name, data)]: form_review.import_form(service=service, uploads=u, actor=None))
        imp = form_review.import_form(service=service, uploads=[(path.name, data)], actor=None)
        url = f"/intern/formulare/pruefung/{imp.uuid}/"
        assert client.get(url).status_code == 200
        page = best(lambda u=url: client.get(u))
        print(
            f"| {path.name} | {len(data) // 1024} KB | {bare * 1000:.0f} ms | {stored * 1000:.0f} ms | "
            f"{stored / bare:.1f} | {page * 1000:.0f} ms | {page / bare:.1f} |"
        )


def codelists_files(lists: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    from rathaus.applications.fim_files import read_files

    return read_files(lists)


if __name__ == "__main__":
    main()
