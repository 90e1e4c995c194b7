"""The receipt (Eingangsbestätigung) as PDF: every answer, every attachment with its SHA-256, number and time.

The PDF is tagged (structure tree with headings, tables and lists, the document language, the title shown
instead of the file name) and archivable: PDF/A-3a, which demands tagging, with the PDF/UA-1 identification
added to its XMP metadata. The frame of the receipt speaks the citizen's language (the page language when
downloading); the answers and the form's own labels stay as written, marked as German on a receipt in
another language (in the HTML; WeasyPrint's structure tree carries the document language only).
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from rathaus import formengine
from rathaus.catalog import selectors as catalog

from .models import Application

PDF_VARIANT = "pdf/a-3a"
# PDF/UA-1 identification (ISO 14289-1, 5): one more rdf:Description in the document's XMP packet.
PDF_UA_XMP = (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>'
    b"</rdf:RDF>"
)
RECEIPT_LANGUAGES = ("de", "en")


def receipt_language(language: str | None = None) -> str:
    """``language`` (default: the active one) if the receipt speaks it, else German."""
    language = (language or translation.get_language() or "de").split("-")[0]
    return language if language in RECEIPT_LANGUAGES else "de"


def receipt_html(application: Application, language: str) -> str:
    """The receipt as HTML in ``language``, from the stored application alone (same content every time)."""
    definition = application.form_version.parsed()
    with translation.override(language):
        return render_to_string(
            "applications/receipt.html",
            {
                "application": application,
                "tenant": application.tenant,
                "language": language,
                "service_name": catalog.localized(application.service, "name", language),
                "steps": formengine.summary(definition, application.answers),
                "attachments": list(application.attachments.all().order_by("field", "pk")),
                "fee_lines": [
                    {**line, "unit_amount": Decimal(line["unit_amount"]), "amount": Decimal(line["amount"])}
                    for line in application.fee_lines
                ],
            },
        )


def receipt_pdf(application: Application, language: str | None = None) -> bytes:
    """The receipt as tagged PDF/A-3a (with PDF/UA-1 identification) in ``language`` (see receipt_language)."""
    from weasyprint import HTML  # imported here: loading pango takes a moment and most requests don't need it

    document = HTML(string=receipt_html(application, receipt_language(language))).render(pdf_variant=PDF_VARIANT)
    document.metadata.xmp_metadata.append(PDF_UA_XMP)
    return document.write_pdf(pdf_variant=PDF_VARIANT)  # type: ignore[no-any-return]


def receipt_response(application: Application) -> HttpResponse:
    """The receipt as a download named after the application number."""
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="Eingangsbestaetigung-{application.number}.pdf"'
    return response
