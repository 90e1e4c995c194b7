"""Concurrent submits get an answer each: one number per draft, distinct gap-free numbers across drafts.

The embedded mode (one SQLite file, several gunicorn workers) is a production setup, so "database is
locked" is a failure there like any other. The suite's own SQLite database is an in-memory database with a
shared cache, whose table locks behave unlike a file's (they do not wait for the busy timeout), so the burst
runs in a child process on a database of its own: a SQLite file opened with the embedded settings, or a
dedicated PostgreSQL database when the suite runs on PostgreSQL (see concurrent_submit.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.durability.harness import ServerDatabase, run_module
from tests.durability.harness import own_database as harness_own_database

DRAFTS = 6
CLICKS = 3  # a double click, and one more


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[ServerDatabase, dict[str, str]]]:
    with harness_own_database(tmp_path, "rathaus_concurrent") as pair:
        yield pair


@pytest.mark.slow
def test_concurrent_submits_all_get_an_answer_and_gap_free_numbers(
    own_database: tuple[ServerDatabase, dict[str, str]], tmp_path: Path
) -> None:
    db, env = own_database
    out = tmp_path / "answers.json"
    run_module(
        env, "rathaus.applications.tests.concurrent_submit", "--drafts", str(DRAFTS), "--clicks", str(CLICKS),
        "--out", str(out),
    )  # fmt: skip
    answers: dict[str, list[str]] = json.loads(out.read_text())

    failures = [a for per_draft in answers.values() for a in per_draft if not a.startswith("number=")]
    assert failures == [], f"{db.vendor}: {failures}"
    assert all(len(per_draft) == CLICKS for per_draft in answers.values()), answers
    numbers = {uuid: {a.removeprefix("number=") for a in per_draft} for uuid, per_draft in answers.items()}
    assert all(len(n) == 1 for n in numbers.values()), f"one draft, several numbers: {numbers}"
    year = dt.datetime.now(ZoneInfo("Europe/Berlin")).year
    assert sorted(n.pop() for n in numbers.values()) == [f"A-{year}-{i:06d}" for i in range(1, DRAFTS + 1)]

    stored = db.query("SELECT draft_uuid, number FROM applications_application")
    assert len(stored) == DRAFTS
    by_draft: dict[str, Any] = {str(uuid).replace("-", ""): number for uuid, number in stored}
    assert by_draft == {
        uuid.replace("-", ""): per_draft[0].removeprefix("number=") for uuid, per_draft in answers.items()
    }
    assert db.query("SELECT last FROM applications_numbersequence") == [(DRAFTS,)]
