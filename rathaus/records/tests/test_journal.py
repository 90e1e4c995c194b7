"""The audit journal: a hash chain that names the first changed, deleted, reordered or cut-off entry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.records import journal
from rathaus.records.journal import Actor
from rathaus.records.models import ImmutableRow, JournalEntry, JournalHead
from tests.durability.harness import ServerDatabase, run_module
from tests.durability.harness import own_database as harness_own_database

ACTOR = Actor(id=7, label="sachbearbeitung@musterstadt.de", role="caseworker", remote_addr="192.0.2.1")


def fill(tenant: Any, n: int = 10) -> list[JournalEntry]:
    return [
        journal.record(
            tenant_id=tenant.pk,
            actor=ACTOR,
            action="case.read",
            object_type="case",
            object_id=f"32.10.01-2026-{i:06d}/1",
            detail={"n": i, "Umlaut": "Größe"},
        )
        for i in range(1, n + 1)
    ]


def entries(tenant: Any) -> Any:
    return JournalEntry.objects.filter(tenant=tenant)


@pytest.mark.django_db
def test_an_untouched_chain_verifies(tenant: Any, other_tenant: Any) -> None:
    fill(tenant)
    fill(other_tenant, 3)
    assert journal.verify(tenant.pk) == journal.VerifyResult(tenant.pk, 10, True)
    assert journal.verify(other_tenant.pk).entries == 3  # a chain per municipality


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [
        ("actor", "jemand-anderes"),
        ("action", "case.closed"),
        ("object_id", "x"),
        ("outcome", "refused"),
        ("remote_addr", "203.0.113.9"),
        ("detail", {"n": 99}),
        ("at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        ("actor_id", 8),
        ("role", "admin"),
        ("object_type", "file"),
    ],
)
def test_changing_any_field_of_a_row_is_detected_at_that_row(tenant: Any, field: str, value: Any) -> None:
    fill(tenant)
    entries(tenant).filter(seq=4).update(**{field: value})  # directly in the database, past the model
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq) == (False, 4)


@pytest.mark.django_db
def test_rewriting_a_row_with_a_fresh_hash_breaks_the_next_link(tenant: Any) -> None:
    fill(tenant)
    row = entries(tenant).get(seq=4)
    canonical = journal._canonical(
        tenant_id=tenant.pk, seq=4, at=row.at, actor_id=row.actor_id, actor="Fälscher", role=row.role,
        action=row.action, object_type=row.object_type, object_id=row.object_id, outcome=row.outcome,
        remote_addr=row.remote_addr, detail=row.detail,
    )  # fmt: skip
    entries(tenant).filter(seq=4).update(actor="Fälscher", hash=journal.chain_hash(row.prev_hash, canonical))
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq) == (False, 5)


@pytest.mark.django_db
def test_deleting_a_row_is_detected(tenant: Any) -> None:
    fill(tenant)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE tenant_id = %s AND seq = 6", [tenant.pk])
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq) == (False, 6)


@pytest.mark.django_db
def test_deleting_the_last_rows_is_detected_by_the_head(tenant: Any) -> None:
    fill(tenant)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE tenant_id = %s AND seq >= 9", [tenant.pk])
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq) == (False, 9)


@pytest.mark.django_db
def test_reordering_rows_is_detected(tenant: Any) -> None:
    fill(tenant)
    table = JournalEntry._meta.db_table
    with connection.cursor() as cursor:  # swap entries 3 and 4 (their numbers), keeping each row's own hash
        cursor.execute(f"UPDATE {table} SET seq = 1000 WHERE tenant_id = %s AND seq = 3", [tenant.pk])
        cursor.execute(f"UPDATE {table} SET seq = 3 WHERE tenant_id = %s AND seq = 4", [tenant.pk])
        cursor.execute(f"UPDATE {table} SET seq = 4 WHERE tenant_id = %s AND seq = 1000", [tenant.pk])
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq) == (False, 3)


@pytest.mark.django_db
def test_a_chain_rewritten_as_a_whole_no_longer_matches_its_anchor(tenant: Any) -> None:
    fill(tenant, 5)
    anchor = journal.anchor_day(tenant.pk, dt.date.today())
    assert anchor is not None and anchor.last_seq == 5
    # Rewrite everything consistently (an attacker with the database and the code): only the anchor notices.
    JournalHead.objects.filter(tenant=tenant).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE tenant_id = %s", [tenant.pk])
    for i in range(5):
        journal.record(tenant_id=tenant.pk, actor=ACTOR, action="case.read", object_type="case", object_id=f"neu{i}")
    result = journal.verify(tenant.pk)
    assert (result.ok, result.broken_seq, result.reason) == (False, 5, "weicht vom Tagesanker ab")


@pytest.mark.django_db
def test_entries_are_append_only_through_the_model(tenant: Any) -> None:
    entry = fill(tenant, 1)[0]
    entry.actor = "anders"
    with pytest.raises(ImmutableRow):
        entry.save()
    with pytest.raises(ImmutableRow):
        entry.delete()


@pytest.mark.django_db
def test_the_command_names_the_first_broken_entry(tenant: Any, capsys: Any) -> None:
    fill(tenant)
    call_command("audit", "verify")
    assert "10 Einträge, Kette vollständig" in capsys.readouterr().out
    entries(tenant).filter(seq=7).update(object_id="manipuliert")
    with pytest.raises(CommandError) as refused:
        call_command("audit", "verify")
    assert refused.value.returncode == 1
    assert "GEBROCHEN bei Eintrag 7" in capsys.readouterr().out


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[ServerDatabase, dict[str, str]]]:
    with harness_own_database(tmp_path, "rathaus_journal") as pair:
        yield pair


@pytest.mark.slow
def test_concurrent_appends_make_one_unbroken_chain(
    own_database: tuple[ServerDatabase, dict[str, str]], tmp_path: Path
) -> None:
    db, env = own_database
    out = tmp_path / "result.json"
    run_module(env, "rathaus.records.tests.concurrent_journal", "--threads", "4", "--entries", "15", "--out", str(out))
    result = json.loads(out.read_text())
    assert result == {"errors": [], "verified": [True, 60, None]}, db.vendor
    seqs = [row[0] for row in db.query("SELECT seq FROM records_journalentry ORDER BY seq")]
    assert seqs == list(range(1, 61))


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [1, 3, 4, 100])
def test_batches_of_any_size_walk_the_whole_chain_and_name_the_broken_row(tenant: Any, batch: int) -> None:
    fill(tenant)
    assert journal.verify(tenant.pk, batch=batch) == journal.VerifyResult(tenant.pk, 10, True)
    entries(tenant).filter(seq=8).update(outcome="refused")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE tenant_id = %s AND seq = 5", [tenant.pk])
    result = journal.verify(tenant.pk, batch=batch)
    assert (result.ok, result.broken_seq, result.entries) == (False, 5, 4)


# Any text a field may hold (no NUL: PostgreSQL text cannot; no lone surrogates: refused at the edge).
FIELD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    actor=FIELD_TEXT,
    role=FIELD_TEXT,
    object_id=FIELD_TEXT,
    addr=FIELD_TEXT,
    # Floats are left out: jsonb keeps 1e16 as 10000000000000000 and -0.0 as 0.0, so such a detail does not verify
    # on PostgreSQL (writer and verifier alike; the house writes ints and strings into details).
    detail=st.dictionaries(FIELD_TEXT, st.one_of(FIELD_TEXT, st.integers(-(2**53), 2**53), st.booleans(), st.none())),
    micro=st.integers(0, 999_999),
    actor_id=st.one_of(st.none(), st.integers(1, 2**62)),
)
def test_the_verifier_encodes_any_field_text_as_the_writer_does(
    tenant: Any, actor: str, role: str, object_id: str, addr: str, detail: dict, micro: int, actor_id: int | None
) -> None:
    # On PostgreSQL the database writes most of the canonical text (to_json, to_char); on SQLite Python does.
    # Both must give the writer's bytes for quotes, backslashes, control characters, umlauts, emoji, times.
    at = dt.datetime(2026, 3, 29, 1, 59, 59, micro, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    who = Actor(id=actor_id, label=actor, role=role, remote_addr=addr)
    journal.record(tenant_id=tenant.pk, actor=who, action="case.read", object_type="case", object_id=object_id,
                   detail=detail, at=at)  # fmt: skip
    result = journal.verify(tenant.pk, batch=7)
    assert result.ok, (result, connection.vendor)
