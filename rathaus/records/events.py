"""Events the E-Akte publishes (its contract; rathaus.core.events). Payloads carry identifiers only."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from rathaus.core.events import EventPayload, declare


class DecisionIssued(EventPayload):
    decision: str  # the decision's reference (Bescheidnummer)
    case: str  # the case's reference (Aktenzeichen/Nr.)
    application_number: str  # "" when the case came from no application
    sha256: str  # of the sealed PDF
    fee: Decimal = Decimal("0")  # the fee the decision raises (0: none); absent in events before it was added


DECISION_ISSUED = declare(
    "decision.issued",
    DecisionIssued,
    "A decision was sealed, filed in its case and delivered: in the transaction of the seal. The application's "
    "status is set in that same transaction by records (applications sits below records and cannot consume it).",
)


class CaseOpened(EventPayload):
    case: str  # the case's reference
    unit: str  # key of the owning organisation unit
    service: str  # LeiKa key, "" for none
    application_number: str  # "" when the case came from no application


class DocumentFiled(EventPayload):
    document: UUID
    case: str
    unit: str  # key of the case's organisation unit
    kind: str  # Document.Kind
    staff: int | None  # the filing member of staff's account id; None when the system filed it


CASE_OPENED = declare(
    "case.opened",
    CaseOpened,
    "A case (Vorgang) was opened in the E-Akte, by hand or for an application: in the transaction that creates it.",
)
DOCUMENT_FILED = declare(
    "document.filed",
    DocumentFiled,
    "A document was filed electronically in a case (its first version): in the transaction that creates it.",
)
