"""Background work of online applications (Celery beat in production, a cron call of the command otherwise)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def sweep() -> dict[str, int]:
    return services.sweep()
