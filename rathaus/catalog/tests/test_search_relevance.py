"""Search relevance on the demo catalog stays above a floor: the held-out list of 100 citizen queries
(bench/search_queries.csv; measured and explained by bench/search_relevance.py, docs/performance.md)."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rathaus.catalog import selectors
from rathaus.catalog.models import Service

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[3] / "bench"


@cache
def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("search_relevance", BENCH / "search_relevance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo() -> Any:
    return _bench().load_demo_catalog()


def test_held_out_queries_find_the_right_service_in_the_first_three(demo: Any) -> None:
    bench = _bench()
    queries = bench.read_queries(bench.HELD_OUT)
    assert len(queries) == 100
    result = bench.evaluate(demo, queries)
    misses = [f"{q!r} → {hits}" for q, _, hits in result.misses]
    assert result.precision_at_3 >= 0.9, misses
    assert result.precision_at_1 >= 0.85, misses


def test_held_out_and_tuning_lists_do_not_overlap() -> None:
    bench = _bench()
    held_out = {q.casefold() for q, _ in bench.read_queries(bench.HELD_OUT)}
    tuning = {q.casefold() for q, _ in bench.read_queries(bench.TUNING)}
    assert not held_out & tuning


def test_every_expected_service_exists_in_the_demo(demo: Any) -> None:
    bench = _bench()
    slugs = set(Service.objects.for_tenant(demo).values_list("slug", flat=True))
    for path in (bench.HELD_OUT, bench.TUNING):
        for query, expected in bench.read_queries(path):
            assert set(expected) <= slugs, (path.name, query, expected)


def _names(tenant: Any, query: str) -> list[str]:
    return [s.slug for s in selectors.search_services(tenant, query)]


@pytest.mark.parametrize("query", ["Hund", "Ummeldung", "Hund anmelden"])
def test_a_word_does_not_list_every_service_that_shares_a_verb(demo: Any, query: str) -> None:
    # The issue: "Hund" and "Ummeldung" both listed "Eheschließung anmelden".
    hits = _names(demo, query)
    assert hits and "eheschliessung-anmelden" not in hits and "kita-platz-anmelden" not in hits, hits


@pytest.mark.parametrize(
    ("query", "expected"),
    [("dog", "hund-anmelden"), ("register a dog", "hund-anmelden"), ("passport", "reisepass-beantragen")],
)
def test_english_words_find_the_german_service(demo: Any, query: str, expected: str) -> None:
    assert _names(demo, query)[:1] == [expected]
