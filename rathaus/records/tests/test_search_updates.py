"""Every write that changes what the search index holds updates it: saves by signal, bulk writes through
``search.update_indexed``. After each path of the E-Akte that writes in bulk (sealing a decision, destroying a
file, erasing a party, offering and archiving), a search finds what is there now, and the stored index row is
what a rebuild would write."""
# ruff: noqa: F811  (fixtures imported from the other test modules, used as arguments)

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import retention, search
from rathaus.records.models import Case, CaseFile, CaseSearch, Document, FilePlanUnit, Party
from rathaus.records.tests.test_decisions import sealed_decision, seals, world  # noqa: F401 (fixtures)
from rathaus.records.tests.test_filing import plan, service  # noqa: F401 (fixtures)
from rathaus.records.tests.test_retention import SYSTEM, filed, lead, manager, offered_run, unit  # noqa: F401
from rathaus.records.tests.test_retention import plan as plan_unit
from rathaus.records.tests.test_search import found, make_case, units  # noqa: F401 (fixture)


def as_rebuilt(*cases: Case) -> None:
    """The stored index rows of ``cases`` are what ``search.reindex`` would write now."""
    for row in search._compose([c.pk for c in cases]):
        stored = CaseSearch.objects.for_tenant(row.tenant_id).get(case_id=row.case_id)
        assert (stored.meta, stored.body, stored.owner_unit_id) == (row.meta, row.body, row.owner_unit_id)


def admin_of(tenant: Any, unit: Any) -> Any:
    user = StaffFactory(tenant=tenant, email="chef@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="tenant_admin")
    return user


@pytest.mark.django_db
def test_update_indexed_writes_and_reindexes_every_kind_of_row(tenant: Any, units: Any) -> None:
    a, _b = units
    search_plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    admin = admin_of(tenant, a)
    case = make_case(tenant, a, search_plan, "Hundesteuer", party="Erika Mustermann", text="Bello, Dackel")
    cases = Case.objects.for_tenant(tenant).filter(pk=case.pk)
    assert search.update_indexed(cases, subject="Zweitwohnungsteuer") == 1
    assert [c.pk for c in found(admin, tenant, "Zweitwohnungsteuer")] == [case.pk]
    search.update_indexed(Party.objects.for_tenant(tenant).filter(pk=case.file.party_id), name="Erika Musterfrau")
    assert found(admin, tenant, "Mustermann") == [] and found(admin, tenant, "Musterfrau")
    search.update_indexed(Document.objects.for_tenant(tenant).filter(case=case), title="Widerspruchsschreiben")
    assert found(admin, tenant, "Widerspruchsschreiben")
    search.update_indexed(CaseFile.objects.for_tenant(tenant).filter(pk=case.file_id), status="destroyed")
    assert found(admin, tenant, "Musterfrau") == [] and found(admin, tenant, "Dackel") == []
    as_rebuilt(case)
    with pytest.raises(TypeError):
        search.update_indexed(StaffRole.objects.none(), role="caseworker")


@pytest.mark.django_db
def test_a_sealed_decision_is_found_under_its_new_status(tenant: Any, world: dict[str, Any]) -> None:
    case = world["case"]
    lead = world["lead"]
    assert [c.pk for c in search.search_cases(lead, tenant, "", {"status": case.status}).results] == [case.pk]
    sealed_decision(tenant, world)
    assert [c.pk for c in search.search_cases(lead, tenant, "", {"status": "decided"}).results] == [case.pk]
    result = search.search_cases(lead, tenant, "")
    assert [(f.value, f.count) for f in result.facets["status"]] == [("decided", 1)]
    as_rebuilt(case)


@pytest.mark.django_db
def test_destroying_a_file_and_erasing_its_party_leave_nothing_findable(tenant: Any, unit: Any) -> None:
    admin = admin_of(tenant, unit)
    party = Party.objects.create(tenant=tenant, name="Erika Mustermann")
    case_file = filed(tenant, unit, plan_unit(tenant, "32.10", "V"), "Baumfällung Lindenweg", b"%PDF-1", party=party)
    case = case_file.cases.get()
    assert found(admin, tenant, "Mustermann") and found(admin, tenant, "Lindenweg")
    with TestCase.captureOnCommitCallbacks(execute=True):
        retention.destroy_file(case_file=case_file, actor=SYSTEM)
    for word in ("Mustermann", "Lindenweg", "Baumfällung", "Brief"):
        assert found(admin, tenant, word) == [], word
    assert [c.pk for c in found(admin, tenant, case.reference)] == [case.pk]
    assert Party.objects.for_tenant(tenant).get(pk=party.pk).name == retention.ERASED
    as_rebuilt(case)


@pytest.mark.django_db
def test_offering_and_archiving_keep_the_index_as_rebuilt(tenant: Any, unit: Any, manager: Any, lead: Any) -> None:
    _run, case_file = offered_run(tenant, unit, manager, lead)
    case_file.refresh_from_db()
    assert case_file.status == CaseFile.Status.OFFERED
    as_rebuilt(*case_file.cases.all())
