"""Background work of the durable events (rathaus.core.events): thin wrappers, as everywhere."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import events


@shared_task(ignore_result=True)
def deliver_event(event_id: int) -> dict[str, int]:
    """Sent after the commit that published the event; eager (in-process) in the embedded mode."""
    return events.deliver_event(event_id).as_dict()


@shared_task(ignore_result=True)
def sweep_events() -> dict[str, int]:
    """Celery beat, every minute: deliver what a crash or a failing consumer left behind."""
    return events.sweep().as_dict()


if settings.RATHAUS_EVENTS_DISPATCH:
    events.set_dispatcher(deliver_event.delay)
