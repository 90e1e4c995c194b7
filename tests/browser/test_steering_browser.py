"""The steering area in real Chromium: every page passes axe-core (WCAG 2.1 AA) on a wide screen and at 320 CSS
pixels without sideways scrolling; the weights work without JavaScript and update the ranking live with it; an
import with a bad row shows the row and the column; an invited participant comments on their project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.steering import maturity, projects, services
from rathaus.steering.models import PriorityWeights, ProjectComment
from rathaus.steering.tests.factories import make_process, staff_with
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in, sign_in_staff
from .test_records_browser import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def steering(portal: dict[str, Any]) -> dict[str, Any]:
    tenant = portal["tenant"]
    central = OrgUnitFactory(tenant=tenant, key="FB10", name="Zentrale Dienste")
    OrgUnitFactory(tenant=tenant, key="FB33", name="Bürgerdienste")
    digi = staff_with(tenant, "digitalisation", central, first_name="David", last_name="Digital")
    first = make_process(tenant, digi, key="FB33-001", name="Wohnsitz anmelden mit einem recht langen Namen",
                         services=portal["wohnsitz"].leika_key)  # fmt: skip
    make_process(tenant, digi, key="FB33-002", name="Personalausweis beantragen", automation_potential="gering",
                 cases_per_year="400", digital_duty="nein", digital_duty_due="")  # fmt: skip
    make_process(tenant, digi, key="FB10-001", name="Posteingang scannen", org_unit="FB10", process_type="Steuerung",
                 personal_data="nein", personal_data_categories="")  # fmt: skip
    projects.save_action_field(tenant=tenant, raw={"key": "ozg", "name": "Digitale Bürgerservices (OZG)"})
    project = projects.save_project(
        tenant=tenant, raw={"name": "Online-Anträge Bürgerbüro", "action_field": "ozg", "owner": str(digi.pk),
                            "status": "yellow", "status_reason": "Schnittstelle zum Fachverfahren fehlt noch."},
        lists={"processes": [str(first.uuid)], "services": [portal["wohnsitz"].leika_key]},
    )  # fmt: skip
    projects.set_budget(tenant=tenant, project=project, raw={"year": "2026", "planned_teur": "180", "spent_teur": "12"})
    projects.add_milestone(tenant=tenant, project=project, raw={"title": "Go-live", "due_on": "30.11.2026"})
    projects.invite(tenant=tenant, project=project, email=portal["citizen"].email, actor=digi)
    projects.comment(tenant=tenant, project=project, author=digi, body="Bitte Termin für den Test nennen.")
    decision = services.record_decision(
        tenant=tenant, actor=digi, decided_on=dt.date(2026, 5, 12), note="Vorlage 2026/17", today=dt.date(2026, 5, 12)
    )
    services.assess_maturity(
        tenant=tenant, actor=digi, service_id=portal["wohnsitz"].pk,
        raw=dict.fromkeys(maturity.CRITERION_KEYS, "4") | {"payment": "2"}, note="", assessed_on=dt.date(2026, 6, 30),
    )  # fmt: skip
    return {**portal, "digi": digi, "process": first, "project": project, "decision": decision}


@pytest.mark.parametrize("width", [1280, 320])
def test_every_steering_page_passes_axe_and_reflows(
    new_page: Callable[..., Page], steering: dict[str, Any], width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, steering["digi"])
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    process, project = steering["process"], steering["project"]
    for path in (
        "/intern/steuerung/",
        "/intern/steuerung/prozesse/neu/",
        f"/intern/steuerung/prozesse/{process.uuid}/",
        f"/intern/steuerung/prozesse/{process.uuid}/bearbeiten/",
        "/intern/steuerung/import/",
        "/intern/steuerung/priorisierung/",
        "/intern/steuerung/priorisierung/?cases=50&reach=0&legal=20&deficits=15&cost=15&automation=35&it=25&budget=20&staff=20",
        f"/intern/steuerung/beschluesse/{steering['decision'].uuid}/",
        "/intern/steuerung/projekte/",
        f"/intern/steuerung/projekte/{project.uuid}/",
        "/intern/steuerung/handlungsfelder/",
        "/intern/steuerung/reifegrad/",
        f"/intern/steuerung/reifegrad/{steering['wohnsitz'].slug}/",
        "/intern/steuerung/kennzahlen/",
        "/intern/steuerung/kanaele/",
        "/intern/steuerung/verzeichnis/",
        "/offene-daten/",
    ):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    # Pages with errors: a form with every kind of mistake, weights that do not add up.
    page.goto("/intern/steuerung/prozesse/neu/")
    page.get_by_label("Fälle pro Jahr").fill("-3")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Darf nicht negativ sein.").first).to_be_visible()
    axe.check()
    response = page.goto("/intern/steuerung/priorisierung/?cases=10")
    assert response is not None and response.status == 422
    axe.check()
    if overflow(page):
        wide["errors"] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide


def test_weights_work_without_javascript(new_page: Callable[..., Page], steering: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_staff(page, steering["digi"])
    page.goto("/intern/steuerung/priorisierung/")
    page.get_by_label("Fallzahl").fill("45")
    page.get_by_label("Reichweite (Zielgruppen)").fill("0")
    page.get_by_role("button", name="Auswirkung anzeigen").click()
    expect(page.get_by_text("gespeichert sind sie noch nicht")).to_be_visible()
    page.get_by_role("button", name="Diese Gewichte speichern").click()
    expect(page.get_by_text("Die Gewichte wurden gespeichert.")).to_be_visible()
    weights = PriorityWeights.objects.for_tenant(steering["tenant"]).get().weights
    assert weights["cases"] == 45 and weights["reach"] == 0


def test_weights_update_the_ranking_live_with_javascript(
    new_page: Callable[..., Page], steering: dict[str, Any]
) -> None:
    page = new_page()
    sign_in_staff(page, steering["digi"])
    page.goto("/intern/steuerung/priorisierung/")
    expect(page.get_by_role("button", name="Diese Gewichte speichern")).to_have_count(0)
    page.get_by_label("Automatisierungsmöglichkeit").fill("15")
    page.get_by_label("IT-Verfahren erweiterbar").fill("45")
    # No click: the ranking is fetched again as the numbers change.
    expect(page.get_by_role("button", name="Diese Gewichte speichern")).to_be_visible()
    assert "automation=15" in page.url
    page.get_by_label("IT-Verfahren erweiterbar").fill("5")
    expect(page.get_by_text("ergeben 60 statt 100 Prozent")).to_be_visible()


def test_an_import_with_a_bad_row_names_row_and_column(
    new_page: Callable[..., Page], steering: dict[str, Any], tmp_path: Any
) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_staff(page, steering["digi"])
    sheet = tmp_path / "katalog.csv"
    sheet.write_text("Prozessnummer;Bezeichnung;Organisationseinheit;Art des Prozesses;Fälle pro Jahr\r\n"
                     "FB33-010;Neu;FB33;Service;viele\r\n", encoding="utf-8")  # fmt: skip
    page.goto("/intern/steuerung/import/")
    page.get_by_label("Datei (XLSX oder CSV)").set_input_files(str(sheet))
    page.get_by_role("button", name="Importieren").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1 fehlerhafte Zeile(n); es wurde nichts importiert.")
    expect(alert.get_by_role("row", name="2 Fälle pro Jahr Muss eine ganze Zahl sein.")).to_be_visible()


def test_an_invited_participant_comments_on_the_project(
    new_page: Callable[..., Page], steering: dict[str, Any]
) -> None:
    page = new_page(viewport={"width": 320, "height": 800}, bypass_csp=True)
    sign_in(page, steering["citizen"])
    axe = Axe(page)
    axe.check(f"/intern/steuerung/beteiligung/{steering['project'].uuid}/")
    assert not overflow(page)
    page.get_by_label("Ihr Kommentar").fill("Test am 3. November passt.")
    page.get_by_role("button", name="Kommentieren").click()
    expect(page.get_by_text("Ihr Kommentar wurde gespeichert.")).to_be_visible()
    axe.check()
    assert not axe.report, "\n".join(axe.report)
    assert ProjectComment.objects.for_tenant(steering["tenant"]).filter(author=steering["citizen"]).exists()
