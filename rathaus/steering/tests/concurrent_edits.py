"""Concurrent writes to the process catalog in a database of their own, with the settings of a real installation.

Run by ``test_concurrency.py`` in a child process (the suite's in-memory SQLite has table locks that do not
wait): migrate, create a municipality with one process, then ``--threads`` threads at once, each with its own
connection, (a) import a spreadsheet that creates the same new process number and (b) save the existing process
from a form opened on version 1. Writes ``{"imports": [...], "edits": [...], "errors": [...]}`` as JSON.

    python -m rathaus.steering.tests.concurrent_edits --threads 4 --out result.json
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rathaus.core.errors import ValidationFailed
    from rathaus.steering import services
    from rathaus.steering.models import Process
    from rathaus.steering.tests.factories import row
    from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory

    call_command("migrate", interactive=False, verbosity=0)
    tenant = MunicipalityFactory(slug="alpha", name="Stadt Alpha", ags="05111000")
    unit = OrgUnitFactory(tenant=tenant, key="FB33")
    units = {"FB33": unit.pk}
    existing = services.save_process(tenant=tenant, actor=None, raw=row(key="FB33-000"), allowed_units=units)
    outcomes: dict[str, list[str]] = {"imports": [], "edits": [], "errors": []}
    start = threading.Barrier(args.threads * 2)

    def run(kind: str, worker: int) -> None:
        try:
            start.wait(timeout=60)
            if kind == "imports":
                result = services.import_processes(
                    tenant=tenant, actor=None, rows=[(2, row(key="FB33-NEU", cases_per_year=str(worker)))],
                    allowed_units=units,
                )  # fmt: skip
                outcomes[kind].append(f"created={result.created} updated={result.updated}")
            else:
                services.save_process(
                    tenant=tenant, actor=None, raw=row(key="FB33-000", cases_per_year=str(100 + worker)),
                    process=Process.objects.for_tenant(tenant).get(pk=existing.pk), expected_version=1,
                    allowed_units=units,
                )  # fmt: skip
                outcomes[kind].append("saved")
        except ValidationFailed as exc:
            outcomes[kind].append(f"refused: {exc}")
        except BaseException as exc:
            outcomes["errors"].append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(kind, w)) for w in range(args.threads) for kind in ("imports", "edits")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final: Any = {
        "processes": Process.objects.for_tenant(tenant).filter(key="FB33-NEU").count(),
        "versions_new": list(
            Process.objects.for_tenant(tenant).get(key="FB33-NEU").versions.values_list("number", flat=True)
        ),
        "versions_old": list(
            Process.objects.for_tenant(tenant).get(pk=existing.pk).versions.values_list("number", flat=True)
        ),
    }
    args.out.write_text(json.dumps({**outcomes, **final}))


if __name__ == "__main__":
    main()
