"""Reading a thread: read state per side, unread counts (also as one query over many rows), the recipient's
threads, files by content hash only in their own thread, and the blob keys the sweep must keep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import OuterRef
from django.utils import timezone

from rathaus.attachments.tests import samples
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.mailbox import selectors, services
from rathaus.mailbox.models import Message, Thread

pytestmark = pytest.mark.usefixtures("fake_scanner")


@pytest.fixture
def citizen(tenant: Any) -> Any:
    return CitizenFactory(tenant=tenant, email="mia@example.org")


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, email="sb@alpha.example")


def _post(tenant: Any, recipient: Any, sender: Any, reference: str, *, files: tuple[bytes, ...] = ()) -> Message:
    return services.post(
        tenant=tenant,
        recipient=recipient,
        reference=reference,
        subject=f"Betreff {reference}",
        sender=sender,
        body=f"Nachricht zu {reference}",
        from_office=sender.pk != recipient.pk,
        uploads=[SimpleUploadedFile(f"{i}.pdf", data) for i, data in enumerate(files)],
    )


def test_each_side_marks_only_the_other_sides_messages_read(tenant: Any, citizen: Any, clerk: Any) -> None:
    ref = "case:1"
    for sender in (citizen, clerk, clerk, citizen):
        _post(tenant, citizen, sender, ref)
    _post(tenant, citizen, clerk, "case:2")
    assert selectors.unread_count(tenant, ref, for_office=False) == 2
    assert selectors.unread_count(tenant, ref, for_office=True) == 2

    assert services.mark_read(tenant=tenant, reference=ref, reader_is_office=False) == 2
    assert selectors.unread_count(tenant, ref, for_office=False) == 0
    assert selectors.unread_count(tenant, ref, for_office=True) == 2  # the citizen's own stay unread for the office
    assert selectors.unread_count(tenant, "case:2", for_office=False) == 1  # another thread is not touched
    read = {m.from_office: m.read_at for m in selectors.messages(tenant, ref)}
    assert read[True] is not None and read[False] is None

    assert services.mark_read(tenant=tenant, reference=ref, reader_is_office=True) == 2
    assert services.mark_read(tenant=tenant, reference=ref, reader_is_office=True) == 0  # already read
    assert selectors.unread_count(tenant, ref, for_office=True) == 0
    assert services.mark_read(tenant=tenant, reference="case:none", reader_is_office=False) == 0


def test_reading_in_one_municipality_leaves_the_same_reference_elsewhere_unread(
    tenant: Any, other_tenant: Any, citizen: Any, clerk: Any
) -> None:
    there = CitizenFactory(tenant=other_tenant, email="mia@example.org")
    _post(tenant, citizen, clerk, "case:1")
    _post(other_tenant, there, StaffFactory(tenant=other_tenant), "case:1")

    services.mark_read(tenant=tenant, reference="case:1", reader_is_office=False)

    assert selectors.unread_count(tenant, "case:1", for_office=False) == 0
    assert selectors.unread_count(other_tenant, "case:1", for_office=False) == 1


def test_unread_as_an_annotation_counts_per_row_in_one_query(
    tenant: Any, other_tenant: Any, citizen: Any, clerk: Any, django_assert_num_queries: Any
) -> None:
    for sender, ref in ((clerk, "case:1"), (clerk, "case:1"), (citizen, "case:1"), (citizen, "case:2")):
        _post(tenant, citizen, sender, ref)
    there = CitizenFactory(tenant=other_tenant)
    _post(other_tenant, there, StaffFactory(tenant=other_tenant), "case:2")  # same reference, other town
    threads = Thread.objects.for_tenant(tenant).order_by("reference")

    with django_assert_num_queries(1):
        rows = threads.annotate(
            citizen=selectors.unread_subquery(tenant, OuterRef("reference"), for_office=False),
            office=selectors.unread_subquery(tenant, OuterRef("reference"), for_office=True),
        ).values_list("reference", "citizen", "office")
        assert list(rows) == [("case:1", 2, 1), ("case:2", 0, 1)]


def test_the_recipients_threads_with_the_latest_first(tenant: Any, citizen: Any, clerk: Any) -> None:
    older, newer = _post(tenant, citizen, clerk, "case:1"), _post(tenant, citizen, clerk, "case:2")
    _post(tenant, CitizenFactory(tenant=tenant), clerk, "case:3")  # someone else's
    Message.objects.for_tenant(tenant).filter(pk=older.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))
    services.mark_read(tenant=tenant, reference="case:2", reader_is_office=False)

    threads = list(selectors.threads_of(tenant, citizen))

    assert [(t.reference, t.subject, t.unread) for t in threads] == [
        ("case:1", "Betreff case:1", 1),
        ("case:2", "Betreff case:2", 0),
    ]
    assert newer.thread_id == threads[1].pk


def test_a_file_is_found_only_in_its_own_thread_and_municipality(
    tenant: Any, other_tenant: Any, citizen: Any, clerk: Any
) -> None:
    data = samples.pdf(pages=3)
    [ref] = _post(tenant, citizen, citizen, "case:1", files=(data,)).attachments
    _post(tenant, citizen, clerk, "case:2")
    there = CitizenFactory(tenant=other_tenant)
    _post(other_tenant, there, there, "case:9", files=(data,))  # the same bytes, in another town

    assert selectors.file_of(tenant, "case:1", ref["sha256"]) == ref
    assert selectors.file_of(tenant, "case:2", ref["sha256"]) is None
    assert selectors.file_of(tenant, "case:1", "0" * 64) is None
    assert selectors.file_of(other_tenant, "case:1", ref["sha256"]) is None
    assert selectors.file_of(tenant, "case:9", ref["sha256"]) is None


def test_referenced_blob_keys_cover_every_message_of_every_municipality(
    tenant: Any, other_tenant: Any, citizen: Any, clerk: Any
) -> None:
    here = _post(tenant, citizen, citizen, "case:1", files=(samples.pdf(pages=1), samples.pdf(pages=2)))
    _post(tenant, citizen, clerk, "case:1")  # no files
    there = CitizenFactory(tenant=other_tenant)
    elsewhere = _post(other_tenant, there, there, "case:1", files=(samples.pdf(pages=4),))

    keys = {ref["key"] for ref in here.attachments + elsewhere.attachments}
    assert len(keys) == 3
    assert selectors.referenced_blob_keys() == keys
