"""What the E-Akte does when other modules' events arrive (rathaus.core.events; at least once)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from rathaus.applications.events import ApplicationForwardable
from rathaus.core.events import consumer
from rathaus.core.models import Event
from rathaus.mailbox.events import MessageReceived

from . import services, tasks, work
from .journal import Actor
from .models import CaseFile, Document, FilePlanUnit

if TYPE_CHECKING:  # steering is records' sibling layer: its payload is named for the type checker only
    from rathaus.steering.events import ReportIssued

log = logging.getLogger("rathaus.records")


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


class ReportFilePlanMissing(LookupError):
    """The municipality has no file-plan unit (with a lead unit) for council reports: the delivery is retried."""


@consumer("steering.report_issued", name="records.file_steering_report")
def file_steering_report(event: Event, data: ReportIssued) -> None:
    """An issued digitalisation report becomes a case with its PDF in the municipality's file of council reports
    (one file per file-plan unit, a case per report). A replay finds the document by its origin and files nothing."""
    origin = f"steering.report:{data.report}"
    code = settings.RATHAUS_REPORTS_FILE_PLAN_CODE
    # The lock serialises two deliveries of the same event (and two reports filed at once into one file).
    plan_unit = FilePlanUnit.objects.for_tenant(event.tenant_id).select_for_update().filter(code=code).first()
    if plan_unit is None or plan_unit.owner_unit is None:
        log.error(
            "Digitalisierungsbericht %s nicht abgelegt: Aktenplaneinheit %r fehlt in Mandant %s oder hat keine "
            "federführende Organisationseinheit (Einstellung RATHAUS_REPORTS_FILE_PLAN_CODE); neuer Versuch folgt.",
            data.report, code, event.tenant_id,
        )  # fmt: skip
        raise ReportFilePlanMissing(f"file-plan unit {code!r} for council reports missing in tenant {event.tenant_id}")
    if Document.objects.for_tenant(event.tenant_id).filter(origin=origin).exists():
        return
    actor = Actor.system("Steuerung (automatisch)")
    grouping_key = f"steering:reports:{plan_unit.code}"
    open_files = CaseFile.objects.for_tenant(event.tenant_id).filter(status=CaseFile.Status.OPEN)
    case_file = open_files.filter(grouping_key=grouping_key).first() or services.open_file(
        tenant_id=event.tenant_id, plan_unit=plan_unit, owner_unit=plan_unit.owner_unit,
        subject="Digitalisierungsberichte an den Ausschuss für Finanzen und Digitalisierung",
        party=None, actor=actor, grouping_key=grouping_key,
    )  # fmt: skip
    case = services.open_case(case_file=case_file, subject=data.title, owner_unit=plan_unit.owner_unit, actor=actor)
    name = f"digitalisierungsbericht-{data.period_start:%Y-%m-%d}-{data.period_end:%Y-%m-%d}.pdf"
    services.add_document(
        case=case, kind=Document.Kind.OUTGOING, title=data.title, name=name, content_type="application/pdf",
        sha256=data.sha256, actor=actor, origin=origin,
    )  # fmt: skip
