"""Events steering publishes (its contract; rathaus.core.events). Payloads carry identifiers only."""

from __future__ import annotations

import datetime as dt

from rathaus.core.events import EventPayload, declare


class ReportIssued(EventPayload):
    report: str  # the report's UUID
    title: str
    period_start: dt.date
    period_end: dt.date
    sha256: str  # of the report's PDF, stored in rathaus.attachments.storage before the event


REPORT_ISSUED = declare(
    "steering.report_issued",
    ReportIssued,
    "A half-yearly digitalisation report was issued and frozen: in the transaction that issued it, with its PDF "
    "already stored by content hash. Records files the PDF in the municipality's file for council reports.",
)
