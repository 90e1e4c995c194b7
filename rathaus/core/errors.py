"""Domain errors, mapped once to German messages for pages and to RFC 9457 problem details for the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of all expected, user-facing errors."""

    status = 400
    code = "invalid"
    title = _("Ungültige Eingabe")

    def __init__(self, detail: str | Any = "", *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.errors = errors or []


class ValidationFailed(DomainError):
    status = 422
    code = "validation-failed"
    title = _("Die Eingaben sind nicht gültig")


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = _("Nicht gefunden")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    title = _("Keine Berechtigung")


class TrustLevelTooLow(DomainError):
    status = 403
    code = "trust-level-too-low"
    title = _("Höheres Vertrauensniveau erforderlich")


class ImportRejected(ValidationFailed):
    code = "import-rejected"
    title = _("Der Import wurde abgelehnt; es wurde nichts gespeichert")


def problem(status: int, code: str, title: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    """An RFC 9457 problem-details body."""
    body: dict[str, Any] = {"type": f"https://rathaus.dev/probleme/{code}", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    return body
