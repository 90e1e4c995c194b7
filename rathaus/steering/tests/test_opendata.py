"""Open data of the figures (issue 10): public, per municipality, CSV and JSON with the licence dl-de/by-2-0;
no personal data; every count below 5 (and every figure computed from fewer than 5 cases) suppressed; another
municipality's figures absent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rathaus.steering import opendata
from rathaus.steering.models import ChannelCount

from .test_fact_events import decided_with_fee, filed, login
from .test_figures import A, W, at, paid, submitted

pytestmark = pytest.mark.django_db
URL = "/offene-daten/"


def build(tenant: Any) -> None:
    """2025 Q1: A 6 applications submitted, all decided after 2 days, each fee 12,00 paid online; W 2 applications
    (below 5); 7 low logins, 3 high; FB33 filed 5 documents by staff 987601..987605; other channels A: 9, W: 3."""
    for n in range(6):
        submitted(tenant, f"A-{n}", A, at(1, 3 + n))
        decided_with_fee(tenant, f"A-{n}", "0", at(1, 5 + n))
        paid(tenant, f"A-{n}", "12.00", at(1, 4 + n))
    for n in range(2):
        submitted(tenant, f"W-{n}", W, at(2, 3 + n))
    for n in range(10):
        login(tenant, "low" if n < 7 else "high", "password", at(1, 10 + n))
    for n in range(5):
        filed(tenant, "FB33", 987601 + n, at(3, 1 + n))
    ChannelCount.objects.create(tenant=tenant, service=A, month=at(1, 1).date(), paper=9)
    ChannelCount.objects.create(tenant=tenant, service=W, month=at(1, 1).date(), phone=3)


@pytest.fixture
def world(town: dict[str, Any]) -> dict[str, Any]:
    cache.clear()
    build(town["tenant"])
    return town


def value(data: dict[str, Any], area: str, key: str, measure: str, period: str = "Q1 2025") -> Any:
    [record] = [
        r for r in data["daten"]
        if (r["bereich"], r["schluessel"], r["kennzahl"], r["zeitraum"]) == (area, key, measure, period)
    ]  # fmt: skip
    return record["wert"]


def test_public_json_with_licence_and_suppression(world: dict[str, Any]) -> None:
    response = Client(HTTP_HOST="alpha.testserver").get(URL + "kennzahlen-2025.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["lizenz"]["id"] == "dl-de/by-2-0" and "govdata.de/dl-de/by-2-0" in data["lizenz"]["url"]
    assert data["herausgeber"] == "Stadt Alpha" and data["mindestfallzahl"] == 5
    assert "unter 5 Fällen sind unterdrückt" in data["unterdrueckung"]
    assert value(data, "leistung", A, "online_antraege") == 6
    assert value(data, "leistung", A, "beschieden") == 6
    assert value(data, "leistung", A, "median_tage") == 2.0
    assert value(data, "leistung", A, "zahlungen_online") == 6 and value(data, "leistung", A, "betrag_eur") == "72.00"
    assert value(data, "leistung", A, "andere_kanaele") == 9
    # Below five: suppressed, and so is what would be computed from them.
    assert value(data, "leistung", W, "online_antraege") is None
    assert value(data, "leistung", W, "andere_kanaele") is None
    assert value(data, "leistung", W, "median_tage") is None
    assert value(data, "leistung", A, "ohne_medienbruch_prozent") is None  # none was filed: 0 cases without break
    assert value(data, "anmeldung", "low", "anmeldungen") == 7
    assert value(data, "anmeldung", "high", "anmeldungen") is None
    assert value(data, "e_akte", "FB33", "dokumente_eakte") == 5
    for record in data["daten"]:
        assert record["wert"] is None or not isinstance(record["wert"], int) or record["wert"] >= 5


def test_no_personal_data_and_no_identifiers(world: dict[str, Any]) -> None:
    client = Client(HTTP_HOST="alpha.testserver")
    text = (
        client.get(URL + "kennzahlen-2025.json").content.decode()
        + client.get(URL + "kennzahlen-2025.csv").content.decode()
    )
    for forbidden in ("A-0", "A-5", "B-A-", "W-1", "98760", "digi@alpha", "@", "staff", "password"):
        assert forbidden not in text, forbidden
    data = json.loads(client.get(URL + "kennzahlen-2025.json").content)
    assert {r["bereich"] for r in data["daten"]} == {"leistung", "anmeldung", "e_akte"}
    assert set(data["daten"][0]) == {"bereich", "zeitraum", "schluessel", "bezeichnung", "kennzahl", "wert"}


def test_csv(world: dict[str, Any]) -> None:
    response = Client(HTTP_HOST="alpha.testserver").get(URL + "kennzahlen-2025.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="kennzahlen-alpha-2025.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "bereich;zeitraum;schluessel;bezeichnung;kennzahl;wert;lizenz;hinweis"
    assert "dl-de/by-2-0" in lines[1] and "unterdrückt" in lines[1]
    assert f"leistung;Q1 2025;{A};Wohnsitz anmelden;betrag_eur;72,00;dl-de/by-2-0;" in lines
    assert f"leistung;Q1 2025;{W};Wohngeld;beschieden;;dl-de/by-2-0;" in lines
    assert all(line.split(";")[6] == "dl-de/by-2-0" for line in lines[1:] if line)


def test_other_town_absent(world: dict[str, Any], other_tenant: Any) -> None:
    beta = json.loads(Client(HTTP_HOST="beta.testserver").get(URL + "kennzahlen-2025.json").content)
    assert beta["herausgeber"] == "Gemeinde Beta"
    assert all(r["wert"] is None for r in beta["daten"])
    assert not any(r["schluessel"] in (A, W, "FB33") for r in beta["daten"])
    submitted(other_tenant, "X-1", A, at(1, 3))
    cache.clear()
    alpha = json.loads(Client(HTTP_HOST="alpha.testserver").get(URL + "kennzahlen-2025.json").content)
    assert value(alpha, "leistung", A, "online_antraege") == 6


def test_page_and_bad_years(world: dict[str, Any]) -> None:
    client = Client(HTTP_HOST="alpha.testserver")
    page = client.get(URL)
    assert page.status_code == 200 and "dl-de/by-2-0" in page.content.decode()
    assert client.get(URL + "kennzahlen-1999.json").status_code == 404
    assert client.get(URL + f"kennzahlen-{timezone.localdate().year + 1}.csv").status_code == 404
    assert client.get(URL + "kennzahlen-abc.csv").status_code == 404
    assert client.post(URL + "kennzahlen-2025.csv").status_code == 405


def test_shown() -> None:
    assert [opendata.shown(n) for n in (0, 4, 5, 6)] == [None, None, 5, 6]
