"""The work-queue page and its full-text search cost a fixed, small number of queries and take no journal lock.

Whatever the number of cases, units and roles: the five queries every staff page makes (host, session, user,
account session, second-factor device), one for the staff member's roles and units (asked by the access
check, the navigation, the queue and the counts alike), the page's rows, its total when the rows do not tell
it, the menu's counts and the service filter's list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.records.models import Case, FilePlanUnit, JournalEntry, JournalHead
from rathaus.records.tests.test_work_area import make_case
from rathaus.tenants.tests.factories import OrgUnitFactory

MAX_QUERIES = 10
PAGES = (
    "/intern/akten/",
    "/intern/akten/?suche=Hundesteuer",
    "/intern/akten/?suche=Hundesteuer&status=alle&sortierung=aktenzeichen",
    "/intern/akten/?bereich=meine&ueberfaellig=1",
    "/intern/akten/fristen/",
)


def _world(tenant: Any, n_units: int, n_cases: int) -> tuple[Any, list[Case]]:
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    top = OrgUnitFactory(tenant=tenant, key="FB0")
    units = [top] + [OrgUnitFactory(tenant=tenant, key=f"FB{i}", parent=top) for i in range(1, n_units)]
    user = StaffFactory(tenant=tenant, email="anna@alpha.test")
    for unit in units:  # a role on every unit (and, for more units, the tree below the first as well)
        StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="caseworker")
    if n_units > 1:
        StaffRole.objects.create(tenant=tenant, user=user, org_unit=units[1], role="unit_lead")
    soon = timezone.localdate() + dt.timedelta(days=3)
    cases = [make_case(tenant, units[i % n_units], plan, f"Hundesteuer Fall {i}", due_on=soon) for i in range(n_cases)]
    return user, cases


def _queries(tclient: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = tclient.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize(("n_units", "n_cases"), [(1, 1), (1, 51), (5, 1), (5, 51)])
def test_the_queue_and_its_search_take_a_fixed_number_of_queries(
    tclient: Any, tenant: Any, n_units: int, n_cases: int
) -> None:
    user, cases = _world(tenant, n_units, n_cases)
    login_staff(tclient, user)
    head_before = JournalHead.objects.filter(tenant=tenant).values_list("seq", flat=True).first()
    for url in PAGES:
        sql = _queries(tclient, url)
        assert len(sql) <= MAX_QUERIES, (url, len(sql), sql)
        # The roles are read once, however many checks (access, navigation, queue, counts, dashboard) ask.
        assert sum("identity_staffrole" in q for q in sql) == 1, url
        assert not any("records_journal" in q for q in sql), url  # no journal head lock for a list
    assert JournalHead.objects.filter(tenant=tenant).values_list("seq", flat=True).first() == head_before
    body = tclient.get("/intern/akten/").content.decode()
    assert cases[0].reference in body


@pytest.mark.django_db
def test_opening_a_case_from_the_list_is_still_journaled(tclient: Any, tenant: Any) -> None:
    user, cases = _world(tenant, 1, 2)
    login_staff(tclient, user)
    assert tclient.get("/intern/akten/?suche=Hundesteuer").status_code == 200
    assert not JournalEntry.objects.filter(tenant=tenant, action__in=("case.list", "case.searched")).exists()
    assert tclient.get(f"/intern/akten/vorgang/{cases[0].uuid}/").status_code == 200
    read = JournalEntry.objects.filter(tenant=tenant, action="case.read").get()
    assert (read.actor_id, read.object_id) == (user.pk, cases[0].reference)


@pytest.mark.django_db
def test_the_list_shows_only_my_units_and_municipality_with_the_cached_roles(
    tclient: Any, tenant: Any, other_tenant: Any
) -> None:
    user, cases = _world(tenant, 2, 4)
    other_unit = OrgUnitFactory(tenant=tenant, key="FB99")
    plan = FilePlanUnit.objects.for_tenant(tenant).get()
    hidden = make_case(tenant, other_unit, plan, "Hundesteuer fremd")
    foreign_plan = FilePlanUnit.objects.create(tenant=other_tenant, code="32", title="Ordnung", retention_years=6)
    foreign = make_case(other_tenant, OrgUnitFactory(tenant=other_tenant, key="FB0"), foreign_plan, "Hundesteuer")
    login_staff(tclient, user)
    for url in PAGES[:3]:
        body = tclient.get(url).content.decode()
        assert all(c.reference in body for c in cases), url
        assert hidden.reference not in body and foreign.reference not in body, url
