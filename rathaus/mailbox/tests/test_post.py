"""Posting in a thread: the thread opens with the first message, files pass the upload checks or nothing is
stored, the citizen's side is rate-limited, and a thread stays with its municipality and its recipient."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.attachments import storage
from rathaus.attachments.tests import samples
from rathaus.core.errors import ValidationFailed
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.mailbox import selectors, services
from rathaus.mailbox.models import Message, Thread

pytestmark = pytest.mark.usefixtures("fake_scanner")

REF = "case:FB3-2026-17"


@pytest.fixture
def citizen(tenant: Any) -> Any:
    return CitizenFactory(tenant=tenant, email="mia@example.org")


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, email="sb@alpha.example")


def _pdf(name: str, pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.pdf(pages=pages), content_type="application/pdf")


def _post(tenant: Any, citizen: Any, sender: Any, body: str = "Hallo", **kwargs: Any) -> Message:
    return services.post(
        tenant=tenant,
        recipient=citizen,
        reference=kwargs.pop("reference", REF),
        subject=kwargs.pop("subject", "Sondernutzung Marktplatz"),
        sender=sender,
        body=body,
        from_office=sender.pk != citizen.pk,
        **kwargs,
    )


def _nothing_stored() -> None:
    assert not Thread.objects.unscoped().exists()
    assert not Message.objects.unscoped().exists()
    assert list(storage.iter_keys()) == []


def test_first_message_opens_the_thread_and_later_ones_join_it(tenant: Any, citizen: Any, clerk: Any) -> None:
    first = _post(tenant, citizen, citizen, "  Wann darf ich aufbauen?  ")
    second = _post(tenant, citizen, clerk, "Ab 6 Uhr.", subject="ein anderer Betreff")

    thread = selectors.thread(tenant, REF)
    assert thread is not None
    assert (thread.tenant_id, thread.recipient, thread.subject) == (tenant.pk, citizen, "Sondernutzung Marktplatz")
    assert first.thread_id == second.thread_id == thread.pk
    assert [(m.body, m.from_office, m.sender, m.read_at) for m in selectors.messages(tenant, REF)] == [
        ("Wann darf ich aufbauen?", False, citizen, None),
        ("Ab 6 Uhr.", True, clerk, None),
    ]
    assert selectors.thread(tenant, "case:other") is None
    assert list(selectors.messages(tenant, "case:other")) == []


@pytest.mark.parametrize(("body", "error"), [("   ", "Bitte schreiben"), ("x" * 5001, "zu lang")])
def test_empty_or_too_long_text_is_refused(tenant: Any, citizen: Any, body: str, error: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _post(tenant, citizen, citizen, body, uploads=[_pdf("a.pdf")])
    assert error in str(refused.value.detail)
    _nothing_stored()


def test_five_files_are_stored_with_their_references(tenant: Any, citizen: Any, fake_scanner: Any) -> None:
    files = [_pdf(f"seite-{i}.pdf", pages=i) for i in range(1, 6)]

    message = _post(tenant, citizen, citizen, uploads=[*files, None])  # an empty file input is no file

    assert [ref["name"] for ref in message.attachments] == [f"seite-{i}.pdf" for i in range(1, 6)]
    assert len(fake_scanner.calls) == 5
    for ref, pages in zip(message.attachments, range(1, 6), strict=True):
        assert storage.open_blob(ref["key"]) == samples.pdf(pages=pages)
        assert selectors.file_of(tenant, REF, ref["sha256"]) == ref
    assert selectors.referenced_blob_keys() == {ref["key"] for ref in message.attachments}


def test_a_sixth_file_is_refused(tenant: Any, citizen: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _post(tenant, citizen, citizen, uploads=[_pdf(f"{i}.pdf", pages=i) for i in range(1, 7)])
    assert "Höchstens fünf Dateien" in str(refused.value.detail)
    _nothing_stored()


def test_one_infected_file_stores_none_of_them(tenant: Any, citizen: Any, fake_scanner: Any) -> None:
    bad = samples.pdf(pages=2)
    fake_scanner.flag(bad)

    with pytest.raises(ValidationFailed) as refused:
        _post(tenant, citizen, citizen, uploads=[_pdf("gut.pdf"), SimpleUploadedFile("b.pdf", bad)])

    assert refused.value.errors == [{"field": "files", "code": "infected"}]
    _nothing_stored()


def test_the_citizen_side_is_rate_limited_the_office_not(
    tenant: Any, citizen: Any, clerk: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "MESSAGES_PER_HOUR", 2)
    for _ in range(2):
        _post(tenant, citizen, citizen)
    with pytest.raises(ValidationFailed) as refused:
        _post(tenant, citizen, citizen)
    assert refused.value.errors[0]["code"] == "rate_limited"
    for _ in range(3):
        _post(tenant, citizen, clerk)
    assert selectors.messages(tenant, REF).count() == 5


def test_the_same_reference_is_a_thread_of_its_own_in_each_municipality(
    tenant: Any, other_tenant: Any, citizen: Any
) -> None:
    there = CitizenFactory(tenant=other_tenant, email="mia@example.org")
    _post(tenant, citizen, citizen, "hier")
    _post(other_tenant, there, there, "dort")

    assert [m.body for m in selectors.messages(tenant, REF)] == ["hier"]
    assert [m.body for m in selectors.messages(other_tenant.pk, REF)] == ["dort"]
    assert {t.recipient for t in Thread.objects.unscoped().filter(reference=REF)} == {citizen, there}


def test_accounts_that_do_not_belong_to_the_thread_are_refused(
    tenant: Any, other_tenant: Any, citizen: Any, clerk: Any
) -> None:
    _post(tenant, citizen, citizen)
    max_ = CitizenFactory(tenant=tenant, email="max@example.org")
    stranger = StaffFactory(tenant=other_tenant, email="sb@beta.example")
    with pytest.raises(ValueError, match="another account"):
        _post(tenant, max_, max_)  # the reference is Mia's thread
    with pytest.raises(ValueError, match="sender"):
        services.post(
            tenant=tenant, recipient=citizen, reference=REF, subject="", sender=max_, body="x", from_office=False
        )
    with pytest.raises(ValueError, match="sender"):
        _post(tenant, citizen, stranger)
    with pytest.raises(ValueError, match="another municipality"):
        _post(other_tenant, citizen, stranger)
    with pytest.raises(ValueError, match="kind"):
        _post(tenant, citizen, clerk, reference="A-2026-000001")
    assert selectors.messages(tenant, REF).count() == 1
    assert Thread.objects.unscoped().count() == 1
