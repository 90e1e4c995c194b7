"""Record of processing activities (Art. 30 DSGVO) from the process catalog: only processes with personal
data, every Art. 30 item, stand-ins from related catalog fields marked as such, gaps named; CSV through the
house writer (formula cells neutralised), tagged PDF; digitalisation unit and administration only; no
municipality sees another's processes."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pytest
from django.test import Client

from rathaus.identity.tests.factories import login_staff
from rathaus.steering import gdpr_record
from rathaus.tenants.tests.factories import OrgUnitFactory

from .factories import make_process, staff_with

pytestmark = pytest.mark.django_db
URL = "/intern/steuerung/verzeichnis/"


def client_of(user: Any, host: str = "alpha") -> Client:
    client = Client(HTTP_HOST=f"{host}.testserver")
    login_staff(client, user)
    return client


@pytest.fixture
def catalog(town: dict[str, Any]) -> dict[str, Any]:
    t = town["tenant"]
    make_process(
        t, key="FB33-001", name="Wohnsitz anmelden", gdpr_purpose="Führung des Melderegisters",
        gdpr_data_subjects="Einwohnerinnen und Einwohner", gdpr_recipients="Finanzamt, Rundfunkbeitragsservice",
        gdpr_third_country="keine", gdpr_retention="5 Jahre nach Wegzug", gdpr_measures="Rollen, Verschlüsselung",
    )  # fmt: skip
    make_process(t, key="FB33-002", name="Hund anmelden", description="Hundesteuer festsetzen", participants="")
    make_process(
        t, key="FB50-001", name="Straßenreinigung planen", org_unit="FB50", personal_data="nein",
        personal_data_categories="",
    )  # fmt: skip
    make_process(t, key="FB33-003", name='=HYPERLINK("http://x")', gdpr_purpose="=1+1")
    return town


def test_record_has_every_item_with_stand_ins_and_gaps(catalog: dict[str, Any]) -> None:
    data = gdpr_record.record(catalog["tenant"])
    assert [a.key for a in data["activities"]] == ["FB33-001", "FB33-002", "FB33-003"]  # not FB50-001
    first = {i.label: (i.value, i.derived_from) for i in data["activities"][0].items}
    assert first["Zwecke der Verarbeitung"] == ("Führung des Melderegisters", "")
    assert first["Rechtsgrundlage"] == ("BMG", "")
    assert first["Kategorien personenbezogener Daten"] == ("Identitätsdaten", "")
    assert first["Empfänger"] == ("Finanzamt, Rundfunkbeitragsservice", "")
    assert first["Fristen für die Löschung"] == ("5 Jahre nach Wegzug", "")
    assert data["activities"][0].gaps == []
    second = data["activities"][1]
    items = {i.label: (i.value, i.derived_from) for i in second.items}
    assert items["Zwecke der Verarbeitung"] == ("Hundesteuer festsetzen", "Beschreibung")
    assert items["Kategorien betroffener Personen"] == ("Bürgerinnen und Bürger", "Zielgruppen")
    assert second.gaps == [
        "Empfänger", "Übermittlung in Drittländer", "Fristen für die Löschung",
        "Technische und organisatorische Maßnahmen",
    ]  # fmt: skip


def test_page_csv_and_pdf(catalog: dict[str, Any]) -> None:
    client = client_of(catalog["digi"])
    page = client.get(URL).content.decode()
    assert "FB33-002 Hund anmelden" in page and "Straßenreinigung" not in page
    assert "(aus Beschreibung)" in page and "nicht angegeben" in page
    response = client.get(URL + "verarbeitungsverzeichnis.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Verantwortlicher;Anschrift;Prozessnummer;Verarbeitungstätigkeit;Organisationseinheit;")
    assert "Zwecke der Verarbeitung" in lines[0] and lines[0].endswith(";Lücken")
    assert "Hundesteuer festsetzen (aus Beschreibung)" in lines[2]
    assert "'=HYPERLINK" in response.content.decode("utf-8-sig") and ";'=1+1;" in lines[3]  # neutralised
    pdf = client.get(URL + "verarbeitungsverzeichnis.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    with pikepdf.open(io.BytesIO(pdf.content)) as doc:
        assert "/StructTreeRoot" in doc.Root and str(doc.Root.Lang) == "de" and doc.Root.MarkInfo.Marked
        assert "Verzeichnis von Verarbeitungstätigkeiten" in str(doc.open_metadata().get("dc:title", ""))
        assert len(doc.pages) >= 1


@pytest.mark.parametrize("who", ["lead", "clerk"])
def test_only_digitalisation_and_administration(catalog: dict[str, Any], who: str) -> None:
    client = client_of(catalog[who])
    for path in ("", "verarbeitungsverzeichnis.csv", "verarbeitungsverzeichnis.pdf"):
        assert client.get(URL + path).status_code == 403
    assert Client(HTTP_HOST="alpha.testserver").get(URL).status_code == 302
    assert client_of(catalog["admin"]).get(URL + "verarbeitungsverzeichnis.csv").status_code == 200


def test_other_municipality(catalog: dict[str, Any], other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=other_tenant, key="FB10", name="Zentrale")
    beta_digi = staff_with(other_tenant, "digitalisation", unit, email="digi@beta.example")
    make_process(other_tenant, key="B-001", name="Beta-Verfahren", org_unit="FB10")
    beta = client_of(beta_digi, "beta")
    page = beta.get(URL).content.decode()
    assert "Beta-Verfahren" in page and "Wohnsitz anmelden" not in page and "Hund anmelden" not in page
    csv = beta.get(URL + "verarbeitungsverzeichnis.csv").content.decode("utf-8-sig")
    assert "B-001" in csv and "FB33" not in csv
    assert "Beta-Verfahren" not in client_of(catalog["digi"]).get(URL).content.decode()
