"""Assigning: only to caseworkers of the case's unit; through the page only to people of its list."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.core.errors import ValidationFailed
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_staff
from rathaus.records import work
from rathaus.records.journal import Actor
from rathaus.records.models import Case, JournalEntry
from rathaus.records.tests.test_work_area import make_case
from rathaus.tenants.tests.factories import OrgUnitFactory


@pytest.mark.django_db
def test_a_case_is_assigned_only_to_caseworkers_of_its_unit(tclient: Any, tenant: Any) -> None:
    from rathaus.records.models import FilePlanUnit

    unit_a = OrgUnitFactory(tenant=tenant, key="FB32")
    unit_b = OrgUnitFactory(tenant=tenant, key="FB50")
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32", title="Ordnung")
    case = make_case(tenant, unit_a, plan)
    colleague = StaffFactory(tenant=tenant, email="kollege@alpha.test", roles=["caseworker"])  # on unit_a
    outsider = StaffFactory(tenant=tenant, email="aussen@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=outsider, org_unit=unit_b, role="caseworker")
    citizen = CitizenFactory(tenant=tenant)
    actor = Actor.system()

    for nobody in (outsider, citizen):
        with pytest.raises(ValidationFailed):
            work.assign(case=case, assignee=nobody, actor=actor)
    assert work.assign(case=case, assignee=colleague, actor=actor).assignee_id == colleague.pk
    assert work.assign(case=case, assignee=None, actor=actor).assignee_id is None

    login_staff(tclient, colleague)
    url = f"/intern/akten/vorgang/{case.uuid}/"
    assert tclient.post(url, {"_action": "assign", "assignee": str(outsider.pk)}).status_code == 422
    assert tclient.post(url, {"_action": "assign", "assignee": "1; drop"}).status_code == 422
    assert tclient.post(url, {"_action": "assign", "assignee": str(colleague.pk)}).status_code == 302
    assert Case.objects.for_tenant(tenant).get(pk=case.pk).assignee_id == colleague.pk
    assigned = JournalEntry.objects.filter(tenant=tenant, action="case.assigned").order_by("seq")
    assert [e.detail["assignee"] for e in assigned] == [colleague.pk, None, colleague.pk]


@pytest.mark.django_db
def test_the_dashboard_tile_counts_my_open_cases_and_due_resubmissions_for_records_staff_only(
    tclient: Any, tenant: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from rathaus.records.models import FilePlanUnit

    unit = OrgUnitFactory(tenant=tenant, key="FB32")
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32", title="Ordnung")
    me = StaffFactory(tenant=tenant, email="ich@alpha.test", roles=["caseworker"])
    treasurer = StaffFactory(tenant=tenant, email="kasse@alpha.test", roles=["treasury"])
    actor = Actor.system()
    today = timezone.localdate()
    mine = [make_case(tenant, unit, plan) for _ in range(3)]
    for case in mine:
        work.assign(case=case, assignee=me, actor=actor)
    work.set_dates(case=mine[0], due_on=None, resubmit_on=today - dt.timedelta(days=1), actor=actor)
    work.set_dates(case=mine[1], due_on=None, resubmit_on=today + dt.timedelta(days=5), actor=actor)
    Case.objects.for_tenant(tenant).filter(pk=mine[2].pk).update(status=Case.Status.CLOSED)
    make_case(tenant, unit, plan)  # nobody's: not mine

    login_staff(tclient, me)
    page = tclient.get("/intern/").content.decode()
    assert "Akten (Arbeitsbereich)" in page
    assert "2 offene Vorgänge mir zugewiesen" in page and "1 Wiedervorlage fällig" in page
    login_staff(tclient, treasurer)
    page = tclient.get("/intern/").content.decode()
    assert tclient.get("/intern/").status_code == 200 and "Akten (Arbeitsbereich)" not in page
