"""Official documents reach the recipient's mailbox (``deliver``); the recipient hears of it on the channel they
chose (``notify``), and the e-mail never carries the content."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from rathaus.attachments import storage
from rathaus.attachments.tests import samples
from rathaus.core.errors import ValidationFailed
from rathaus.identity.models import Profile
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.mailbox import selectors, services
from rathaus.mailbox.models import Message, Thread

pytestmark = pytest.mark.usefixtures("fake_scanner")

REF = "case:FB3-2026-17"
BESCHEID = samples.pdf(pages=2)


@pytest.fixture
def citizen(tenant: Any) -> Any:
    return CitizenFactory(tenant=tenant, email="mia@example.org")


def _choose(user: Any, channel: str) -> None:
    Profile.objects.for_tenant(user.tenant_id).filter(user=user).update(preferred_channel=channel)


def _deliver(tenant: Any, citizen: Any, **kwargs: Any) -> Message:
    return services.deliver(
        tenant=tenant,
        recipient=citizen,
        reference=REF,
        subject="Sondernutzung Marktplatz",
        text=kwargs.pop("text", "Anbei Ihr Bescheid vom 2. Dezember."),
        documents=kwargs.pop("documents", [("Bescheid.pdf", BESCHEID)]),
        **kwargs,
    )


def test_a_delivery_is_an_office_message_with_its_documents_and_a_notice_after_the_commit(
    tenant: Any, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = StaffFactory(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        message = _deliver(tenant, citizen, sender=clerk)
    assert mail.outbox == []  # nothing is told before the delivery is committed
    for callback in pending:
        callback()

    assert (message.from_office, message.sender, message.read_at) == (True, clerk, None)
    assert message.body == "Anbei Ihr Bescheid vom 2. Dezember."
    [ref] = message.attachments
    assert (ref["name"], ref["size"], ref["content_type"]) == ("Bescheid.pdf", len(BESCHEID), "application/pdf")
    assert storage.open_blob(ref["key"]) == BESCHEID
    assert selectors.file_of(tenant, REF, ref["sha256"]) == ref
    assert selectors.unread_count(tenant, REF, for_office=False) == 1

    [notice] = mail.outbox
    assert notice.to == ["mia@example.org"]
    assert notice.subject == "Neues Dokument in Ihrem Postfach"
    assert "»Sondernutzung Marktplatz«" in notice.body
    assert "Bescheid vom 2. Dezember" not in notice.body  # the content stays in the portal


def test_a_delivery_without_a_sender_is_from_the_system(tenant: Any, citizen: Any) -> None:
    message = _deliver(tenant, citizen)
    assert (message.from_office, message.sender) == (True, None)


def test_no_notice_for_a_citizen_who_chose_the_mailbox(
    tenant: Any, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _choose(citizen, Profile.Channel.MAILBOX)
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(tenant, citizen)
    assert mail.outbox == []
    assert selectors.messages(tenant, REF).count() == 1


def test_a_refused_document_delivers_nothing(
    tenant: Any, citizen: Any, fake_scanner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_scanner.flag(BESCHEID)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        _deliver(tenant, citizen)
    with pytest.raises(ValidationFailed, match="Höchstens fünf"):
        _deliver(tenant, citizen, documents=[(f"{i}.pdf", samples.pdf(pages=i)) for i in range(1, 7)])
    with pytest.raises(ValueError, match="at least one document"):
        _deliver(tenant, citizen, documents=[])
    assert not Thread.objects.unscoped().exists() and not Message.objects.unscoped().exists()
    assert list(storage.iter_keys()) == []
    assert mail.outbox == []


def test_notify_writes_only_to_citizens_who_chose_email(tenant: Any, citizen: Any) -> None:
    assert services.notify(recipient=citizen, subject="Neuer Termin", text="Ihr Termin ist bestätigt.")
    [notice] = mail.outbox
    assert (notice.subject, notice.to) == ("Neuer Termin", ["mia@example.org"])
    assert notice.body == "Guten Tag,\n\nIhr Termin ist bestätigt.\n\nDiese Nachricht wurde automatisch erstellt."

    mail.outbox.clear()
    for channel in (Profile.Channel.MAILBOX, Profile.Channel.POST):
        _choose(citizen, channel)
        assert not services.notify(recipient=citizen, subject="Neuer Termin", text="Ihr Termin ist bestätigt.")
    assert mail.outbox == []
