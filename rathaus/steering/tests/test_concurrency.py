"""Simultaneous writes to the process catalog: one new process per number, one save per opened version.

Runs ``concurrent_edits.py`` in a child process against a database of its own (SQLite file or PostgreSQL,
following the suite) — real connections and real locks, not the test transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.durability.harness import ServerDatabase, run_module
from tests.durability.harness import own_database as harness_own_database


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[ServerDatabase, dict[str, str]]]:
    with harness_own_database(tmp_path, "rathaus_steering") as pair:
        yield pair


@pytest.mark.slow
def test_simultaneous_imports_and_edits_never_duplicate_or_overwrite(
    own_database: tuple[ServerDatabase, dict[str, str]], tmp_path: Path
) -> None:
    _db, env = own_database
    out = tmp_path / "result.json"
    run_module(env, "rathaus.steering.tests.concurrent_edits", "--threads", "4", "--out", str(out))
    result = json.loads(out.read_text())
    assert result["errors"] == []
    # Exactly one import created the process; the others updated it or were told to try again.
    assert result["processes"] == 1
    assert sum(o == "created=1 updated=0" for o in result["imports"]) == 1, result["imports"]
    assert all(
        o.startswith(("created=0", "refused: Ein anderer Import")) for o in result["imports"] if "created=1" not in o
    )
    # Exactly one form saved on version 1; the others were told someone changed it meanwhile.
    assert result["edits"].count("saved") == 1, result["edits"]
    assert all("inzwischen" in o or "gleichzeitig" in o for o in result["edits"] if o != "saved"), result["edits"]
    assert result["versions_old"] == [2, 1]
    assert result["versions_new"] == list(range(len(result["versions_new"]), 0, -1))  # gap-free, no doubles
