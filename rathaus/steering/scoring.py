"""Prioritisation (seed 001: the board ranks the processes by their benefit against feasibility, budget and staff).

Each process gets a benefit and a feasibility between 0 and 100: the weighted mean of factors between 0 and 1,
with weights in per cent that the digitalisation unit sets (each group adds up to 100). The score is
benefit × feasibility ÷ 100, so a process must be both worth it and doable to rank high. Factors measured in
money or time are relative to the largest value in the catalog (cases on a log scale).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

BENEFIT = (
    ("cases", "Fallzahl"),
    ("reach", "Reichweite (Zielgruppen)"),
    ("legal", "Gesetzliche Pflicht und Frist"),
    ("deficits", "Defizite"),
    ("cost", "Personalkosten"),
)
FEASIBILITY = (
    ("automation", "Automatisierungsmöglichkeit"),
    ("it", "IT-Verfahren erweiterbar"),
    ("budget", "geringer Budgetbedarf"),
    ("staff", "geringer Personalbedarf"),
)
DEFAULT_WEIGHTS = {
    "cases": 30, "reach": 15, "legal": 25, "deficits": 15, "cost": 15,
    "automation": 35, "it": 25, "budget": 20, "staff": 20,
}  # fmt: skip
# How much a target group counts for reach: the public first (seed 001: highest benefit for user groups).
REACH = {"citizens": 1.0, "businesses": 0.8, "institutions": 0.4, "politics": 0.3}


@dataclass(frozen=True)
class Facts:
    """What the score needs of a process."""

    key: str
    name: str
    cases_per_year: int = 0
    target_groups: Sequence[str] = ()
    digital_duty: bool = False
    digital_duty_due: dt.date | None = None
    deficit_level: int = 0
    cost_per_year: Decimal | None = None
    automation_potential: int = 0
    it_extension_potential: int = 0
    budget_need_teur: Decimal | None = None
    staff_need_days: int | None = None


@dataclass(frozen=True)
class Scored:
    facts: Facts
    benefit: float
    feasibility: float
    score: float
    rank: int = 0
    factors: Mapping[str, float] = field(default_factory=dict)


def parse_weights(raw: Mapping[str, object]) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Weights from a form; errors per field and per group (a group that does not add up to 100)."""
    weights: dict[str, int] = {}
    errors: list[dict[str, str]] = []
    for key, label in (*BENEFIT, *FEASIBILITY):
        value = raw.get(key)
        text = str(value if value is not None else DEFAULT_WEIGHTS[key]).strip()
        if not text.isdigit() or not text.isascii() or int(text) > 100:
            errors.append({"field": key, "message": f"{label}: bitte eine ganze Zahl von 0 bis 100 angeben."})
            continue
        weights[key] = int(text)
    if not errors:
        for group, name in ((BENEFIT, "Nutzens"), (FEASIBILITY, "Umsetzbarkeit")):
            total = sum(weights[key] for key, _label in group)
            if total != 100:
                errors.append(
                    {"field": group[0][0], "message": f"Die Gewichte des {name} ergeben {total} statt 100 Prozent."}
                )
    return weights, errors


def _legal(facts: Facts, today: dt.date) -> float:
    if not facts.digital_duty:
        return 0.0
    if facts.digital_duty_due is None:
        return 0.8
    months = (facts.digital_duty_due - today).days / 30.4
    if months <= 12:
        return 1.0  # overdue or due within a year
    if months <= 36:
        return 0.8
    return 0.6


def _relative(value: Decimal | int | None, largest: float) -> float | None:
    if value is None:
        return None
    return float(value) / largest if largest > 0 else 0.0


def score(processes: Sequence[Facts], weights: Mapping[str, int], *, today: dt.date) -> list[Scored]:
    """The processes ranked: highest score first; ties by benefit, then by key. Ranks start at 1."""
    most_cases = max((p.cases_per_year for p in processes), default=0)
    most_cost = max((float(p.cost_per_year or 0) for p in processes), default=0.0)
    most_budget = max((float(p.budget_need_teur or 0) for p in processes), default=0.0)
    most_staff = max((float(p.staff_need_days or 0) for p in processes), default=0.0)
    scored = []
    for p in processes:
        budget = _relative(p.budget_need_teur, most_budget)
        staff = _relative(p.staff_need_days, most_staff)
        factors = {
            "cases": math.log1p(p.cases_per_year) / math.log1p(most_cases) if most_cases else 0.0,
            "reach": min(1.0, sum(REACH.get(g, 0.0) for g in set(p.target_groups))),
            "legal": _legal(p, today),
            "deficits": p.deficit_level / 3,
            "cost": _relative(p.cost_per_year, most_cost) or 0.0,
            "automation": p.automation_potential / 3,
            "it": p.it_extension_potential / 3,
            # Unknown need counts as middling: neither rewarded nor punished for a missing figure.
            "budget": 0.5 if budget is None else 1.0 - budget,
            "staff": 0.5 if staff is None else 1.0 - staff,
        }
        benefit = sum(weights[k] * factors[k] for k, _label in BENEFIT)
        feasibility = sum(weights[k] * factors[k] for k, _label in FEASIBILITY)
        scored.append(
            Scored(
                facts=p,
                benefit=round(benefit, 1),
                feasibility=round(feasibility, 1),
                score=round(benefit * feasibility / 100, 1),
                factors=factors,
            )
        )
    scored.sort(key=lambda s: (-s.score, -s.benefit, s.facts.key))
    return [
        Scored(facts=s.facts, benefit=s.benefit, feasibility=s.feasibility, score=s.score, rank=i, factors=s.factors)
        for i, s in enumerate(scored, start=1)
    ]


def quadrant(s: Scored) -> str:
    high_benefit, feasible = s.benefit >= 50, s.feasibility >= 50
    if high_benefit and feasible:
        return "Zuerst umsetzen"
    if high_benefit:
        return "Wichtig, aber aufwendig"
    if feasible:
        return "Leicht umzusetzen"
    return "Zurückstellen"
