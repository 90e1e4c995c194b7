"""The total under the work queue is the number of cases of the selection, however the page gets it.

The page takes the total from the menu's counts when the selection is one of the menu's links, from the rows'
own query (``COUNT(*) OVER ()``) when it is a search, from the rows when they end on this page, and counts
otherwise. Every way must give the number the selection's definition gives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.records import queues
from rathaus.records.models import Case, FilePlanUnit
from rathaus.records.tests.test_work_area import make_case
from rathaus.tenants.tests.factories import OrgUnitFactory

SELECTIONS = (
    {},
    {"bereich": "meine"},
    {"zugewiesen": "mir"},
    {"zugewiesen": "niemand"},
    {"ueberfaellig": "1"},
    {"ueberfaellig": "1", "bereich": "meine"},
    {"ueberfaellig": "1", "zugewiesen": "niemand"},
    {"status": "alle"},
    {"status": "decided"},
    {"leistung": "99001001000000"},
    {"suche": "Hundesteuer"},
    {"suche": "Hundesteuer", "status": "alle"},
    {"suche": "Hundesteuer", "bereich": "meine"},
    {"suche": "Hundesteuer", "seite": "2"},
    {"suche": "Hundesteuer", "seite": "9"},
    {"suche": "Wohngeld"},
    {"status": "alle", "seite": "2"},
    {"seite": "9"},
)


def _expected(user: Any, tenant: Any, params: dict[str, str]) -> int:
    """The selection's definition, written out on the cases of the caseworker's unit."""
    today = timezone.localdate()
    rows = [c for c in Case.objects.for_tenant(tenant).filter(owner_unit__key="FB1")]
    status = params.get("status", "")
    open_ = {"new", "in_progress", "waiting"}
    if params.get("bereich") == "meine" or params.get("zugewiesen") == "mir":
        rows = [c for c in rows if c.assignee_id == user.pk]
    elif params.get("zugewiesen") == "niemand":
        rows = [c for c in rows if c.assignee_id is None]
    if status == "":
        rows = [c for c in rows if c.status in open_]
    elif status != "alle":
        rows = [c for c in rows if c.status == status]
    if params.get("leistung"):
        rows = [c for c in rows if c.service_key == params["leistung"]]
    if params.get("ueberfaellig") == "1":
        rows = [c for c in rows if c.due_on is not None and c.due_on < today and c.status in open_]
    if params.get("suche"):
        rows = [c for c in rows if params["suche"] in c.subject]
    return len(rows)


@pytest.mark.django_db
def test_the_total_is_the_selections_count_whichever_way_the_page_gets_it(tclient: Any, tenant: Any) -> None:
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    unit, other = OrgUnitFactory(tenant=tenant, key="FB1"), OrgUnitFactory(tenant=tenant, key="FB2")
    user = StaffFactory(tenant=tenant, email="anna@alpha.test")
    colleague = StaffFactory(tenant=tenant, email="bernd@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="caseworker")
    today = timezone.localdate()
    statuses = ["new", "in_progress", "waiting", "decided", "closed"]
    for i in range(123):  # more than two pages of searched cases, with every status, assignment and deadline
        subject = "Hundesteuer Fall" if i % 4 else "Wohngeld Fall"
        due = today + dt.timedelta(days=(i % 7) - 3) if i % 5 else None
        case = make_case(tenant, unit, plan, f"{subject} {i}", due_on=due, service_key="99001001000000" * (i % 3 == 0))
        assignee = (user, colleague, None)[i % 3 if i % 11 else 2]
        Case.objects.for_tenant(tenant).filter(pk=case.pk).update(status=statuses[i % 5], assignee=assignee)
    for i in range(30):  # another unit's cases count nowhere
        make_case(tenant, other, plan, f"Hundesteuer anderswo {i}", due_on=today - dt.timedelta(days=1))
    login_staff(tclient, user)
    seen = set()
    for params in SELECTIONS:
        response = tclient.get("/intern/akten/", params)
        assert response.status_code == 200, params
        page = response.context["page"]
        expected = _expected(user, tenant, params)
        assert page.total == expected and not page.capped, (params, page.total, expected)
        assert f"{expected} Vorg" in response.content.decode(), params
        seen.add(expected)
    assert len(seen) > 8  # the selections really differ


@pytest.mark.django_db
def test_a_search_over_the_cap_says_more_than_the_cap(tclient: Any, tenant: Any, monkeypatch: Any) -> None:
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    unit = OrgUnitFactory(tenant=tenant, key="FB1")
    user = StaffFactory(tenant=tenant, email="anna@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="caseworker")
    for i in range(8):
        make_case(tenant, unit, plan, f"Hundesteuer Fall {i}")
    monkeypatch.setattr(queues, "PAGE_SIZE", 3)
    monkeypatch.setattr(queues, "COUNT_CAP", 5)
    login_staff(tclient, user)
    for params in ({"suche": "Hundesteuer"}, {}):
        page = tclient.get("/intern/akten/", params).context["page"]
        assert (page.total, page.capped, len(page.cases), page.has_next) == (5, True, 3, True), params
    page = tclient.get("/intern/akten/", {"suche": "Hundesteuer", "seite": "3"}).context["page"]
    assert (page.total, page.capped, len(page.cases), page.has_next) == (5, True, 2, False)
