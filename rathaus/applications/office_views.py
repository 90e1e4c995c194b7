"""Department pages: incoming applications of the staff member's units, one application with its thread.

Until the E-Akte takes over, this is the "simple list" where a department sees what arrived.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus import formengine
from rathaus.core.errors import ValidationFailed
from rathaus.identity import permissions
from rathaus.identity.decorators import staff_required
from rathaus.mailbox import selectors as mailbox_selectors
from rathaus.mailbox import services as mailbox
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import Application
from .receipt import receipt_response
from .views import file_response, post_message

ROLES = permissions.OFFICE


@staff_required(*ROLES)
def inbox(request: TenantRequest) -> HttpResponse:
    applications = selectors.applications_for_office(request.tenant, request.user)
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        applications = applications.filter(status=status)
    return render(
        request,
        "office/inbox.html",
        {"applications": applications[:200], "statuses": Application.Status.choices, "status": status},
    )


def _application_or_404(request: TenantRequest, number: str) -> Application:
    application = selectors.application_for_office(request.tenant, request.user, number)
    if application is None:
        raise Http404
    return application


@staff_required(*ROLES)
@require_http_methods(["GET", "POST"])
def detail(request: TenantRequest, number: str) -> HttpResponse:
    application = _application_or_404(request, number)
    message_errors: list[str] = []
    body = ""
    if request.method == "POST":
        if request.POST.get("_action") == "status":
            try:
                services.change_status(
                    application=application,
                    status=request.POST.get("status", ""),
                    actor=request.user,
                    note=request.POST.get("note", ""),
                )
            except ValidationFailed as exc:
                messages.error(request, str(exc.detail))
            else:
                messages.success(request, _("Der Status ist geändert; die antragstellende Person wird benachrichtigt."))
            return redirect("office:detail", number=number)
        body = request.POST.get("body", "")
        message_errors = post_message(request, application, from_office=True)
        if not message_errors:
            messages.success(request, _("Die Nachricht ist im Postfach der antragstellenden Person."))
            return redirect("office:detail", number=number)
    mailbox.mark_read(tenant=request.tenant, reference=application.mailbox_reference, reader_is_office=True)
    definition = application.form_version.parsed()
    context = {
        "application": application,
        "summary": formengine.summary(definition, application.answers),
        "events": application.events.all(),
        "thread": mailbox_selectors.messages(request.tenant, application.mailbox_reference),
        "attachments": application.attachments.all().order_by("field", "pk"),
        "statuses": Application.Status.choices,
        "message_errors": message_errors,
        "body": body,
    }
    return render(request, "office/detail.html", context, status=422 if message_errors else 200)


@staff_required(*ROLES)
def receipt(request: TenantRequest, number: str) -> HttpResponse:
    application = _application_or_404(request, number)
    return receipt_response(application)


@staff_required(*ROLES)
def attachment(request: TenantRequest, number: str, sha256: str) -> HttpResponse:
    application = _application_or_404(request, number)
    ref = selectors.file_of(application, sha256)
    if ref is None:
        raise Http404
    return file_response(ref)
