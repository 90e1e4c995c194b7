"""Concurrent journal appends in a database of their own, with the settings of a real installation.

Run by ``test_journal.py`` in a child process (the suite's in-memory SQLite has table locks that do not wait;
see applications/tests/concurrent_submit.py): migrate, create one municipality, start ``--threads`` threads
that each append ``--entries`` entries at once with their own connection, verify the chain, and write
``{"errors": [...], "verified": {...}}`` as JSON to ``--out``.

    python -m rathaus.records.tests.concurrent_journal --threads 4 --entries 15 --out result.json
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
    parser.add_argument("--entries", type=int, default=15)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rathaus.records import journal
    from rathaus.tenants.tests.factories import MunicipalityFactory

    call_command("migrate", interactive=False, verbosity=0)
    tenant = MunicipalityFactory(slug="alpha", name="Stadt Alpha", ags="05111000")
    actor = journal.Actor(id=1, label="sachbearbeitung", role="caseworker")
    errors: list[str] = []
    start = threading.Barrier(args.threads)

    def append(worker: int) -> None:
        try:
            start.wait(timeout=60)
            for i in range(args.entries):
                journal.record(
                    tenant_id=tenant.pk, actor=actor, action="case.read", object_type="case", object_id=f"{worker}-{i}"
                )
        except BaseException as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result: Any = journal.verify(tenant.pk)
    args.out.write_text(json.dumps({"errors": errors, "verified": [result.ok, result.entries, result.broken_seq]}))


if __name__ == "__main__":
    main()
