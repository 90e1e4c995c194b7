"""Full-text search of the E-Akte: stems, Aktenzeichen, answers and document text, facets, permissions in SQL.

Runs on SQLite (FTS5) and on PostgreSQL (tsvector, german) — run it with DATABASE_URL for the latter.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import search, services, work
from rathaus.records.journal import Actor
from rathaus.records.models import Case, CaseSearch, DocumentVersion, FilePlanUnit, JournalEntry
from rathaus.tenants.tests.factories import OrgUnitFactory

SYSTEM = Actor.system()


@pytest.fixture
def units(tenant: Any) -> tuple[Any, Any]:
    return OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt"), OrgUnitFactory(
        tenant=tenant, key="FB50", name="Sozialamt"
    )


@pytest.fixture
def plan(tenant: Any) -> FilePlanUnit:
    return FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)


def staff(tenant: Any, unit: Any, email: str) -> Any:
    user = StaffFactory(tenant=tenant, email=email)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="caseworker")
    return user


def make_case(tenant: Any, unit: Any, plan: Any, subject: str, *, party: str = "", text: str = "", **kw: Any) -> Case:
    party_row = services.Party.objects.create(tenant=tenant, name=party) if party else None
    case_file = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject=subject, party=party_row, actor=SYSTEM
    )
    case = services.open_case(case_file=case_file, subject=subject, owner_unit=unit, actor=SYSTEM, **kw)
    if text:
        services.add_document(
            case=case,
            kind="incoming",
            title="Schreiben",
            name="brief.txt",
            content_type="text/plain",
            data=text.encode(),
            text=text,
            actor=SYSTEM,
        )
    return case


def found(user: Any, tenant: Any, query: str, **filters: str) -> list[Case]:
    return search.search_cases(user, tenant, query, filters).results


@pytest.mark.django_db
def test_stems_find_each_other_and_umlauts_fold(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    dog = make_case(tenant, a, plan, "Anmeldung eines Hundes")
    other = make_case(tenant, a, plan, "Sondernutzung Gehweg")
    single = make_case(tenant, a, plan, "Steuer für den Hund")

    assert {c.pk for c in found(anna, tenant, "Hunde")} == {dog.pk, single.pk}
    assert {c.pk for c in found(anna, tenant, "Hund")} == {dog.pk, single.pk}
    assert [c.pk for c in found(anna, tenant, "gehweg sondernutzung")] == [other.pk]
    assert found(anna, tenant, "Katze") == []


@pytest.mark.django_db
def test_finds_by_aktenzeichen_party_answers_and_document_text(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    by_text = make_case(tenant, a, plan, "Eingang", text="Der Zaun am Grundstück Lindenweg 7 ist eingestürzt.")
    by_party = make_case(tenant, a, plan, "Antrag", party="Erika Mustermann")
    by_answer = make_case(tenant, a, plan, "Hund anmelden", application_number="A-2026-000042")
    services.add_document(
        case=by_answer,
        kind="application",
        title="Antrag A-2026-000042",
        name="a.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.7",
        text="Name des Hundes: Bello\nRasse: Dackel",
        actor=SYSTEM,
    )

    assert [c.pk for c in found(anna, tenant, "Lindenweg")] == [by_text.pk]
    assert [c.pk for c in found(anna, tenant, "eingesturzt")] == [by_text.pk]  # diacritics folded
    assert [c.pk for c in found(anna, tenant, "Mustermann")] == [by_party.pk]
    assert [c.pk for c in found(anna, tenant, "Dackel")] == [by_answer.pk]
    assert [c.pk for c in found(anna, tenant, "A-2026-000042")] == [by_answer.pk]
    assert [c.pk for c in found(anna, tenant, by_party.file.reference)] == [by_party.pk]
    assert [c.pk for c in found(anna, tenant, by_party.reference)] == [by_party.pk]


@pytest.mark.django_db
def test_a_new_version_replaces_the_old_text_and_a_disposal_removes_it(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    case = make_case(tenant, a, plan, "Eingang", text="Ahornbaum fällen")
    document = case.documents.get()
    services.add_version(
        document=document, name="v2.txt", content_type="text/plain", data=b"x", text="Eichenbaum", actor=SYSTEM
    )
    assert found(anna, tenant, "Ahornbaum") == []
    assert [c.pk for c in found(anna, tenant, "Eichenbaum")] == [case.pk]

    latest = DocumentVersion.objects.for_tenant(tenant).get(document=document, version=2)
    latest.destroyed_at = latest.created_at
    latest.text = ""
    latest.save(_disposal=True)
    assert found(anna, tenant, "Eichenbaum") == []


@pytest.mark.django_db
def test_other_units_and_municipalities_never_appear_not_even_in_counts(
    tenant: Any, other_tenant: Any, units: Any, plan: Any
) -> None:
    a, b = units
    anna = staff(tenant, a, "anna@alpha.test")
    mine = make_case(tenant, a, plan, "Hundesteuer Bello")
    make_case(tenant, b, plan, "Hundesteuer Rex")
    other_unit = OrgUnitFactory(tenant=other_tenant, key="FB32", name="Ordnungsamt")
    other_plan = FilePlanUnit.objects.create(tenant=other_tenant, code="32.10.01", title="Hundesteuer")
    make_case(other_tenant, other_unit, other_plan, "Hundesteuer Bello")

    result = search.search_cases(anna, tenant, "Hundesteuer")
    assert [c.pk for c in result.results] == [mine.pk]
    assert result.total == 1
    assert {f.value: f.count for f in result.facets["unit"]} == {str(a.pk): 1}
    assert sum(f.count for f in result.facets["status"]) == 1
    # Someone of the other municipality, even its administration, sees nothing of ours.
    outsider = StaffFactory(tenant=other_tenant, email="o@beta.test")
    StaffRole.objects.create(tenant=other_tenant, user=outsider, org_unit=other_unit, role="tenant_admin")
    assert search.search_cases(outsider, tenant, "Hundesteuer").total == 0
    assert search.search_cases(outsider, other_tenant, "Bello").total == 1


@pytest.mark.django_db
def test_facets_count_under_the_other_filters_and_filters_narrow(tenant: Any, units: Any, plan: Any) -> None:
    a, b = units
    admin = StaffFactory(tenant=tenant, email="chef@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=a, role="tenant_admin")
    make_case(tenant, a, plan, "Hundesteuer eins", service_key="99001001000000")
    second = make_case(tenant, a, plan, "Hundesteuer zwei", service_key="99001001000000")
    make_case(tenant, b, plan, "Hundesteuer drei", service_key="99002002000000")
    Case.objects.for_tenant(tenant).filter(pk=second.pk).update(status=Case.Status.IN_PROGRESS)

    everything = search.search_cases(admin, tenant, "Hundesteuer")
    assert everything.total == 3
    assert {f.value: f.count for f in everything.facets["service"]} == {"99001001000000": 2, "99002002000000": 1}
    assert {f.label: f.count for f in everything.facets["unit"]} == {"Ordnungsamt": 2, "Sozialamt": 1}

    narrowed = search.search_cases(admin, tenant, "Hundesteuer", {"unit": str(a.pk), "status": "in_progress"})
    assert [c.pk for c in narrowed.results] == [second.pk]
    # The unit facet counts under the status filter only, the status facet under the unit filter only.
    assert {f.value: f.count for f in narrowed.facets["unit"]} == {str(a.pk): 1}
    assert {f.value: f.count for f in narrowed.facets["status"]} == {"new": 1, "in_progress": 1}
    assert [f.selected for f in narrowed.facets["status"] if f.value == "in_progress"] == [True]
    assert search.search_cases(admin, tenant, "Hundesteuer", {"unit": "x'; --"}).total == 0


@pytest.mark.django_db
def test_pages_and_the_journal(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    for n in range(5):
        make_case(tenant, a, plan, f"Baumfällung {n}")
    first = search.search_cases(anna, tenant, "Baumfällung", page=1, page_size=2, actor=Actor(id=anna.pk, label="anna"))
    last = search.search_cases(anna, tenant, "Baumfällung", page=99, page_size=2)
    assert (first.total, first.pages, len(first.results), first.has_next) == (5, 3, 2, True)
    assert (last.page, len(last.results), last.has_next) == (3, 1, False)
    seen = {
        c.pk for p in (1, 2, 3) for c in search.search_cases(anna, tenant, "Baumfällung", page=p, page_size=2).results
    }
    assert len(seen) == 5
    entry = JournalEntry.objects.filter(tenant=tenant, action="case.searched").get()
    assert entry.detail["query"] == "Baumfällung" and entry.detail["total"] == 5


@pytest.mark.django_db
def test_the_index_follows_renames_of_file_and_party(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    case = make_case(tenant, a, plan, "Eingang", party="Hans Alt")
    party = case.file.party
    party.name = "Hans Neumann"
    party.save()
    assert found(anna, tenant, "Alt") == []
    assert [c.pk for c in found(anna, tenant, "Neumann")] == [case.pk]
    assert CaseSearch.objects.for_tenant(tenant).count() == 1
    # A rebuild gives the same index (the migration and the bulk loads use it).
    CaseSearch.objects.for_tenant(tenant).delete()
    assert search.rebuild_all() == 1
    assert [c.pk for c in found(anna, tenant, "Neumann")] == [case.pk]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=80))
def test_any_query_text_is_answered_without_error(tenant: Any, query: str) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB1", name="Amt") if not hasattr(tenant, "_u") else tenant._u
    tenant._u = unit
    admin = StaffFactory(tenant=tenant, email=f"x{StaffFactory._meta.model.objects.count()}@a.test")
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=unit, role="tenant_admin")
    result = search.search_cases(admin, tenant, query, {"status": query, "service": query, "unit": query})
    assert result.total >= 0
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.django_db
def test_best_match_first_and_newest_first_above_the_rank_limit(
    tenant: Any, units: Any, plan: Any, monkeypatch: Any
) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    in_subject = make_case(tenant, a, plan, "Lindenallee Baumpflege")
    in_text = make_case(tenant, a, plan, "Eingang", text="Schreiben über Gebühren, Fristen und die Lindenallee")
    assert [c.pk for c in found(anna, tenant, "Lindenallee")] == [in_subject.pk, in_text.pk]
    monkeypatch.setattr(search, "RANK_LIMIT", 1)
    assert [c.pk for c in found(anna, tenant, "Lindenallee")] == [in_text.pk, in_subject.pk]


@pytest.mark.django_db
def test_counting_stops_at_the_cap_and_says_so(tenant: Any, units: Any, plan: Any, monkeypatch: Any) -> None:
    a, _ = units
    anna = staff(tenant, a, "anna@alpha.test")
    made = [make_case(tenant, a, plan, f"Sperrmüll {n}") for n in range(5)]
    Case.objects.for_tenant(tenant).filter(pk=made[0].pk).update(status=Case.Status.CLOSED)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    broad = search.search_cases(anna, tenant, "Sperrmüll", page_size=2)
    assert (broad.total, broad.capped, broad.pages) == (3, True, 2)
    assert [c.pk for c in broad.results] == [made[4].pk, made[3].pk]  # newest first above the cap
    # Under a filter the total is counted again (up to the cap): one closed case is exact.
    closed = search.search_cases(anna, tenant, "Sperrmüll", {"status": "closed"})
    assert (closed.total, closed.capped, [c.pk for c in closed.results]) == (1, False, [made[0].pk])
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    exact = search.search_cases(anna, tenant, "Sperrmüll")
    assert (exact.total, exact.capped) == (5, False)


@pytest.mark.django_db
def test_a_handed_over_case_is_found_by_the_new_unit_only(tenant: Any, units: Any, plan: Any) -> None:
    a, b = units
    anna, bert = staff(tenant, a, "anna@alpha.test"), staff(tenant, b, "bert@alpha.test")
    case = make_case(tenant, a, plan, "Gaststätte Zum Anker")
    assert [c.pk for c in found(anna, tenant, "Anker")] == [case.pk] and found(bert, tenant, "Anker") == []
    work.hand_over(case=case, unit_id=b.pk, actor=SYSTEM)
    assert found(anna, tenant, "Anker") == [] and search.search_cases(anna, tenant, "Anker").total == 0
    assert [c.pk for c in found(bert, tenant, "Anker")] == [case.pk]


@pytest.mark.django_db
def test_a_stale_index_row_never_shows_a_case_of_another_unit(tenant: Any, units: Any, plan: Any) -> None:
    a, b = units
    anna = staff(tenant, a, "anna@alpha.test")
    case = make_case(tenant, a, plan, "Kennzeichen Reservierung")
    Case.objects.for_tenant(tenant).filter(pk=case.pk).update(owner_unit=b)  # past the signals: the copy is stale
    assert found(anna, tenant, "Kennzeichen") == []


@pytest.mark.django_db
def test_a_destroyed_file_keeps_no_personal_data_in_the_index(tenant: Any, units: Any, plan: Any) -> None:
    a, _ = units
    admin = StaffFactory(tenant=tenant, email="chef@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=a, role="tenant_admin")
    case = make_case(tenant, a, plan, "Hundesteuer", party="Erika Mustermann", text="Bello, Dackel")
    assert [c.pk for c in found(admin, tenant, "Mustermann")] == [case.pk]
    case_file = case.file
    case_file.status = "destroyed"
    case_file.save()
    assert found(admin, tenant, "Mustermann") == [] and found(admin, tenant, "Dackel") == []
    assert [c.pk for c in found(admin, tenant, case.reference)] == [case.pk]  # the Aktenzeichen stays
