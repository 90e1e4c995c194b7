"""What the E-Akte does when other modules' events arrive (rathaus.core.events; at least once)."""

from __future__ import annotations

from rathaus.applications.events import ApplicationForwardable
from rathaus.core.events import consumer
from rathaus.core.models import Event

from . import services


@consumer("application.forwardable", name="records.file_application")
def file_application(event: Event, data: ApplicationForwardable) -> None:
    """Every application that reaches the office becomes a case in the right file (a replay finds it)."""
    services.file_application(tenant=event.tenant_id, number=data.number)
