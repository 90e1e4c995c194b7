"""Timing of the work queue on 20,000 cases (run explicitly; not part of the suite):

DATABASE_URL=postgres://... .venv/bin/pytest -p no:cacheprovider -q -s rathaus/records/tests/bench_work_queue.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import queues
from rathaus.records.models import Case, CaseFile, FilePlanUnit
from rathaus.tenants.tests.factories import OrgUnitFactory

CASES = 20_000


@pytest.mark.django_db
def test_queue_timings(tenant: Any) -> None:
    units = [OrgUnitFactory(tenant=tenant, key=f"FB{i}") for i in range(5)]
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32", title="Ordnung")
    user = StaffFactory(tenant=tenant, email="w@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=units[0], role="caseworker")
    today = timezone.localdate()
    files = CaseFile.objects.bulk_create(
        CaseFile(tenant=tenant, reference=f"32-2026-{i:06d}", plan_unit=plan, subject=f"Akte {i}",
                 owner_unit=units[i % 5], retention_years=6, disposal="B")
        for i in range(CASES)
    )  # fmt: skip
    statuses = Case.Status.values
    Case.objects.bulk_create(
        Case(tenant=tenant, file=f, number=1, subject=f"Hundesteuer Fall {i}", owner_unit=f.owner_unit,
             status=statuses[i % 5], assignee=user if i % 7 == 0 else None, service_key=f"99{i % 20:012d}",
             due_on=today + dt.timedelta(days=i % 60 - 30))
        for i, f in enumerate(files)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    baseline = []
    some = Case.objects.for_tenant(tenant).values_list("pk", flat=True)[100]
    for _ in range(30):
        start = time.perf_counter()
        Case.objects.for_tenant(tenant).filter(pk=some).first()
        baseline.append((time.perf_counter() - start) * 1000)
    baseline.sort()
    print(f"{connection.vendor} Basis (ein indiziertes SELECT): p50 {statistics.median(baseline):.2f} ms")
    for name, params in (
        ("Standard (offen)", {}),
        ("Mir zugewiesen", {"bereich": "meine"}),
        ("überfällig, Frist", {"ueberfaellig": "1"}),
        ("Suche Betreff", {"suche": "Fall 1234"}),
        ("Seite 20, Aktenzeichen", {"seite": "20", "sortierung": "aktenzeichen", "status": "alle"}),
    ):
        timings, page_only = [], []
        for _ in range(30):
            start = time.perf_counter()
            f = queues.QueueFilter.from_query(params)
            page = queues.page_of(queues.filtered(user, tenant, f), f)
            page_only.append((time.perf_counter() - start) * 1000)
            queues.counts(user, tenant)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        print(
            f"{connection.vendor} {name}: {page.total} Treffer, p50 {statistics.median(timings):.1f} ms, "
            f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms (Seite + Zählungen), "
            f"Seite allein p50 {statistics.median(page_only):.1f} ms"
        )
