"""The receipt (Eingangsbestätigung) as PDF: every answer, every attachment with its SHA-256, number and time."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from rathaus import formengine

from .models import Application


def receipt_pdf(application: Application) -> bytes:
    """Render the receipt from the stored application alone (same bytes of content every time)."""
    from weasyprint import HTML  # imported here: loading pango takes a moment and most requests don't need it

    definition = application.form_version.parsed()
    with translation.override("de"):
        html = render_to_string(
            "applications/receipt.html",
            {
                "application": application,
                "tenant": application.tenant,
                "steps": formengine.summary(definition, application.answers),
                "attachments": list(application.attachments.all().order_by("field", "pk")),
                "fee_lines": [
                    {**line, "unit_amount": Decimal(line["unit_amount"]), "amount": Decimal(line["amount"])}
                    for line in application.fee_lines
                ],
            },
        )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def receipt_response(application: Application) -> HttpResponse:
    """The receipt as a download named after the application number."""
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Eingangsbestaetigung-{application.number}.pdf"'
    return response
