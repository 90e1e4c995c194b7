"""The citizen mailbox: threads keyed by a reference string, and their messages with files.

A :class:`Thread` is the conversation about one thing of one account — an application, later a case, an
appointment or a report. The thing is named by its **reference**, ``"<kind>:<identifier>"`` (e.g.
``"application:A-2026-000001"``), so the mailbox never imports the module the thing belongs to; one
municipality has at most one thread per reference. A thread belongs to its **recipient** (the citizen's or
business's account; for a business acting for its organisation also the **organisation**, whose every
representative shares it). Files of a message are references to content-addressed blobs (rathaus.attachments).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

MAX_BODY = 5000


class Thread(TenantOwned):
    """The messages about one reference, between its recipient and the administration."""

    reference = models.CharField(_("Bezug"), max_length=200)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mailbox_threads", verbose_name=_("Empfänger")
    )
    # A business's thread belongs to the organisation: every representative reads and writes in it.
    organisation = models.ForeignKey(
        "identity.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mailbox_threads",
        verbose_name=_("Organisation"),
    )
    subject = models.CharField(_("Betreff"), max_length=200)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Postfach-Verlauf")
        verbose_name_plural = _("Postfach-Verläufe")
        constraints = [models.UniqueConstraint(fields=["tenant", "reference"], name="mailbox_thread_reference")]
        indexes = [models.Index(fields=["tenant", "recipient"], name="mailbox_thread_recipient")]

    def __str__(self) -> str:
        return self.reference


class Message(TenantOwned):
    """One message of a thread: from the recipient, or from the administration (``from_office``).

    ``read_at`` is when the *other* side read it: the citizen for a message from the office, the office for
    a message from the citizen. ``sender`` is the account that wrote it (empty once that account is gone,
    and for documents the system delivered on its own).
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_office = models.BooleanField(default=False)
    body = models.TextField(max_length=MAX_BODY)
    attachments = models.JSONField(default=list, blank=True)  # [{key, name, sha256, size, content_type}]
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Nachricht")
        verbose_name_plural = _("Nachrichten")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "from_office", "read_at"], name="mailbox_message_unread")]

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.body[:40]}"
