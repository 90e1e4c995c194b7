"""Live figures from events (issue 10): the fact tables fed by application.submitted, decision.issued and
payment.paid; a replay changes nothing; the backfill rebuilds them; the figures of a small known world,
computed by hand; the dashboard, its exports and who may see them; no municipality sees another's figures."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.core import events
from rathaus.core.models import Event
from rathaus.identity.tests.factories import login_staff
from rathaus.steering import figures
from rathaus.steering.backfill import backfill
from rathaus.steering.consumers import HANDLERS
from rathaus.steering.models import ApplicationFact, PaymentFact
from rathaus.steering.models_facts import ApplicationMonth

pytestmark = pytest.mark.django_db

A = "99115005104000"  # Wohnsitz anmelden (town fixture)
W = "99107001000000"  # Wohngeld


def at(month: int, day: int, hour: int = 10, year: int = 2025) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def emit(tenant: Any, kind: str, subject: str, payload: dict[str, Any], when: dt.datetime) -> Event:
    """Publish as the owning module does (inside a transaction), dated ``when``, and deliver it."""
    with transaction.atomic():
        event = events.publish(tenant, kind, subject, payload)
    Event.all_tenants.filter(pk=event.pk).update(created_at=when)
    events.deliver_event(event.pk)
    return event


def submitted(tenant: Any, number: str, service: str, when: dt.datetime) -> Event:
    payload = {"number": number, "service": service, "forwardable": True}
    return emit(tenant, "application.submitted", number, payload, when)


def decided(tenant: Any, number: str, when: dt.datetime) -> Event:
    payload = {"decision": f"B-{uuid.uuid4().hex[:6]}", "case": "C-1", "application_number": number, "sha256": "0" * 64}
    return emit(tenant, "decision.issued", payload["decision"], payload, when)


def paid(tenant: Any, reference: str, amount: str, when: dt.datetime) -> Event:
    payment = str(uuid.uuid4())
    payload = {"payment": payment, "reference": reference, "amount": amount, "paid_at": when.isoformat()}
    return emit(tenant, "payment.paid", payment, payload, when)


def build(tenant: Any) -> list[Event]:
    """2025 in one town. Q1: four applications of A decided after 2, 10, 4 and 1 days; Q2: W-1 decided after
    30 days, W-2 never (the backlog from 20 May 12:00); A-1 decided a second time in June (the first counts);
    a decision without application; payments 12.50 (A-2) in Q1, 30.00 (W-1) and 5.00 (no application) in Q2."""
    made = [
        submitted(tenant, "A-1", A, at(1, 10)), decided(tenant, "A-1", at(1, 12)),
        submitted(tenant, "A-2", A, at(1, 20)), decided(tenant, "A-2", at(1, 30)),
        submitted(tenant, "A-3", A, at(2, 1)), decided(tenant, "A-3", at(2, 5)),
        submitted(tenant, "A-4", A, at(3, 3)), decided(tenant, "A-4", at(3, 4)),
        submitted(tenant, "W-1", W, at(4, 1)), decided(tenant, "W-1", at(5, 1)),
        submitted(tenant, "W-2", W, at(5, 20, 12)),
        decided(tenant, "A-1", at(6, 1)), decided(tenant, "", at(6, 2)),
        paid(tenant, "A-2", "12.50", at(1, 21)), paid(tenant, "W-1", "30.00", at(4, 2)),
        paid(tenant, "SONST-7", "5.00", at(4, 3)),
    ]  # fmt: skip
    return made


def table(tenant: Any, grain: str = "quartal", service: str = "") -> list[dict[str, object]]:
    return [r.as_dict() for r in figures.figures(tenant, year=2025, grain=grain, service=service)]


@pytest.fixture
def world(town: dict[str, Any]) -> dict[str, Any]:
    town["events"] = build(town["tenant"])
    return town


def test_quarters_of_a_known_world(world: dict[str, Any]) -> None:
    q1, q2, q3, q4 = table(world["tenant"])
    # Q1: durations 1, 2, 4, 10 days -> median (2 + 4) / 2 = 3; nearest-rank p90: ceil(0.9 * 4) = 4th -> 10
    assert (q1["submitted"], q1["decided"], q1["median_days"], q1["p90_days"]) == (4, 4, 3.0, 10.0)
    assert (q1["backlog"], q1["backlog_age_days"], q1["payments"], q1["paid_amount"]) == (0, None, 1, "12.50")
    # Q2: W-1 after 30 days; A-1's second decision does not count; W-2 waits from 20 May 12:00 to 1 July 0:00
    assert (q2["submitted"], q2["decided"], q2["median_days"], q2["p90_days"]) == (2, 1, 30.0, 30.0)
    assert (q2["backlog"], q2["backlog_age_days"], q2["payments"], q2["paid_amount"]) == (1, 41.5, 2, "35.00")
    # Q3: nothing new; W-2 still waiting at 1 October: 41.5 + 92 days
    assert (q3["submitted"], q3["decided"], q3["median_days"], q3["backlog"], q3["backlog_age_days"]) == (
        0, 0, None, 1, 133.5,
    )  # fmt: skip
    assert q4["period"] == "Q4 2025" and q4["end"] == "2025-12-31"


def test_filters_by_service_and_grain(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    a_q1, a_q2, *_rest = table(tenant, service=A)
    assert (a_q1["submitted"], a_q1["median_days"], a_q1["payments"], a_q1["paid_amount"]) == (4, 3.0, 1, "12.50")
    assert (a_q2["submitted"], a_q2["decided"], a_q2["backlog"], a_q2["payments"]) == (0, 0, 0, 0)
    w_q2 = table(tenant, service=W)[1]
    # the payment without an application counts for all services only
    assert (w_q2["submitted"], w_q2["median_days"], w_q2["payments"], w_q2["paid_amount"]) == (2, 30.0, 1, "30.00")
    months = table(tenant, grain="monat")
    assert len(months) == 12 and [m["submitted"] for m in months[:5]] == [2, 1, 1, 1, 1]
    # January: A-1 after 2 days, A-2 after 10 -> median 6, p90 the 2nd value
    assert (months[0]["median_days"], months[0]["p90_days"]) == (6.0, 10.0)
    first, second = table(tenant, grain="halbjahr")
    assert (first["period"], first["submitted"], first["decided"], first["median_days"]) == (
        "1. Halbjahr 2025",
        6,
        5,
        4.0,
    )
    assert second["backlog"] == 1


def test_a_replayed_event_changes_nothing(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    before = table(tenant, grain="monat")
    rows = (ApplicationFact.all_tenants.count(), PaymentFact.all_tenants.count())
    for event in world["events"]:  # every event delivered a second time, as at-least-once delivery may
        HANDLERS[event.kind](Event.all_tenants.get(pk=event.pk), events.registry.kind(event.kind).parse(event.payload))
    assert table(tenant, grain="monat") == before
    assert (ApplicationFact.all_tenants.count(), PaymentFact.all_tenants.count()) == rows == (6, 3)


def test_events_in_any_order_give_the_same_facts(town: dict[str, Any]) -> None:
    tenant = town["tenant"]
    decided(tenant, "X-1", at(2, 3))  # the decision arrives before its submission
    submitted(tenant, "X-1", A, at(2, 1))
    fact = ApplicationFact.objects.for_tenant(tenant).get(number="X-1")
    assert (fact.service, fact.submitted_at, fact.decided_at) == (A, at(2, 1), at(2, 3))
    assert table(tenant)[0]["median_days"] == 2.0


def test_backfill_rebuilds_the_tables_from_the_events(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    before = table(tenant, grain="monat")
    for model in (ApplicationFact, ApplicationMonth, PaymentFact):  # the facts and their month totals lost
        model.all_tenants.all().delete()
    assert table(tenant)[0]["submitted"] == 0
    call_command("steering_backfill")
    assert table(tenant, grain="monat") == before
    counts = backfill()
    assert counts == {
        "application.submitted": 6, "decision.issued": 7, "payment.paid": 3,
        "identity.login": 0, "case.opened": 0, "document.filed": 0,
    }  # fmt: skip
    assert table(tenant, grain="monat") == before


def test_backfill_of_one_town_leaves_the_other(world: dict[str, Any], other_tenant: Any) -> None:
    submitted(other_tenant, "A-1", A, at(1, 5))
    PaymentFact.all_tenants.filter(tenant=other_tenant).delete()
    call_command("steering_backfill", "--tenant", "alpha")
    assert ApplicationFact.objects.for_tenant(other_tenant).count() == 1
    assert table(world["tenant"])[0]["submitted"] == 4


def test_one_town_never_counts_anothers_events(world: dict[str, Any], other_tenant: Any) -> None:
    for n in range(3):  # the same numbers in Beta, submitted and decided at other times
        submitted(other_tenant, f"A-{n + 1}", A, at(1, 2))
        decided(other_tenant, f"A-{n + 1}", at(3, 28))
    paid(other_tenant, "A-2", "99.00", at(1, 3))
    q1 = table(world["tenant"])[0]
    assert (q1["submitted"], q1["median_days"], q1["paid_amount"]) == (4, 3.0, "12.50")
    beta_q1 = table(other_tenant)[0]
    assert (beta_q1["submitted"], beta_q1["decided"], beta_q1["paid_amount"]) == (3, 3, "99.00")
    client = staff_client(world["digi"])
    page = client.get("/intern/steuerung/kennzahlen/?jahr=2025").content.decode()
    assert "99,00" not in page and "99.00" not in page


def test_nearest_rank() -> None:
    assert figures.nearest_rank([5.0], 0.9) == 5.0
    assert figures.nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert figures.nearest_rank([10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11], 0.9) == 10


def staff_client(user: Any) -> Client:
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, user)
    return client


URL = "/intern/steuerung/kennzahlen/"


def test_dashboard_shows_the_figures_with_charts_tables_and_summaries(world: dict[str, Any]) -> None:
    response = staff_client(world["digi"]).get(URL, {"jahr": "2025", "art": "quartal"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="steering-bars"') == 6 and 'role="img"' in page  # 2 here, 4 in test_indicators
    assert "2025 gingen für alle Leistungen 6 Anträge online ein; am meisten im Zeitraum Q1 2025 (4)" in page
    assert "längste mittlere Bearbeitungszeit (Median) hatte Q2 2025 mit 30,0 Tagen" in page
    assert '<th scope="row" class="kern-table__header">Q2 2025</th>' in page
    assert "41,5" in page and "35,00" in page
    only_w = staff_client(world["digi"]).get(URL, {"jahr": "2025", "leistung": W}).content.decode()
    assert "für Wohngeld 2 Anträge" in only_w


def test_dashboard_falls_back_on_unknown_filters(world: dict[str, Any]) -> None:
    page = staff_client(world["admin"]).get(URL, {"jahr": "zwei", "art": "woche", "leistung": "99"})
    assert page.status_code == 200
    assert f"{timezone.localdate().year} gingen für alle Leistungen" in page.content.decode()


def test_exports(world: dict[str, Any]) -> None:
    client = staff_client(world["digi"])
    data = json.loads(client.get(URL + "export.json", {"jahr": "2025", "art": "halbjahr"}).content)
    assert data["grain"] == "halbjahr" and data["service"] is None
    assert data["periods"][0] == {
        "period": "1. Halbjahr 2025", "start": "2025-01-01", "end": "2025-06-30", "submitted": 6, "decided": 5,
        "median_days": 4.0, "p90_days": 30.0, "backlog": 1, "backlog_age_days": 41.5, "payments": 3,
        "paid_amount": "47.50",
    }  # fmt: skip
    response = client.get(URL + "export.csv", {"jahr": "2025", "leistung": A})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="kennzahlen-2025-quartal-99115005104000.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Zeitraum;Beginn;Ende;Leistung;Online-Anträge")
    assert lines[1].startswith("Q1 2025;2025-01-01;2025-03-31;99115005104000;4;4;3,0;10,0;0;;1;12,50;")


@pytest.mark.parametrize("who", ["lead", "clerk"])
def test_only_the_digitalisation_unit_and_the_administration(world: dict[str, Any], who: str) -> None:
    client = staff_client(world[who])
    for path in (URL, URL + "export.csv", URL + "export.json"):
        assert client.get(path).status_code == 403
    anonymous = Client(HTTP_HOST="alpha.testserver").get(URL)
    assert anonymous.status_code == 302 and "/intern/" in anonymous["Location"]
    assert staff_client(world["admin"]).get(URL + "export.json").status_code == 200


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=20))
def test_any_filter_text_answers_a_page(town: dict[str, Any], value: str) -> None:
    client = staff_client(town["digi"])
    for key in ("jahr", "art", "leistung"):
        assert client.get(URL, {key: value}).status_code in (200, 400)


def test_the_dashboard_is_computed_once_per_state_of_the_facts(world: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(world["digi"])
    query = {"jahr": "2025", "art": "quartal"}
    assert "6 Anträge online ein" in client.get(URL, query).content.decode()
    with CaptureQueriesContext(connection) as warm:
        page = client.get(URL, query).content.decode()
    assert "6 Anträge online ein" in page
    read = [q["sql"] for q in warm.captured_queries if "steering_applicationfact" in q["sql"]]
    assert read == [], read  # the figures came from the cache
    submitted(world["tenant"], "A-9", A, at(2, 10))  # a new fact: the consumer moves the generation on
    assert "7 Anträge online ein" in client.get(URL, query).content.decode()
    # the export reads the same cached figures, and the new ones
    assert json.loads(client.get(URL + "export.json", query).content)["periods"][0]["submitted"] == 5
