"""What the E-Akte does when other modules' events arrive (rathaus.core.events; at least once)."""

from __future__ import annotations

from rathaus.applications.events import ApplicationForwardable
from rathaus.core.events import consumer
from rathaus.core.models import Event
from rathaus.mailbox.events import MessageReceived

from . import services, work


@consumer("application.forwardable", name="records.file_application")
def file_application(event: Event, data: ApplicationForwardable) -> None:
    """Every application that reaches the office becomes a case in the right file (a replay finds it)."""
    services.file_application(tenant=event.tenant_id, number=data.number)


@consumer("mailbox.message_received", name="records.file_incoming_message")
def file_incoming_message(event: Event, data: MessageReceived) -> None:
    """The citizen's answer (text and files) is filed into the case of the application (a replay finds it)."""
    work.file_incoming_message(tenant_id=event.tenant_id, message_id=data.message_id)
