"""Pages of the records administration for document templates (/intern/akten/vorlagen/): list, create, change.

Only the municipality's administration (the records administration) manages them; caseworkers use them on the
case page. Every check and the journal are in ``document_templates.py``; these views only ask it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import ADMIN_ROLE
from rathaus.tenants.http import TenantRequest

from . import document_templates
from .journal import Actor
from .models_templates import DocumentTemplate


def _form_values(request: TenantRequest, template: DocumentTemplate | None) -> dict[str, Any]:
    if request.method == "POST":
        post = request.POST
        return {
            "title": post.get("title", "")[:200],
            "body": post.get("body", "")[: document_templates.MAX_BODY + 1],
            "service_key": post.get("service_key", "")[:14],
            "kind": post.get("kind", ""),
            "active": post.get("active") == "1",
        }
    if template is None:
        return {"title": "", "body": "", "service_key": "", "kind": DocumentTemplate.Kind.OUTGOING, "active": True}
    return {
        "title": template.title,
        "body": template.body,
        "service_key": template.service_key,
        "kind": template.kind,
        "active": template.active,
    }


def _page(request: TenantRequest, template: DocumentTemplate | None) -> HttpResponse:
    values = _form_values(request, template)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            saved = document_templates.save_template(
                tenant=request.tenant,
                actor=Actor.of_request(request, ADMIN_ROLE),
                template=template,
                **values,
            )
        except document_templates.TemplateError as exc:
            errors = [{"field": exc.errors[0].get("field", "") if exc.errors else "", "message": str(exc.detail)}]
        else:
            messages.success(request, _("Die Vorlage »%(title)s« ist gespeichert.") % {"title": saved.title})
            return redirect("records:templates")
    context = {
        "template": template,
        "values": values,
        "errors": errors,
        "kinds": DocumentTemplate.Kind.choices,
        "placeholders": sorted(document_templates.PLACEHOLDERS.items()),
        "templates": DocumentTemplate.objects.for_tenant(request.tenant) if template is None else None,
    }
    return render(request, "records/document_templates/manage.html", context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(ADMIN_ROLE)
def template_list(request: TenantRequest) -> HttpResponse:
    """Every template of the municipality, and the form for a new one."""
    return _page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(ADMIN_ROLE)
def template_edit(request: TenantRequest, template_id: int) -> HttpResponse:
    template = DocumentTemplate.objects.for_tenant(request.tenant).filter(pk=template_id).first()
    if template is None:
        raise Http404
    return _page(request, template)
