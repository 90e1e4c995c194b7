"""Events the E-Akte publishes (its contract; rathaus.core.events). Payloads carry identifiers only."""

from __future__ import annotations

from rathaus.core.events import EventPayload, declare


class DecisionIssued(EventPayload):
    decision: str  # the decision's reference (Bescheidnummer)
    case: str  # the case's reference (Aktenzeichen/Nr.)
    application_number: str  # "" when the case came from no application
    sha256: str  # of the sealed PDF


DECISION_ISSUED = declare(
    "decision.issued",
    DecisionIssued,
    "A decision was sealed, filed in its case and delivered: in the transaction of the seal. The application's "
    "status is set in that same transaction by records (applications sits below records and cannot consume it).",
)
