"""Background work of the E-Akte: the answers of a filed application as PDF/A (WeasyPrint takes seconds).

Filing an application runs where its ``application.forwardable`` event is delivered — in the embedded mode
(eager Celery) inside the citizen's submit request, after its commit. The PDF is therefore made by a task
that the consumer schedules after the filing's commit: with a broker, a worker runs it; in the eager mode
during a request it runs after the response has been sent (``request_finished``), so the citizen never
waits for WeasyPrint. Until it exists, the case page says "wird erstellt". If the process dies before, the
periodic :func:`sweep_application_pdfs` (Celery beat; ``rathaus records_pdfs`` by cron) makes what is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

from . import services

log = logging.getLogger("rathaus.records")

# Jobs to run once the current request's response is out (None: not inside a request).
_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar("records_after_response", default=None)


def _request_started(**kwargs: Any) -> None:
    _after_response.set([])


def _request_finished(**kwargs: Any) -> None:
    jobs = _after_response.get()
    _after_response.set(None)
    if not jobs:
        return
    for job in jobs:
        try:
            job()
        except Exception:  # the response is gone; the sweep makes it later
            log.exception("records_after_response_failed")
    # Django closed this thread's connections before us (request_finished); the jobs opened them again.
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:  # a test's transaction stays open
            conn.close_if_unusable_or_obsolete()


request_started.connect(_request_started, dispatch_uid="rathaus.records.tasks.request_started")
request_finished.connect(_request_finished, dispatch_uid="rathaus.records.tasks.request_finished")


@shared_task(ignore_result=True)
def render_application_pdf(tenant_id: int, number: str) -> bool:
    """File the answers PDF of one application (idempotent); True if this call filed it."""
    return services.add_application_pdf(tenant_id=tenant_id, number=number) is not None


@shared_task(ignore_result=True)
def sweep_application_pdfs(limit: int = 100) -> int:
    """Make the answers PDFs still missing (a crash between filing and rendering); returns how many."""
    made = 0
    for tenant_id, number in services.pending_application_pdfs(limit):
        try:
            made += services.add_application_pdf(tenant_id=tenant_id, number=number) is not None
        except Exception:  # one broken application must not stop the others; tried again next time
            log.exception("records_application_pdf_failed number=%s", number)
    return made


def schedule_application_pdf(tenant_id: int, number: str) -> None:
    """Call after the filing's commit: a Celery task; in the eager mode inside a request, after the response."""

    def run() -> None:
        render_application_pdf.delay(tenant_id, number)

    jobs = _after_response.get()
    if settings.CELERY_TASK_ALWAYS_EAGER and jobs is not None:
        jobs.append(run)
    else:
        run()
