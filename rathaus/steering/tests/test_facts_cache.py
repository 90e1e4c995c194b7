"""Figures are computed once per state of a municipality's facts: again after a change, not after a change
that was rolled back, and never shared between municipalities."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from rathaus.steering import facts_cache

pytestmark = pytest.mark.django_db


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        return {"value": self.calls}


def test_computed_once_until_the_facts_change(tenant: Any) -> None:
    compute = Counter()
    assert facts_cache.cached(tenant.pk, "dashboard:2026", compute) == {"value": 1}
    assert facts_cache.cached(tenant.pk, "dashboard:2026", compute) == {"value": 1}
    assert compute.calls == 1
    facts_cache.changed(tenant.pk)
    assert facts_cache.cached(tenant.pk, "dashboard:2026", compute) == {"value": 2}
    facts_cache.changed(tenant.pk)
    facts_cache.changed(tenant.pk)
    assert facts_cache.generation(tenant.pk) == 3
    assert facts_cache.cached(tenant.pk, "dashboard:2026", compute) == {"value": 3}
    # another key (another filter) is computed on its own
    assert facts_cache.cached(tenant.pk, "dashboard:2025", compute) == {"value": 4}


def test_a_change_that_is_rolled_back_keeps_the_figures(tenant: Any) -> None:
    compute = Counter()
    facts_cache.cached(tenant.pk, "k", compute)
    with pytest.raises(RuntimeError), transaction.atomic():
        facts_cache.changed(tenant.pk)
        raise RuntimeError("the writer failed")
    assert facts_cache.cached(tenant.pk, "k", compute) == {"value": 1}
    assert compute.calls == 1


def test_municipalities_have_their_own_figures_and_generations(tenant: Any, other_tenant: Any) -> None:
    ours, theirs = Counter(), Counter()
    facts_cache.cached(tenant.pk, "k", ours)
    facts_cache.cached(other_tenant.pk, "k", theirs)
    facts_cache.changed(other_tenant.pk)
    assert facts_cache.cached(tenant.pk, "k", ours) == {"value": 1}  # their change is not ours
    assert facts_cache.cached(other_tenant.pk, "k", theirs) == {"value": 2}
    assert (facts_cache.generation(tenant.pk), facts_cache.generation(other_tenant.pk)) == (0, 1)
