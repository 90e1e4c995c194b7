"""The further live figures (issue 10), computed by hand for a small world: online vs. other channels, the
share decided without media break, logins by trust level, E-Akte coverage; the dashboard shows each as chart,
table and sentence, the exports carry them; no municipality sees another's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from rathaus.identity.tests.factories import login_staff
from rathaus.steering import figure_chart, indicators
from rathaus.steering.models import ChannelCount
from rathaus.tenants.tests.factories import OrgUnitFactory

from .factories import staff_with
from .test_fact_events import decided_with_fee, filed, login, opened
from .test_figures import A, W, at, emit, paid, staff_client, submitted

pytestmark = pytest.mark.django_db
URL = "/intern/steuerung/kennzahlen/"


def build(tenant: Any) -> None:
    """2025, Q1. A-1: filed, decided without fee → no break. A-2: filed, fee first paid (by number), decision
    fee 10 paid (by decision reference) → no break. A-3: filed, decision fee unpaid → break. A-4: never filed
    → break. W-1: fee first, not paid, filed → break; decided in Q2. Other channels: A in Jan 6 (paper 4,
    phone 2), A in Apr 3; W in Feb 10. Logins: 2 low, 1 substantial in Q1, 1 high in Q2. Documents: FB33 3 by
    staff 7, 7, 8; FB50 1 by the system."""
    fee_first = {"forwardable": False}
    submitted(tenant, "A-1", A, at(1, 5))
    opened(tenant, "C/1", "FB33", "A-1", at(1, 5, 11))
    decided_with_fee(tenant, "A-1", "0", at(1, 9))
    emit(tenant, "application.submitted", "A-2", {"number": "A-2", "service": A, **fee_first}, at(1, 6))
    paid(tenant, "A-2", "5.00", at(1, 6, 10))
    opened(tenant, "C/2", "FB33", "A-2", at(1, 6, 11))
    decided_with_fee(tenant, "A-2", "10.00", at(2, 1))
    paid(tenant, "B-A-2", "10.00", at(2, 3))
    submitted(tenant, "A-3", A, at(1, 7))
    opened(tenant, "C/3", "FB33", "A-3", at(1, 7, 11))
    decided_with_fee(tenant, "A-3", "10.00", at(2, 2))
    submitted(tenant, "A-4", A, at(1, 8))
    decided_with_fee(tenant, "A-4", "0", at(3, 1))
    emit(tenant, "application.submitted", "W-1", {"number": "W-1", "service": W, **fee_first}, at(3, 5))
    opened(tenant, "C/4", "FB50", "W-1", at(3, 6))
    decided_with_fee(tenant, "W-1", "0", at(4, 2))
    ChannelCount.objects.create(tenant=tenant, service=A, month=at(1, 1).date(), paper=4, phone=2)
    ChannelCount.objects.create(tenant=tenant, service=A, month=at(4, 1).date(), email=3)
    ChannelCount.objects.create(tenant=tenant, service=W, month=at(2, 1).date(), in_person=10)
    for level, source, when in (
        ("low", "password", at(1, 2)), ("low", "password", at(2, 2)),
        ("substantial", "servicekonto", at(3, 2)), ("high", "servicekonto", at(5, 2)),
    ):  # fmt: skip
        login(tenant, level, source, when)
    for unit, staff, when in (
        ("FB33", 7, at(1, 3)),
        ("FB33", 7, at(1, 4)),
        ("FB33", 8, at(2, 4)),
        ("FB50", None, at(3, 4)),
    ):
        filed(tenant, unit, staff, when)


@pytest.fixture
def world(town: dict[str, Any]) -> dict[str, Any]:
    build(town["tenant"])
    return town


def q1(rows: list[Any]) -> Any:
    return rows[0]


def test_channels_by_hand(world: dict[str, Any]) -> None:
    t = world["tenant"]
    rows = indicators.channel_rows(t, year=2025, grain="quartal")
    assert (rows[0].online, rows[0].other_total, rows[0].online_share) == (5, 16, round(100 * 5 / 21, 1))
    assert (rows[1].online, rows[1].other, rows[1].online_share) == (
        0,
        {"paper": 0, "in_person": 0, "email": 3, "phone": 0},
        0.0,
    )
    assert rows[2].online_share is None  # nothing at all: no share
    only_a = indicators.channel_rows(t, year=2025, grain="quartal", service=A)[0]
    assert (only_a.online, only_a.other) == (4, {"paper": 4, "in_person": 0, "email": 0, "phone": 2})


def test_media_break_by_hand(world: dict[str, Any]) -> None:
    t = world["tenant"]
    rows = indicators.media_break_rows(t, year=2025, grain="quartal")
    first = rows[0]
    assert (first.decided, first.filed, first.fee_due, first.paid_online, first.without_break) == (4, 3, 2, 1, 2)
    assert first.share == 50.0
    second = rows[1]  # W-1: filed, fee first, never paid
    assert (second.decided, second.filed, second.fee_due, second.paid_online, second.without_break) == (1, 1, 1, 0, 0)
    assert indicators.media_break_rows(t, year=2025, grain="quartal", service=W)[0].decided == 0


def test_logins_and_coverage_by_hand(world: dict[str, Any]) -> None:
    t = world["tenant"]
    logins = indicators.login_rows(t, year=2025, grain="quartal")
    assert logins[0].by_level == {"none": 0, "low": 2, "substantial": 1, "high": 0}
    assert logins[1].by_level["high"] == 1 and logins[1].total == 1
    assert indicators.logins_by_source(t, year=2025) == [
        ("password", "low", 2),
        ("servicekonto", "substantial", 1),
        ("servicekonto", "high", 1),
    ]
    cov = indicators.coverage_rows(t, year=2025, grain="quartal")[0]
    assert (cov.documents, cov.cases, cov.units, cov.staff) == (4, 4, 2, 2)
    only = indicators.coverage_rows(t, year=2025, grain="quartal", unit="FB50")[0]
    assert (only.documents, only.cases, only.units, only.staff) == (1, 1, 1, 0)
    assert indicators.coverage_by_unit(t, year=2025) == [("FB33", 3, 3, 2), ("FB50", 1, 1, 0)]


def test_dashboard_shows_every_indicator(world: dict[str, Any]) -> None:
    page = staff_client(world["digi"]).get(URL, {"jahr": "2025", "art": "quartal"}).content.decode()
    assert page.count('class="steering-bars"') == 6
    for heading in (
        "Online und auf anderen Kanälen",
        "Ohne Medienbruch entschieden",
        "Anmeldungen nach Vertrauensniveau",
        "E-Akte: elektronisch abgelegte Dokumente",
    ):
        assert heading in page
    assert "2025 kamen für alle Leistungen 5 Fälle online und 19 auf anderen Kanälen" in page
    assert "Von 5 2025 beschiedenen Online-Anträgen (alle Leistungen) liefen 2 ohne Medienbruch" in page
    assert "4-mal an, davon 2-mal mit substanziellem oder hohem" in page
    assert (
        "2025 wurden 4 Dokumente elektronisch abgelegt (alle Organisationseinheiten); 2 Organisationseinheiten" in page
    )
    assert '<th scope="row" class="kern-table__header">FB33</th>' in page
    assert "Anmeldungen 2025 nach Weg und Vertrauensniveau" in page
    by_source = '<th scope="row" class="kern-table__header">servicekonto</th><td class="kern-table__cell'
    assert by_source + ' kern-table__cell--numeric">substanziell</td>' in page
    fb50 = staff_client(world["digi"]).get(URL, {"jahr": "2025", "einheit": "FB50"}).content.decode()
    assert "1 Dokumente elektronisch abgelegt (Soziales)" in fb50
    unknown = staff_client(world["digi"]).get(URL, {"jahr": "2025", "einheit": "<x>"})
    assert unknown.status_code == 200 and "(alle Organisationseinheiten)" in unknown.content.decode()


def test_exports_carry_the_indicators(world: dict[str, Any]) -> None:
    client = staff_client(world["admin"])
    data = json.loads(client.get(URL + "export.json", {"jahr": "2025"}).content)
    assert data["channels"][0]["other_total"] == 16 and data["channels"][0]["online"] == 5
    assert data["media_break"][0]["without_media_break"] == 2
    assert data["logins"][0] == {
        "period": "Q1 2025",
        "logins_none": 0,
        "logins_low": 2,
        "logins_substantial": 1,
        "logins_high": 0,
        "logins": 3,
    }
    assert data["e_akte"][0] == {
        "period": "Q1 2025",
        "documents_filed": 4,
        "cases_opened": 4,
        "units_filing": 2,
        "staff_filing": 2,
    }
    lines = client.get(URL + "export.csv", {"jahr": "2025"}).content.decode("utf-8-sig").split("\r\n")
    assert lines[0].endswith(
        "Andere Kanäle;Online-Anteil Prozent;Ohne Medienbruch;Ohne Medienbruch Prozent;Anmeldungen;"
        "Anmeldungen substanziell oder hoch;Dokumente E-Akte;Einheiten mit Ablage;Beschäftigte mit Ablage"
    )
    assert lines[1].endswith(";16;23,8;2;50,0;3;1;4;2;2")


def test_other_town_sees_none_of_it(world: dict[str, Any], other_tenant: Any) -> None:
    assert indicators.channel_rows(other_tenant, year=2025, grain="quartal")[0].online == 0
    assert indicators.media_break_rows(other_tenant, year=2025, grain="quartal")[0].decided == 0
    assert indicators.login_rows(other_tenant, year=2025, grain="quartal")[0].total == 0
    assert indicators.coverage_by_unit(other_tenant, year=2025) == []


def test_grouped_chart_escapes_and_names_every_bar() -> None:
    svg = figure_chart.grouped(
        "c", "T <b>", "D & d", ["Q1", "<script>"], [("online", [5, 0], "#000"), ("andere", [16, 3], "#111")]
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "T &lt;b&gt;" in svg and "D &amp; d" in svg
    assert svg.count("<rect") == 4 + 2  # two bars per label, two legend keys
    assert "<title>Q1, online: 5</title>" in svg and "<title>Q1, andere: 16</title>" in svg


def test_dashboard_channel_chart_shows_both_series(world: dict[str, Any]) -> None:
    page = staff_client(world["digi"]).get(URL, {"jahr": "2025", "art": "quartal"}).content.decode()
    assert "<title>Q1, online: 5</title>" in page and "<title>Q1, andere Kanäle: 16</title>" in page


def test_other_towns_dashboard_and_export_show_none_of_it(world: dict[str, Any], other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=other_tenant, key="FB10", name="Zentrale")
    client = Client(HTTP_HOST="beta.testserver")
    login_staff(client, staff_with(other_tenant, "digitalisation", unit, email="digi@beta.example"))
    page = client.get(URL, {"jahr": "2025"}).content.decode()
    assert "2025 kamen für alle Leistungen 0 Fälle online und 0 auf anderen Kanälen" in page
    assert "2025 wurden 0 Dokumente elektronisch abgelegt" in page and "FB33" not in page
    data = json.loads(client.get(URL + "export.json", {"jahr": "2025"}).content)
    assert data["e_akte"][0]["documents_filed"] == 0 and data["logins"][0]["logins"] == 0
    assert client.get(URL, {"jahr": "2025", "einheit": "FB33"}).status_code == 200  # alpha's unit: unknown here
