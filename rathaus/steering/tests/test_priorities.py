"""Prioritisation: the score, weights that must add up, the preview without saving, frozen board decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.identity.tests.factories import login_staff
from rathaus.steering import scoring, selectors, services
from rathaus.steering.models import BoardDecision, ImmutableRecord, PriorityWeights

from .factories import make_process

TODAY = dt.date(2026, 6, 30)


def facts(key: str, **over: Any) -> scoring.Facts:
    return scoring.Facts(key=key, name=key, **over)


def test_a_process_that_is_worth_it_and_doable_ranks_first() -> None:
    ranked = scoring.score(
        [
            facts("gering", cases_per_year=50, automation_potential=3, it_extension_potential=3),
            facts("wichtig", cases_per_year=20000, target_groups=("citizens",), digital_duty=True,
                  digital_duty_due=dt.date(2026, 12, 31), deficit_level=3, automation_potential=3,
                  it_extension_potential=2),
            facts("schwer", cases_per_year=20000, target_groups=("citizens",), deficit_level=3,
                  budget_need_teur=Decimal(500), staff_need_days=300),
        ],
        scoring.DEFAULT_WEIGHTS,
        today=TODAY,
    )  # fmt: skip
    assert [s.facts.key for s in ranked] == ["wichtig", "gering", "schwer"]
    assert [s.rank for s in ranked] == [1, 2, 3]
    assert scoring.quadrant(ranked[0]) == "Zuerst umsetzen"


def test_a_legal_deadline_that_is_near_counts_more_than_a_far_one() -> None:
    near = facts("nah", digital_duty=True, digital_duty_due=dt.date(2026, 9, 1))
    far = facts("fern", digital_duty=True, digital_duty_due=dt.date(2031, 1, 1))
    none = facts("keine")
    ranked = {s.facts.key: s for s in scoring.score([near, far, none], scoring.DEFAULT_WEIGHTS, today=TODAY)}
    assert ranked["nah"].factors["legal"] > ranked["fern"].factors["legal"] > ranked["keine"].factors["legal"] == 0


def test_weights_must_add_up_to_100_per_group() -> None:
    _weights, errors = scoring.parse_weights({**scoring.DEFAULT_WEIGHTS, "cases": 20})
    assert errors == [{"field": "cases", "message": "Die Gewichte des Nutzens ergeben 90 statt 100 Prozent."}]
    _weights, errors = scoring.parse_weights({**scoring.DEFAULT_WEIGHTS, "budget": "-5", "staff": "1,5"})
    assert {e["field"] for e in errors} == {"budget", "staff"}
    weights, errors = scoring.parse_weights({k: str(v) for k, v in scoring.DEFAULT_WEIGHTS.items()})
    assert not errors and weights == scoring.DEFAULT_WEIGHTS


facts_strategy = st.builds(
    scoring.Facts,
    key=st.uuids().map(str),
    name=st.just("p"),
    cases_per_year=st.integers(0, 10_000_000),
    target_groups=st.lists(st.sampled_from(["citizens", "businesses", "politics", "institutions"])),
    digital_duty=st.booleans(),
    digital_duty_due=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
    deficit_level=st.integers(0, 3),
    automation_potential=st.integers(0, 3),
    it_extension_potential=st.integers(0, 3),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(facts_strategy, max_size=12), st.permutations(list(scoring.DEFAULT_WEIGHTS.values())))
def test_scores_stay_between_0_and_100_and_ranks_are_a_permutation(processes: list[Any], shuffled: list[int]) -> None:
    keys = list(scoring.DEFAULT_WEIGHTS)
    weights = dict(zip(keys, shuffled, strict=True))
    if sum(weights[k] for k, _l in scoring.BENEFIT) != 100 or sum(weights[k] for k, _l in scoring.FEASIBILITY) != 100:
        weights = scoring.DEFAULT_WEIGHTS
    ranked = scoring.score(processes, weights, today=TODAY)
    assert [s.rank for s in ranked] == list(range(1, len(processes) + 1))
    assert all(0 <= s.benefit <= 100 and 0 <= s.feasibility <= 100 and 0 <= s.score <= 100 for s in ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)


@pytest.mark.django_db
def test_preview_changes_the_ranking_without_saving_and_save_stores_it(town: dict[str, Any]) -> None:
    tenant = town["tenant"]
    make_process(tenant, key="A-1", name="Gutes IT-Verfahren", automation_potential="keine",
                 it_extension_potential="hoch")  # fmt: skip
    make_process(tenant, key="A-2", name="Gut automatisierbar", automation_potential="hoch",
                 it_extension_potential="keine")  # fmt: skip
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, town["digi"])

    def order(page: str) -> list[str]:
        table = page[page.index('id="rangfolge"') :]
        return sorted(["Gutes IT-Verfahren", "Gut automatisierbar"], key=table.index)

    assert order(client.get("/intern/steuerung/priorisierung/").content.decode())[0] == "Gut automatisierbar"
    it_first = {**scoring.DEFAULT_WEIGHTS, "automation": 0, "it": 100, "budget": 0, "staff": 0}
    page = client.get("/intern/steuerung/priorisierung/", it_first).content.decode()
    assert order(page)[0] == "Gutes IT-Verfahren"
    assert "Diese Gewichte speichern" in page
    assert not PriorityWeights.objects.for_tenant(tenant).exists()  # a preview saves nothing

    wrong = client.get("/intern/steuerung/priorisierung/", {**it_first, "cases": 20})
    assert wrong.status_code == 422
    assert "ergeben 90 statt 100 Prozent" in wrong.content.decode()

    assert client.post("/intern/steuerung/priorisierung/gewichte/", it_first).status_code == 302
    assert selectors.current_weights(tenant) == it_first
    # Weights that do not add up are refused on save too.
    client.post("/intern/steuerung/priorisierung/gewichte/", {**it_first, "automation": 99})
    assert selectors.current_weights(tenant) == it_first


@pytest.mark.django_db
def test_a_board_decision_freezes_the_ranking(town: dict[str, Any]) -> None:
    tenant = town["tenant"]
    process = make_process(tenant, key="A-1", name="Erster Prozess")
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, town["admin"])
    response = client.post(
        "/intern/steuerung/priorisierung/beschluss/", {"decided_on": "2026-05-12", "note": "Vorlage 2026/17"}
    )
    decision = BoardDecision.objects.for_tenant(tenant).get()
    assert response["Location"] == f"/intern/steuerung/beschluesse/{decision.uuid}/"
    assert decision.decided_on == dt.date(2026, 5, 12) and decision.ranking[0]["key"] == "A-1"
    # Changing the catalog later does not change what was decided.
    services.save_process(
        tenant=tenant, actor=None, process=process, allowed_units={"FB33": town["fb33"].pk},
        raw={"key": "A-1", "name": "Umbenannt", "org_unit": "FB33", "process_type": "Output"},
    )  # fmt: skip
    page = client.get(response["Location"]).content.decode()
    assert "Erster Prozess" in page and "Vorlage 2026/17" in page and "Umbenannt" not in page
    decision.note = "geändert"
    with pytest.raises(ImmutableRecord):
        decision.save()
    with pytest.raises(ImmutableRecord):
        decision.delete()
    # A date in the wrong format is refused with a message, nothing recorded.
    client.post("/intern/steuerung/priorisierung/beschluss/", {"decided_on": "12/05/2026"})
    assert BoardDecision.objects.for_tenant(tenant).count() == 1
