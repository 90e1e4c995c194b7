"""Trust levels are ordered none < low < substantial < high; anything unknown counts as no login at all."""

from __future__ import annotations

import pytest

from rathaus.identity.trust import TrustLevel, rank, satisfies


def test_levels_are_ordered() -> None:
    assert [rank(level) for level in ("none", "low", "substantial", "high")] == [0, 1, 2, 3]


@pytest.mark.parametrize("level", [None, "", "bogus", "HIGH", "eidas-high"])
def test_an_unknown_or_missing_level_ranks_like_no_login(level: str | None) -> None:
    assert rank(level) == 0


@pytest.mark.parametrize("level", [None, "bogus"])
def test_an_unknown_or_missing_level_satisfies_only_none(level: str | None) -> None:
    assert satisfies(level, TrustLevel.NONE)
    assert not satisfies(level, TrustLevel.LOW)
    assert not satisfies(level, TrustLevel.SUBSTANTIAL)
