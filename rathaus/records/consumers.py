"""What the E-Akte does when other modules' events arrive (rathaus.core.events; at least once)."""

from __future__ import annotations

from django.db import transaction

from rathaus.applications.events import ApplicationForwardable
from rathaus.core.events import consumer
from rathaus.core.models import Event
from rathaus.mailbox.events import MessageReceived

from . import services, tasks, work


@consumer("application.forwardable", name="records.file_application")
def file_application(event: Event, data: ApplicationForwardable) -> None:
    """Every application that reaches the office becomes a case in the right file (a replay finds it); its
    answers PDF is made after the commit, off the request path (``tasks.py``)."""
    services.file_application(tenant=event.tenant_id, number=data.number)
    tenant_id, number = event.tenant_id, data.number

    def schedule_pdf() -> None:  # a plain function: Django logs a robust callback by its __qualname__
        tasks.schedule_application_pdf(tenant_id, number)

    # robust: a PDF that cannot be made now must not undo or fail the filing; the sweep makes it later.
    transaction.on_commit(schedule_pdf, robust=True)


@consumer("mailbox.message_received", name="records.file_incoming_message")
def file_incoming_message(event: Event, data: MessageReceived) -> None:
    """The citizen's answer (text and files) is filed into the case of the application (a replay finds it)."""
    work.file_incoming_message(tenant_id=event.tenant_id, message_id=data.message_id)
