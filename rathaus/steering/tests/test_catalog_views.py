"""The process catalog pages: who sees and edits what, the form and its errors, the history on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.identity.tests.factories import CitizenFactory, login_citizen, login_staff
from rathaus.steering.models import Process

from .factories import make_process, row

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(HTTP_HOST=f"{user.tenant.slug}.testserver")
    login_staff(client, user)
    return client


def form_data(**over: Any) -> dict[str, Any]:
    """What the browser sends: choices as their values, the date as the date input gives it."""
    data = row(
        target_groups=["citizens", "businesses"], process_type="service", deficit_level="2",
        automation_potential="3", it_extension_potential="2", digital_duty_due="2027-12-31",
        services=["99115005104000"],
    )  # fmt: skip
    data.update(over)
    return data


def test_digitalisation_unit_creates_a_process_and_sees_its_history(town: dict[str, Any]) -> None:
    client = client_for(town["digi"])
    response = client.post("/intern/steuerung/prozesse/neu/", form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    process = Process.objects.for_tenant(town["tenant"]).get(key="FB33-001")
    assert process.target_groups == ["citizens", "businesses"]
    assert process.cases_per_year == 12000 and process.cost_per_year == 175500  # 3000 h × 58.50 €
    assert list(process.services.values_list("leika_key", flat=True)) == ["99115005104000"]
    page = client.get(response["Location"]).content.decode()
    assert "Version 1" in page and "digi@alpha.example" in page


def test_editing_records_who_changed_what(town: dict[str, Any]) -> None:
    process = make_process(town["tenant"], town["digi"])
    client = client_for(town["lead"])
    response = client.post(
        f"/intern/steuerung/prozesse/{process.uuid}/bearbeiten/",
        {**form_data(cases_per_year="13000", name="Wohnsitz anmelden (neu)"), "version": "1"},
    )
    assert response.status_code == 302
    version = process.versions.get(number=2)
    assert version.changed_by == town["lead"]
    assert version.changes["cases_per_year"] == [12000, 13000]
    assert version.changes["name"] == ["Wohnsitz anmelden", "Wohnsitz anmelden (neu)"]
    assert "target_groups" in version.changes  # the form set two groups, the row had one
    page = client.get(f"/intern/steuerung/prozesse/{process.uuid}/").content.decode()
    assert "Version 2" in page and "13000" in page


def test_a_stale_form_does_not_overwrite_a_newer_change(town: dict[str, Any]) -> None:
    process = make_process(town["tenant"], town["digi"])
    client = client_for(town["digi"])
    url = f"/intern/steuerung/prozesse/{process.uuid}/bearbeiten/"
    assert client.post(url, {**form_data(cases_per_year="1"), "version": "1"}).status_code == 302
    response = client.post(url, {**form_data(cases_per_year="2"), "version": "1"})
    assert response.status_code == 422
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    process.refresh_from_db()
    assert process.cases_per_year == 1 and process.version == 2


def test_bad_input_is_shown_per_field_and_nothing_is_saved(town: dict[str, Any]) -> None:
    client = client_for(town["digi"])
    response = client.post(
        "/intern/steuerung/prozesse/neu/",
        form_data(cases_per_year="-5", digital_duty_due="2027-02-30", budget_need_teur="180000", name="a\x00b"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Darf nicht negativ sein." in page
    assert "Dieses Datum gibt es nicht." in page
    assert "T€ (Tausend Euro)" in page
    assert "Steuerzeichen" in page
    assert not Process.objects.for_tenant(town["tenant"]).exists()


def test_unit_lead_sees_and_edits_only_own_units(town: dict[str, Any]) -> None:
    own = make_process(town["tenant"], town["digi"], key="FB33-1-001", org_unit="FB33-1")
    other = make_process(town["tenant"], town["digi"], key="FB50-001", org_unit="FB50", name="Wohngeld bewilligen")
    client = client_for(town["lead"])
    listing = client.get("/intern/steuerung/").content.decode()
    assert "FB33-1-001" in listing and "FB50-001" not in listing
    assert client.get(f"/intern/steuerung/prozesse/{other.uuid}/").status_code == 404
    assert client.post(f"/intern/steuerung/prozesse/{other.uuid}/bearbeiten/", form_data()).status_code == 404
    assert client.get(f"/intern/steuerung/prozesse/{own.uuid}/").status_code == 200
    # Nor may a lead move a process into (or create one in) a unit they do not lead.
    response = client.post("/intern/steuerung/prozesse/neu/", form_data(key="X-1", org_unit="FB50"))
    assert response.status_code == 422
    assert "keine Prozesse pflegen" in response.content.decode()
    # Priorities, projects and maturity are the digitalisation unit's.
    for path in ("priorisierung/", "projekte/", "reifegrad/", "handlungsfelder/"):
        assert client.get(f"/intern/steuerung/{path}").status_code == 403, path


@pytest.mark.parametrize("who", ["clerk", "citizen", "anonymous"])
def test_others_may_not_open_the_catalog(town: dict[str, Any], who: str) -> None:
    client = Client(HTTP_HOST="alpha.testserver")
    if who == "clerk":
        login_staff(client, town["clerk"])
    elif who == "citizen":
        login_citizen(client, CitizenFactory(tenant=town["tenant"]))
    response = client.get("/intern/steuerung/")
    assert response.status_code in (302, 403)
    if who == "clerk":
        assert response.status_code == 403
    assert client.get("/intern/steuerung/export.csv").status_code in (302, 403)


def test_pages_of_the_digitalisation_unit_open(town: dict[str, Any]) -> None:
    process = make_process(town["tenant"], town["digi"])
    client = client_for(town["digi"])
    for path in ("", "import/", "priorisierung/", "projekte/", "handlungsfelder/", "reifegrad/",
                 "reifegrad/wohnsitz-anmelden/", f"prozesse/{process.uuid}/", f"prozesse/{process.uuid}/bearbeiten/",
                 "prozesse/neu/"):  # fmt: skip
        response = client.get(f"/intern/steuerung/{path}")
        assert response.status_code == 200, (path, response.content.decode()[:2000])
