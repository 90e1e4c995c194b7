"""Documents from templates (Vorlagen): a letter of the municipality, its placeholders filled from the case,
rendered to PDF/A-3b (WeasyPrint) and filed as a new document of the case — every step journaled.

The template text is typed by the records administration and is never given to a template engine. The only
syntax is ``{{ name }}`` for the names in :data:`PLACEHOLDERS` (and ``{{ antworten.<feld> }}`` for an answer
of the case's application); anything else that looks like template syntax is refused when the template is
saved. Filling is one pass of plain string substitution: a value that itself reads ``{{ name }}`` (say an
applicant called so) stays as it is, and the PDF's HTML escapes every character of the filled text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rathaus.core.errors import ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.identity.permissions import ADMIN_ROLE, has_role

from . import journal
from .decisions import PDF_VARIANT, placeholders
from .journal import Actor
from .models import Case, Document
from .models_templates import DocumentTemplate
from .services import add_document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality

PLACEHOLDERS = {
    "aktenzeichen": "Aktenzeichen des Vorgangs",
    "akte": "Aktenzeichen der Akte",
    "betreff": "Betreff des Vorgangs",
    "kommune": "Name der Kommune",
    "name": "Name der antragstellenden Person",
    "anschrift": "Anschrift der antragstellenden Person",
    "antragsnummer": "Antragsnummer",
    "leistung": "Name der Leistung",
    "eingang": "Eingangsdatum des Antrags",
    "datum": "heutiges Datum",
}
ANSWERS = "antworten"
MAX_BODY = 20_000
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\s*\}\}")
_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


class TemplateError(ValidationFailed):
    """A template or a document from it refused (German message, safe to show)."""


def can_manage(user: User | AnonymousUser, tenant: Municipality) -> bool:
    """Templates are the records administration's (the municipality's administration)."""
    return has_role(user, tenant, ADMIN_ROLE)


# --- the restricted substitution ---------------------------------------------------------------------------


def check_body(body: str) -> None:
    """Refuse unknown placeholders and every other piece of template syntax."""
    for match in _PLACEHOLDER.finditer(body):
        name = match.group(1)
        head, _dot, field = name.partition(".")
        if (field and head != ANSWERS) or (not field and name not in PLACEHOLDERS):
            message = _("Den Platzhalter »%(name)s« gibt es nicht.") % {"name": name[:60]}
            raise TemplateError(message, errors=[{"field": "body", "message": message}])
    rest = _PLACEHOLDER.sub("", body)
    if _SYNTAX.search(rest):
        message = _(
            "Die Vorlage enthält Zeichen wie »{{«, »{%« oder »}}« außerhalb eines Platzhalters. "
            "Erlaubt sind nur Platzhalter wie {{ aktenzeichen }}."
        )
        raise TemplateError(message, errors=[{"field": "body", "message": message}])


def fill(body: str, values: dict[str, Any]) -> str:
    """``body`` with each placeholder replaced by its value, in one pass (values are never expanded again)."""

    def value(match: re.Match[str]) -> str:
        head, _dot, field = match.group(1).partition(".")
        if field:
            answers = values.get(ANSWERS) or {}
            return str(answers.get(field, "")) if isinstance(answers, dict) else ""
        found = values.get(head, "")
        return found if isinstance(found, str) else str(found)

    return _PLACEHOLDER.sub(value, body)


# --- templates ---------------------------------------------------------------------------------------------


def _clean(value: str, field: str, *, multiline: bool, limit: int) -> str:
    try:
        value = clean_text(value or "", multiline=multiline)
    except TextRefused as exc:
        raise TemplateError(exc.message, errors=[{"field": field, "message": exc.message}]) from None
    if len(value) > limit:
        message = _("Der Text ist zu lang (höchstens %(n)s Zeichen).") % {"n": limit}
        raise TemplateError(message, errors=[{"field": field, "message": message}])
    return value


def save_template(
    *,
    tenant: Municipality,
    actor: Actor,
    title: str,
    body: str,
    service_key: str = "",
    kind: str = DocumentTemplate.Kind.OUTGOING,
    active: bool = True,
    template: DocumentTemplate | None = None,
) -> DocumentTemplate:
    """Create a template (or change ``template``): text checked, title unique in the municipality, journaled."""
    title = _clean(title, "title", multiline=False, limit=200)
    body = _clean(body, "body", multiline=True, limit=MAX_BODY)
    service_key = _clean(service_key, "service_key", multiline=False, limit=14)
    if not title or not body:
        raise TemplateError(_("Titel und Text sind Pflicht."), errors=[{"field": "title" if not title else "body"}])
    if service_key and not service_key.isdigit():
        message = _("Der LeiKa-Schlüssel besteht aus Ziffern.")
        raise TemplateError(message, errors=[{"field": "service_key", "message": message}])
    if kind not in DocumentTemplate.Kind.values:
        raise TemplateError(_("Bitte wählen Sie die Art des Dokuments."), errors=[{"field": "kind"}])
    check_body(body)
    if template is not None and template.tenant_id != tenant.pk:
        raise TemplateError(_("Diese Vorlage gehört zu einer anderen Kommune."))
    fields = {"title": title, "body": body, "service_key": service_key, "kind": kind, "active": active}
    try:
        with transaction.atomic():
            if template is None:
                template = DocumentTemplate.objects.create(tenant=tenant, **fields)
                action = "document_template.created"
            else:
                for name, value in fields.items():
                    setattr(template, name, value)
                template.updated_at = timezone.now()
                template.save()
                action = "document_template.changed"
            journal.record(
                tenant_id=tenant.pk,
                actor=actor,
                action=action,
                object_type="document_template",
                object_id=str(template.pk),
                detail={"title": title, "service": service_key, "active": active},
            )
    except IntegrityError:
        message = _("Eine Vorlage mit diesem Titel gibt es schon.")
        raise TemplateError(message, errors=[{"field": "title", "message": message}]) from None
    return template


def templates_for(tenant: Municipality | int, service_key: str) -> QuerySet[DocumentTemplate]:
    """Active templates of the service (and those for every service)."""
    return DocumentTemplate.objects.for_tenant(tenant).filter(active=True, service_key__in=[service_key, ""])


# --- a document from a template ----------------------------------------------------------------------------


def render_pdf(*, title: str, text: str, case: Case) -> bytes:
    """The filled letter as PDF/A-3b (tagged); the text is escaped by the HTML template."""
    from weasyprint import HTML

    with translation.override("de"):
        html = render_to_string(
            "records/document_templates/pdf.html",
            {"title": title, "text": text, "case": case, "party": case.file.party, "tenant": case.tenant},
        )
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)  # type: ignore[no-any-return]


def file_from_template(*, case: Case, template_id: Any, actor: Actor) -> Document:
    """Fill the template with the case, render it and file it as a new document of ``case``.

    The template must be active, of the case's municipality and of its service (or of every service);
    anything else is refused with a message and journaled. The filled text becomes the document's text
    (full-text search).
    """
    try:
        pk = int(template_id)
    except (TypeError, ValueError):
        pk = 0
    case = Case.objects.for_tenant(case.tenant_id).select_related("file", "file__party", "tenant").get(pk=case.pk)
    template = templates_for(case.tenant_id, case.service_key).filter(pk=pk).first()
    if template is None:
        journal.record(
            tenant_id=case.tenant_id,
            actor=actor,
            action="case.document_from_template",
            object_type="case",
            object_id=case.reference,
            outcome="refused",
            detail={"template": str(template_id)[:40]},
        )
        raise TemplateError(_("Bitte wählen Sie eine Vorlage aus der Liste."), errors=[{"field": "template"}])
    text = fill(template.body, placeholders(case))
    pdf = render_pdf(title=template.title, text=text, case=case)
    stem = slugify(template.title)[:60] or "schreiben"
    with transaction.atomic():
        document = add_document(
            case=case,
            kind=template.kind,
            title=template.title,
            name=f"{stem}-{case.reference.replace('/', '-')}.pdf",
            content_type="application/pdf",
            data=pdf,
            text=text,
            actor=actor,
        )
        journal.record(
            tenant_id=case.tenant_id,
            actor=actor,
            action="case.document_from_template",
            object_type="case",
            object_id=case.reference,
            detail={"template": template.pk, "document": str(document.uuid)},
        )
    return document
