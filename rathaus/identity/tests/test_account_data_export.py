"""'Meine Daten herunterladen' (GDPR Art. 15/20): complete, machine-readable JSON and a readable PDF with the
same content; only the account's own data; the highest trust level of its applications is asked again."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pikepdf
import pytest
from django.test import Client
from pypdf import PdfReader

from rathaus.applications.models import Application
from rathaus.identity.models import ExternalIdentity, Organisation, OrganisationRepresentative
from rathaus.identity.tests.factories import CitizenFactory, login_citizen
from rathaus.payments.models import Payment
from rathaus.tenants.tests.world import MARKER, build_town


@pytest.fixture
def towns(tenant: Any, other_tenant: Any, fake_scanner: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    a = build_town(tenant, "alpha")
    b = build_town(other_tenant, MARKER)
    ExternalIdentity.objects.create(tenant=a["tenant"], user=a["citizen"], provider=a["provider"], subject="bpk-alpha")
    firm = Organisation.objects.create(
        tenant=a["tenant"], provider=a["provider"], identifier="muk-1", name="Alpha Bau GmbH", legal_form="GmbH",
        register_number="HRB 4711", street="Hafenstraße 1", postal_code="40213", city="Düsseldorf",
    )  # fmt: skip
    OrganisationRepresentative.objects.create(tenant=a["tenant"], organisation=firm, user=a["citizen"])
    return a, b


def _client(town: dict[str, Any], level: str = "high") -> Client:
    client = Client(HTTP_HOST=f"{town['tenant'].slug}.testserver")
    login_citizen(client, town["citizen"], level=level)
    return client


def test_json_has_every_part_of_the_account(towns: Any) -> None:
    a, _b = towns
    response = _client(a).get("/konto/meine-daten/meine-daten.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["konto"]["e_mail"] == "buerger@alpha.example" and data["konto"]["vorname"] == "alpha"
    assert data["profil"]["benachrichtigung"] == "email"
    assert data["anmeldungen_ueber_nutzerkonten"] == [
        {"anbieter": "Konto alpha", "kennung": "bpk-alpha", "letztes_vertrauensniveau": "low", "letzte_anmeldung": None}
    ]
    assert data["sitzungen"] and data["sitzungen"][0]["zuletzt_aktiv"]
    [firm] = data["organisationen"]
    assert (firm["name"], firm["registernummer"], firm["anschrift"]) == (
        "Alpha Bau GmbH",
        "HRB 4711",
        "Hafenstraße 1 40213 Düsseldorf",
    )
    numbers = {app["nummer"] for app in data["antraege"]}
    assert numbers == {a["paid"].number, a["waiting"].number}
    paid = next(app for app in data["antraege"] if app["nummer"] == a["paid"].number)
    assert paid["antworten"] == a["paid"].answers and paid["anlagen"] and paid["anlagen"][0]["sha256"]
    assert [step["status"] for step in paid["verlauf"]][-1] == "in_progress"
    assert len(data["entwuerfe"]) == 1 and data["entwuerfe"][0]["antworten"] == a["draft"].answers
    assert {p["vorgang"] for p in data["zahlungen"]} == {a["paid"].number, a["waiting"].number}
    texts = {m["text"] for thread in data["postfach"] for m in thread["nachrichten"]}
    assert {"Frage von alpha", "Antwort an alpha", "Wann geht es los, alpha?"} <= texts
    # Every thread of the account, not only those of applications (the world invites the citizen to a project).
    assert any("Digitalisierungsprojekt »Projekt alpha«" in text for text in texts), texts
    assert MARKER not in response.content.decode().lower()


def test_pdf_is_readable_and_has_the_same_content(towns: Any) -> None:
    a, _b = towns
    response = _client(a).get("/konto/meine-daten/meine-daten.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    expected_texts = ("Auskunft über Ihre gespeicherten Daten", "buerger@alpha.example", a["paid"].number,
                      "Antwort an alpha", "Hund alpha", "bpk-alpha", "Alpha Bau GmbH")  # fmt: skip
    for expected in (
        *expected_texts,
        "Eingereichte Anträge",
        "Postfach",
        "mit Online-Ausweis (eID)",
        "Bürgerin/Bürger",
    ):
        assert expected in text, expected
    assert MARKER not in text.lower()
    # Coded values in the words of the pages (the models' labels: "Eingegangen", as on the application's page).
    for label in (
        Application.Status.SUBMITTED.label,
        Application.Status.IN_PROGRESS.label,
        Application.PaymentState.OPEN.label,
        Payment.Status.PAID.label,
        "Verwaltung",
    ):
        assert str(label) in text, label
    for code in ("submitted", "in_progress", "open", "paid", "verwaltung", "low", "high", "email"):
        assert not re.search(rf"(?<![\w@.]){code}(?![\w@.])", text), code
    with pikepdf.open(io.BytesIO(response.content)) as pdf:  # tagged: a structure tree and a document language
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "de"


def test_export_asks_for_the_trust_level_the_applications_were_submitted_at(towns: Any) -> None:
    a, _b = towns
    client = _client(a, level="low")  # the world's applications were submitted at "high"
    page = client.get("/konto/meine-daten/")
    assert page.status_code == 200 and "meine-daten.json" not in page.content.decode()
    assert "Online-Ausweis" in page.content.decode()
    for path in ("/konto/meine-daten/meine-daten.json", "/konto/meine-daten/meine-daten.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/konto/meine-daten/"


def test_account_without_applications_downloads_at_password_level(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="neu@example.org")
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, user, level="low")
    data = json.loads(client.get("/konto/meine-daten/meine-daten.json").content)
    assert data["konto"]["e_mail"] == "neu@example.org"
    assert data["antraege"] == data["entwuerfe"] == data["zahlungen"] == data["postfach"] == []


def test_anonymous_visitors_are_sent_to_the_login(tclient: Client) -> None:
    for path in ("/konto/meine-daten/", "/konto/meine-daten/meine-daten.json", "/konto/meine-daten/meine-daten.pdf"):
        response = tclient.get(path)
        assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


def test_the_organisation_an_application_or_payment_was_for_has_a_heading_in_words() -> None:
    from rathaus.identity.data_export_pdf import _label

    assert _label("fuer_organisation") == "Für die Organisation"
