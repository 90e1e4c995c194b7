"""Durable events benchmark: publish and deliver N events through one trivial consumer (rathaus.core.events).

    .venv/bin/python bench/events.py [--events 100000] [--after-commit-events N] [--workers 2]
                                     [--pg postgres://postgres@127.0.0.1:5432]

Every run from scratch, on PostgreSQL (database ``rathaus_bench_events``, dropped and created), with the
embedded settings otherwise; one municipality, a kind ``bench.ping`` and a consumer that only counts.
Three phases:

1. **after commit** (the normal path of the embedded mode; a Celery worker runs the same function):
   one process publishes ``--after-commit-events`` (default: ``--events``) events one per transaction; each
   is delivered in-process right after its commit. Events/s end to end, and the delivery lag from
   ``publish()`` to the consumer (p50/p95/p99).
2. **publish only**: the same publishing with the after-commit dispatch switched off (as if every process
   died right after its commit). Events/s of writing event + delivery rows.
3. **sweep**: ``--workers`` processes run ``sweep()`` at the same time over the backlog of phase 2
   (``SELECT … FOR UPDATE SKIP LOCKED``, batches of 100). Deliveries/s; the consumer's calls across all
   workers must equal the number of events (nothing twice, nothing lost).

Prints a markdown table and appends it to ``--results`` (default ``bench/results.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "rathaus_bench_events"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--after-commit-events", type=int, default=None, help="events of phase 1 (default --events)")
    parser.add_argument("--workers", type=int, default=2, help="sweeping processes in phase 3")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.md")
    return parser.parse_args()


def recreate_database(pg: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    return f"{pg}/{DB_NAME}"


# --------------------------------------------------------------------------- in the Django processes

CALLS: list[float] = []  # lag in seconds of each consumer call in this process


def setup() -> int:
    """Django, the schema, one municipality, the bench kind and its consumer; returns the municipality's id."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from rathaus.core.events import EventPayload, consumer, declare
    from rathaus.tenants.models import Municipality

    class Ping(EventPayload):
        n: int

    declare("bench.ping", Ping, "A benchmark event.")

    @consumer("bench.ping", name="bench.count")
    def count(event: Any, data: Any) -> None:
        CALLS.append((timezone.now() - event.created_at).total_seconds())

    call_command("migrate", interactive=False, verbosity=0)
    tenant = Municipality.objects.create(slug="benchstadt", name="Stadt Benchstadt", ags="05999101")
    return int(tenant.pk)


def publish_all(tenant_id: int, count: int, offset: int = 0) -> float:
    """``count`` events, one per transaction (as each business transaction publishes its own); seconds taken."""
    from django.db import transaction

    from rathaus.core.events import publish

    started = time.perf_counter()
    for n in range(offset, offset + count):
        with transaction.atomic():
            publish(tenant_id, "bench.ping", f"p-{n}", {"n": n})
    return time.perf_counter() - started


def sweep_worker(queue: Any) -> None:
    from django.db import connections

    from rathaus.core import events

    CALLS.clear()
    outcome = events.sweep(limit=None)
    connections.close_all()
    queue.put((outcome.delivered, outcome.retrying + outcome.exhausted, len(CALLS)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    args = arguments()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    os.environ["DATABASE_URL"] = recreate_database(args.pg)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["RATHAUS_DATA_DIR"] = tempfile.mkdtemp(prefix="rathaus-bench-events-")
    tenant_id = setup()

    from django.db import connection, connections

    from rathaus.core import events
    from rathaus.core.models import Delivery, Event

    n = args.events
    load = os.getloadavg()[0]

    # 1. after commit, in process
    n1 = args.after_commit_events or n
    CALLS.clear()
    seconds_1 = publish_all(tenant_id, n1, offset=n)
    lags = [lag * 1000 for lag in CALLS]
    assert len(lags) == n1, f"{len(lags)} of {n1} delivered after commit"
    assert Delivery.objects.filter(state="done").count() == n1

    # 2. publish only (dispatch off: the backlog a crash would leave)
    events._dispatch = lambda event_id: None  # type: ignore[assignment]
    seconds_2 = publish_all(tenant_id, n)
    assert Delivery.objects.filter(state="pending").count() == n
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would within a minute
    connections.close_all()

    # 3. sweep with several processes at once
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=sweep_worker, args=(queue,)) for _ in range(args.workers)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=3600) for _ in workers]
    for worker in workers:
        worker.join()
    seconds_3 = time.perf_counter() - started
    delivered = sum(r[0] for r in results)
    calls = sum(r[2] for r in results)
    assert sum(r[1] for r in results) == 0, results
    assert delivered == calls == n, f"delivered {delivered}, consumer calls {calls}, events {n}"
    assert Delivery.objects.filter(state="done").count() == n1 + n
    assert Event.objects.unscoped().count() == n1 + n
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('core_event') + pg_total_relation_size('core_delivery'))"
        )
        size = cursor.fetchone()[0]

    import django

    table = "\n".join(
        [
            f"### {dt.date.today().isoformat()} — durable events, postgres, {n} events",
            "",
            f"`python bench/events.py --events {n} --after-commit-events {n1} --workers {args.workers}` — "
            f"{os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL "
            f"{connection.pg_version}; load average before {load:.2f}; "
            f"tables after {n1 + n} events: {size}",
            "",
            "| phase | events | seconds | events/s | lag p50 ms | lag p95 ms | lag p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| publish + deliver after commit (1 process) | {n1} | {seconds_1:.1f} | {n1 / seconds_1:.0f} | "
            f"{statistics.median(lags):.1f} | {percentile(lags, 95):.1f} | {percentile(lags, 99):.1f} |",
            f"| publish only (1 process) | {n} | {seconds_2:.1f} | {n / seconds_2:.0f} | – | – | – |",
            f"| sweep the backlog ({args.workers} processes, SKIP LOCKED) | {n} | {seconds_3:.1f} | "
            f"{n / seconds_3:.0f} | – | – | – |",
            "",
            f"Sweep workers delivered {[r[0] for r in results]} (sum {delivered}; consumer calls {calls}: none twice).",
            "",
        ]
    )
    print(table)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write("\n" + table)


if __name__ == "__main__":
    main()
