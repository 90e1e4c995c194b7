"""Journal details survive the database unchanged in what the hash covers — also PostgreSQL's ``jsonb``.

``jsonb`` keeps numbers as ``numeric``: ``1e16`` comes back as ``10000000000000000`` (an int to Python),
``-0.0`` as ``0.0``, and it refuses ``\\u0000`` in text. ``journal.record`` canonicalises such values before it
hashes and stores them, so ``rathaus audit verify`` finds the chain whole on both databases. Run this module
with DATABASE_URL=postgres://… as well (CI runs both).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.records import journal
from rathaus.records.journal import Actor
from rathaus.records.models import JournalEntry

ACTOR = Actor(id=7, label="sachbearbeitung@musterstadt.de", role="caseworker")

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _record(tenant: Any, detail: Any) -> JournalEntry:
    return journal.record(
        tenant_id=tenant.pk, actor=ACTOR, action="case.read", object_type="case", object_id="1", detail=detail
    )


@pytest.mark.django_db
def test_numbers_jsonb_rewrites_and_text_it_refuses_verify(tenant: Any) -> None:
    details = [
        {"big": 1e16, "huge": 1e300, "neg_zero": -0.0, "tiny": 5e-324, "small": 1.5e-07, "plain": 1.0},
        {"int": 2**70, "negative": -(2**65), "list": [1e22, -0.0, 0.1]},
        {"nul": "a\x00b", "surrogate": "\ud800x", "key\x00": 1, "umlaut": "Größe ✓ 𝄞"},
    ]
    entries = [_record(tenant, detail) for detail in details]
    assert journal.verify(tenant.pk).ok, journal.verify(tenant.pk)
    stored = [JournalEntry.objects.get(pk=e.pk).detail for e in entries]
    assert stored == [e.detail for e in entries]  # what was hashed is what the database gives back
    assert stored[0]["big"] == 10**16 and stored[0]["huge"] == int(1e300) and stored[0]["small"] == 1.5e-07
    assert stored[0]["neg_zero"] == 0 and math.copysign(1, stored[0]["neg_zero"]) == 1
    assert stored[2]["nul"] == "a\ufffdb" and stored[2]["surrogate"] == "\ufffdx" and "key\ufffd" in stored[2]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_and_nothing_is_written(tenant: Any, bad: float) -> None:
    with pytest.raises(ValueError):
        _record(tenant, {"value": [bad]})
    assert not JournalEntry.objects.filter(tenant_id=tenant.pk).exists()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(detail=st.dictionaries(st.text(max_size=8), JSON, max_size=5))
def test_any_json_detail_verifies(tenant: Any, detail: dict[str, Any]) -> None:
    entry = _record(tenant, detail)
    assert JournalEntry.objects.get(pk=entry.pk).detail == entry.detail
    result = journal.verify(tenant.pk)
    assert result.ok, (result, detail)
