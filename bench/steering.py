"""Steering benchmark on PostgreSQL: the dashboard and the half-yearly report at a large town's volume.

    .venv/bin/python bench/steering.py [--applications 1000000] [--decisions 200000] [--payments 100000]
        [--events 5000] [--repeat 20] [--pg-url postgres://…/rathaus_bench_steering]

Every run from scratch: drops and creates the database, migrates.

1. Facts: ``--applications`` application facts over the last three years (as ``steering.count_submission``
   writes them), ``--decisions`` of them decided (``steering.count_decision``), ``--payments`` payment facts
   (``steering.count_payment``), across 40 services; written by COPY, because the point is the reading side.
   Then ``rathaus steering_month_totals`` computes the month totals the consumers would have kept (timed).
2. Dashboard: ``/intern/steuerung/kennzahlen/`` of the current year by month, as the digitalisation unit opens
   it, through the whole Django stack (test client: middleware, permission check, view, template, SVG charts).
   *Cold*: the first request after the cache is cleared. *Warm*: ``--repeat`` more requests, p50/p95.
   The same for a filter on one service. Baseline in the same run: ``/healthz`` (p50 of ``--repeat``).
3. Report: a draft report for the last half-year is created (its figures frozen) and issued (PDF rendered,
   stored, the event published), timed.
4. Event rate: ``--events`` ``application.submitted`` events published as the submission does, then delivered
   to steering's consumer by the sweep: events per second, against the rate ``bench/submit.py`` measured for
   submissions (docs/performance.md). Steering keeps up when its rate is higher; the lag after a burst is
   events / rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pg_world import copy_rows, setup  # noqa: E402 - after the path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/rathaus_bench_steering")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--parts", default="dashboard,report,events", help="comma-separated subset")
    return parser.parse_args()


def world():
    """Musterstadt-like: units, 40 published services, a digitalisation-unit member logged in."""
    from django.test import Client

    from rathaus.catalog.tests.factories import ServiceFactory
    from rathaus.identity.tests.factories import login_staff
    from rathaus.steering.tests.factories import staff_with
    from rathaus.tenants.models import Domain
    from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory

    tenant = MunicipalityFactory(slug="bench", name="Benchstadt")
    Domain.objects.get_or_create(host="127.0.0.1", defaults={"municipality": tenant, "is_primary": True})
    central = OrgUnitFactory(tenant=tenant, key="FB10", name="Zentrale Dienste")
    units = [OrgUnitFactory(tenant=tenant, key=f"FB{30 + i}", name=f"Fachbereich {30 + i}") for i in range(8)]
    services = [
        ServiceFactory(tenant=tenant, org_unit=units[i % 8], leika_key=f"99{i:012d}", slug=f"leistung-{i}")
        for i in range(40)
    ]
    digi = staff_with(tenant, "digitalisation", central, email="digi@bench.example")
    client = Client(HTTP_HOST="127.0.0.1")
    login_staff(client, digi)
    return tenant, services, digi, client


def load_facts(tenant, services, n_apps: int, n_decided: int, n_pay: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    rnd = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=3 * 365)
    span = (now - start).total_seconds()
    keys = [s.leika_key for s in services]
    decided = set(rnd.sample(range(n_apps), n_decided))
    began = time.perf_counter()

    def apps():
        for i in range(n_apps):
            submitted = start + dt.timedelta(seconds=rnd.random() * span)
            decided_at = None
            if i in decided:
                decided_at = min(submitted + dt.timedelta(days=rnd.expovariate(1 / 12)), now)
            yield (tenant.pk, f"A-{i:08d}", keys[i % 40], submitted, decided_at, None, "", False, False)

    columns = ["tenant_id", "number", "service", "submitted_at", "decided_at", "filed_at", "decision",
               "decision_fee", "fee_first"]  # fmt: skip
    copy_rows("steering_applicationfact", columns, apps())

    def pays():
        for _ in range(n_pay):
            at = start + dt.timedelta(seconds=rnd.random() * span)
            amount = f"{rnd.choice([12, 15, 28.5, 35, 75, 120])}"
            yield (tenant.pk, uuid.UUID(int=rnd.getrandbits(128)), f"A-{rnd.randrange(n_apps):08d}", amount, at)

    copy_rows("steering_paymentfact", ["tenant_id", "payment", "reference", "amount", "paid_at"], pays())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE steering_applicationfact; ANALYZE steering_paymentfact")
    loaded = time.perf_counter()
    # the month totals the consumers would have kept, by the command an operator runs after a bulk load
    call_command("steering_month_totals", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE steering_applicationmonth")
    return {"load_s": round(loaded - began, 1), "month_totals_s": round(time.perf_counter() - loaded, 1)}


def timed(get, url: str, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = get(url)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(int(0.95 * len(samples)) - 1, 0)], 1),
    }


def bench_dashboard(client, services, repeat: int) -> list[dict]:
    from django.core.cache import cache

    results = []
    health = timed(client.get, "/healthz", repeat)
    results.append({"phase": "baseline /healthz", **health})
    year = dt.date.today().year
    page = f"/intern/steuerung/kennzahlen/?jahr={year}&art=monat"
    for label, url in [
        ("dashboard, all services", page),
        ("dashboard, one service", f"{page}&leistung={services[3].leika_key}"),
    ]:
        cache.clear()
        began = time.perf_counter()
        response = client.get(url)
        cold = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (url, response.status_code)
        warm = timed(client.get, url, repeat)
        ratio = round(warm["p50_ms"] / health["p50_ms"], 1)
        results.append({"phase": label, "cold_ms": round(cold, 1), **warm, "warm_p50_vs_healthz": ratio})
    return results


def bench_report(tenant, digi) -> dict:
    from rathaus.steering import reports

    today = dt.date.today()
    start, end = reports.half_year_of(today - dt.timedelta(days=183))
    began = time.perf_counter()
    report = reports.create_report(tenant=tenant, actor=digi, raw={"start": start.isoformat(), "end": end.isoformat()})
    created = time.perf_counter() - began
    began = time.perf_counter()
    reports.issue_report(tenant=tenant, report_uuid=report.uuid, actor=digi)
    issued = time.perf_counter() - began
    return {
        "phase": "report", "period": f"{start}..{end}", "create_s": round(created, 2), "issue_s": round(issued, 2),
        "total_s": round(created + issued, 2),
    }  # fmt: skip


def bench_events(tenant, services, n: int) -> dict:
    from django.db import transaction
    from django.db.models import Q

    from rathaus.core import events
    from rathaus.core.models import Delivery

    events.set_dispatcher(None)  # published and left pending, as during a burst; the sweep then delivers
    began = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            payload = {"number": f"E-{i:07d}", "service": services[i % 40].leika_key, "forwardable": True}
            events.publish(tenant, "application.submitted", f"E-{i:07d}", payload)
    published = time.perf_counter() - began
    Delivery.objects.exclude(consumer__startswith="steering.").delete()  # only steering's side is measured
    began = time.perf_counter()
    outcome = events._deliver_due(Q(consumer__startswith="steering."), now=dt.datetime.now(dt.UTC), limit=None)
    delivered = time.perf_counter() - began
    return {
        "phase": "events", "events": n, "publish_per_s": round(n / published, 1),
        "steering_delivered": outcome.delivered, "steering_per_s": round(outcome.delivered / delivered, 1),
    }  # fmt: skip


def main() -> None:
    args = parse_args()
    setup(args.pg_url)
    parts = args.parts.split(",")
    print(f"# bench/steering.py {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    tenant, services, digi, client = world()
    print(json.dumps({"phase": "facts", "applications": args.applications, "decisions": args.decisions,
                      "payments": args.payments, **load_facts(tenant, services, args.applications, args.decisions,
                                                              args.payments)}), flush=True)  # fmt: skip
    if "dashboard" in parts:
        for row in bench_dashboard(client, services, args.repeat):
            print(json.dumps(row), flush=True)
    if "report" in parts:
        print(json.dumps(bench_report(tenant, digi)), flush=True)
    if "events" in parts:
        print(json.dumps(bench_events(tenant, services, args.events)), flush=True)


if __name__ == "__main__":
    main()
