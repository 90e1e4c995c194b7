"""Migrations applications 0003/0004: the applications' messages move into the citizen mailbox, and back.

On a database with the demo loaded (Musterstadt and Beispielheim), messages are written at the state before
the mailbox existed, through the historical models: several applications in both municipalities with the same
numbers, messages of both sides, with files, read and unread, one whose sender account is gone. After the
migration every message is in its application's thread, in its municipality, with everything it had; going
back puts the same rows on the applications again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rathaus.applications import selectors, services
from rathaus.attachments import storage
from rathaus.attachments.tests import samples
from rathaus.catalog.models import Service
from rathaus.demo.loader import load_demo
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.mailbox import selectors as mailbox
from rathaus.mailbox.models import Message, Thread
from rathaus.tenants.models import Municipality

BEFORE = [("applications", "0002_outbox_to_core_events")]
AFTER = [("applications", "0004_delete_message")]
T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _file(name: str, data: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    key = storage.store(data, sha)
    return {"key": key, "name": name, "sha256": sha, "size": len(data), "content_type": "application/pdf"}


def _town(slug: str, tag: str) -> dict[str, Any]:
    """What the old rows of one municipality need; written before migrating back (these tables do not change)."""
    tenant = Municipality.objects.get(slug=slug)
    services_ = list(Service.objects.for_tenant(tenant).order_by("pk")[:2])
    assert len(services_) == 2, f"the demo has no services in {slug}"
    return {
        "tenant": tenant,
        "tag": tag,
        "services": services_,
        "citizens": [CitizenFactory(tenant=tenant, email=f"{n}@{tag}.example") for n in ("mia", "max")],
        "staff": StaffFactory(tenant=tenant, email=f"sb@{tag}.example"),
    }


def _old_application(old: Any, town: dict[str, Any], number: str, service: Service, applicant: Any) -> Any:
    form = old.get_model("applications", "FormVersion")._base_manager.create(
        tenant_id=town["tenant"].pk, service_id=service.pk, version=int(number[-1]) + 100, definition={}
    )
    return old.get_model("applications", "Application")._base_manager.create(
        tenant_id=town["tenant"].pk, number=number, draft_uuid=uuid.uuid4(), service_id=service.pk,
        org_unit_id=service.org_unit_id, form_version_id=form.pk, applicant_id=applicant.pk, trust_level="low",
        answers={}, submitted_at=T0,
    )  # fmt: skip


def _write_old_messages(old: Any, town: dict[str, Any]) -> dict[str, Any]:
    """Three applications in the town (A-2026-000001 … 000003, the same numbers in both towns); messages on the
    first two, none on the third. Returns the application ids by number."""
    OldMessage = old.get_model("applications", "Message")
    tag, tenant_id = town["tag"], town["tenant"].pk
    mia, max_ = town["citizens"]
    first, second = town["services"]
    a1 = _old_application(old, town, "A-2026-000001", first, mia)
    a2 = _old_application(old, town, "A-2026-000002", second, max_)
    a3 = _old_application(old, town, "A-2026-000003", first, mia)

    def write(application: Any, sender: Any, from_office: bool, body: str, minutes: int, **kw: Any) -> None:
        OldMessage._base_manager.create(
            tenant_id=tenant_id, application_id=application.pk, sender_id=sender.pk if sender else None,
            from_office=from_office, body=body, created_at=T0 + dt.timedelta(minutes=minutes), **kw,
        )  # fmt: skip

    question = [_file(f"impfpass-{tag}.pdf", samples.pdf(pages=1) + tag.encode()), _file("s.pdf", samples.pdf(pages=2))]
    answer = [_file(f"bescheid-{tag}.pdf", samples.pdf(pages=3) + tag.encode())]
    read = T0 + dt.timedelta(hours=1)
    write(a1, mia, False, f"Frage von Mia, {tag}\nzweite Zeile", 5, attachments=question, read_at=read)
    write(a1, town["staff"], True, f"Antwort an Mia, {tag}", 90, attachments=answer)
    write(a1, mia, False, f"Danke, {tag}", 120)
    # The sender's account was deleted since (on_delete=SET_NULL): the message stays, without sender.
    write(a2, None, True, f"Rückfrage an Max, {tag}", 30, read_at=T0 + dt.timedelta(minutes=45))
    write(a2, max_, False, f"Max antwortet früher, {tag}", 10)  # written later, dated earlier
    return {"A-2026-000001": a1.pk, "A-2026-000002": a2.pk, "A-2026-000003": a3.pk}


def _old_rows(old: Any) -> list[tuple[Any, ...]]:
    rows = old.get_model("applications", "Message")._base_manager.order_by("pk")
    return [
        (m.tenant_id, m.application_id, m.sender_id, m.from_office, m.body, m.attachments, m.created_at, m.read_at)
        for m in rows
    ]


@pytest.mark.django_db(transaction=True)
def test_every_message_moves_into_its_applications_thread_and_back() -> None:
    load_demo()
    towns = [_town("musterstadt", "muster"), _town("beispielheim", "beispiel")]
    nameless = towns[1]["services"][1]
    Service.all_tenants.filter(pk=nameless.pk).update(name="")  # the thread's subject falls back to the number
    nameless.name = ""
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([*BEFORE, ("mailbox", None)])  # the state before the mailbox existed
        old = executor.loader.project_state(BEFORE).apps
        ids = {town["tag"]: _write_old_messages(old, town) for town in towns}
        before = _old_rows(old)
        assert len(before) == 10 and sum(row[2] is None for row in before) == 2

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        # The reads below use today's models (later migrations add columns, e.g. the organisation of a thread).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        number_of = {app_id: n for numbers in ids.values() for n, app_id in numbers.items()}
        moved = Message.objects.unscoped().select_related("thread").order_by("pk")
        assert [
            (
                m.tenant_id,
                m.thread.reference,
                m.sender_id,
                m.from_office,
                m.body,
                m.attachments,
                m.created_at,
                m.read_at,
            )
            for m in moved
        ] == [
            (t, f"application:{number_of[a]}", sender, side, body, files, at, read)
            for t, a, sender, side, body, files, at, read in before
        ]
        assert all(m.thread.tenant_id == m.tenant_id for m in moved)
        _check_threads(towns)
        _check_reading(towns)
        services.sweep(min_age_seconds=0)  # nothing the messages point to is swept
        for refs in Message.objects.unscoped().values_list("attachments", flat=True):
            assert all(storage.open_blob(ref["key"]) for ref in refs)

        executor = MigrationExecutor(connection)
        executor.migrate([*BEFORE, ("mailbox", None)])  # and back: the same rows on the applications again
        assert _old_rows(executor.loader.project_state(BEFORE).apps) == before
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_threads(towns: list[dict[str, Any]]) -> None:
    """One thread per application with messages, in its municipality, owned by the applicant."""
    for town in towns:
        tenant, (mia, max_) = town["tenant"], town["citizens"]
        first, second = town["services"]
        threads = Thread.objects.for_tenant(tenant).order_by("reference")
        assert [(t.reference, t.recipient_id, t.subject, t.created_at) for t in threads] == [
            ("application:A-2026-000001", mia.pk, first.name, T0 + dt.timedelta(minutes=5)),
            ("application:A-2026-000002", max_.pk, second.name or "A-2026-000002", T0 + dt.timedelta(minutes=10)),
        ]
    assert Thread.objects.for_tenant(towns[1]["tenant"]).get(reference="application:A-2026-000002").subject == (
        "A-2026-000002"
    )


def _check_reading(towns: list[dict[str, Any]]) -> None:
    """The application pages' reads find the moved messages: the thread in time order, files, unread counts."""
    for town in towns:
        tenant, tag, (mia, max_) = town["tenant"], town["tag"], town["citizens"]
        assert [m.body for m in mailbox.messages(tenant, "application:A-2026-000002")] == [
            f"Max antwortet früher, {tag}",
            f"Rückfrage an Max, {tag}",
        ]
        unread = {a.number: a.unread for a in selectors.applications_of(tenant, mia)}
        assert unread == {"A-2026-000001": 1, "A-2026-000003": 0}  # the office's answer is unread
        unread_max = {a.number: a.unread for a in selectors.applications_of(tenant, max_)}
        assert unread_max == {"A-2026-000002": 0}
        assert mailbox.unread_count(tenant, "application:A-2026-000001", for_office=True) == 1  # "Danke"
        application = selectors.application_of(tenant, mia, "A-2026-000001")
        assert application is not None
        for message in mailbox.messages(tenant, application.mailbox_reference):
            for ref in message.attachments:
                assert selectors.file_of(application, ref["sha256"]) == ref
        assert timezone.is_aware(application.submitted_at)
