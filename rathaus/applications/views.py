"""Citizen pages: start an application, fill it step by step, check the summary, submit, follow it up."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.attachments import storage
from rathaus.catalog import selectors as catalog
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.identity import selectors as identity
from rathaus.identity.decorators import trust_level_required
from rathaus.identity.services import session_trust_level
from rathaus.identity.trust import rank, satisfies
from rathaus.mailbox import selectors as mailbox_selectors
from rathaus.mailbox import services as mailbox
from rathaus.payments import selectors as payment_selectors
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import Application
from .receipt import receipt_response


def _login_redirect(request: TenantRequest) -> HttpResponse:
    return redirect(f"{reverse('identity:login')}?{urlencode({'next': request.get_full_path()})}")


def _citizen(request: TenantRequest) -> bool:
    return bool(request.user.is_authenticated and not getattr(request.user, "is_employee", False))


def _service_level(request: TenantRequest, slug: str) -> str:
    service = catalog.published_service(request.tenant, slug)
    if service is None:
        raise Http404
    return selectors.needed_level(service)


@require_http_methods(["GET", "POST"])
@trust_level_required(_service_level)
def start(request: TenantRequest, slug: str) -> HttpResponse:
    """Entry from the service page, once login and trust level are enough: resume or open the draft."""
    service = catalog.published_service(request.tenant, slug)
    if service is None:
        raise Http404
    form_version = selectors.current_form(request.tenant, service)
    if form_version is None or not _citizen(request):
        return render(request, "portal/apply.html", {"service": service, "staff": not _citizen(request)})
    acting = identity.acting(request)
    if not selectors.applies_as_allowed(service, acting.organisation_id):
        return _not_for_this_login(request, service, for_organisations=acting.organisation_id is None)
    try:
        draft = services.start_draft(
            tenant=request.tenant,
            service=service,
            owner=request.user,
            form_version=form_version,
            organisation_id=acting.organisation_id,
        )
    except NotFound:
        raise Http404 from None  # the session acts for an organisation the person no longer represents
    return redirect("applications:step", draft_uuid=draft.uuid, step_id=draft.resume_step)


def _not_for_this_login(request: TenantRequest, service: Any, *, for_organisations: bool) -> HttpResponse:
    """The service is for organisations only (or persons only): say so, and how to log in for it."""
    providers = identity.identity_providers(request.tenant)
    wanted = providers.filter(plugin="muk") if for_organisations else providers.exclude(plugin="muk")
    context = {
        "service": service,
        "for_organisations": for_organisations,
        "providers": list(wanted),
        "next": reverse("applications:start", args=[service.slug]),
    }
    return render(request, "applications/not_for_this_login.html", context, status=403)


def mine(request: TenantRequest) -> HttpResponse:
    """»Meine Anträge«: open drafts and submitted applications with their status."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    if not _citizen(request):
        raise Http404
    # Applications submitted at a higher trust level than this session's stay hidden until the citizen logs in at
    # that level again: a password session must not read what was submitted with the Online-Ausweis.
    session_level = session_trust_level(request)
    acting = identity.acting(request)
    organisation = _organisation(request, acting)
    applications = list(selectors.applications_of(request.tenant, acting))
    shown = [a for a in applications if satisfies(session_level, a.trust_level)]
    hidden = [a for a in applications if not satisfies(session_level, a.trust_level)]
    needed = max((a.trust_level for a in hidden), key=rank, default=None)
    context = {
        "drafts": selectors.drafts_of(request.tenant, acting),
        "organisation": organisation,
        # The session acts for an organisation the person no longer represents: it shows nothing of it.
        "organisation_lost": acting.organisation_id is not None and organisation is None,
        "applications": shown,
        "hidden_count": len(hidden),
        "hidden_login_url": _trust_level_url(needed, request.get_full_path()) if needed else "",
    }
    return render(request, "applications/mine.html", context)


def _organisation(request: TenantRequest, acting: identity.Acting) -> Any:
    """The organisation the session acts for (for the headings) while the person still represents it, or None."""
    if acting.organisation_id is None:
        return None
    return identity.represented_by(request.user).filter(pk=acting.organisation_id).first()


def _trust_level_url(level: str, next_url: str) -> str:
    return f"{reverse('identity:trust_level')}?{urlencode({'level': level, 'next': next_url})}"


class _StepUpNeeded(Exception):
    """The application was submitted at a higher trust level than this session's login."""

    def __init__(self, level: str) -> None:
        self.level = level


def _application_or_404(request: TenantRequest, number: str) -> Application:
    """The citizen's own application (acting for an organisation: the organisation's), if this session's login
    reaches the level it was submitted at.

    Raises Http404 (not the citizen's) or _StepUpNeeded (turned into a redirect to log in at the level).
    """
    if not _citizen(request):
        raise Http404
    application = selectors.application_of(request.tenant, identity.acting(request), number)
    if application is None:
        raise Http404
    if not satisfies(session_trust_level(request), application.trust_level):
        raise _StepUpNeeded(application.trust_level)
    return application


def _step_up_redirects(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _StepUpNeeded as exc:
            next_url = request.get_full_path() if request.method == "GET" else reverse("applications:mine")
            if request.method != "GET" and "number" in kwargs:
                next_url = reverse("applications:detail", args=[kwargs["number"]])
            return redirect(_trust_level_url(exc.level, next_url))

    return wrapped


@require_http_methods(["GET", "POST"])
@_step_up_redirects
def detail(request: TenantRequest, number: str) -> HttpResponse:
    """One application: status history, fee and payment, receipt, and the message thread with the office."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    application = _application_or_404(request, number)
    message_errors: list[str] = []
    body = request.POST.get("body", "")
    if request.method == "POST":
        message_errors = post_message(request, application, from_office=False)
        if not message_errors:
            messages.success(request, _("Ihre Nachricht ist verschickt."))
            return redirect("applications:detail", number=number)
    mailbox.mark_read(tenant=request.tenant, reference=application.mailbox_reference, reader_is_office=False)
    context = {
        "application": application,
        "events": application.events.all(),
        "thread": mailbox_selectors.messages(request.tenant, application.mailbox_reference),
        "attachments": application.attachments.all().order_by("field", "pk"),
        "message_errors": message_errors,
        "body": body,
        # a decision's fee, raised through payments with this page as its return address
        "further_fees": payment_selectors.further_fees(
            request.tenant,
            identity.acting(request),
            reverse("applications:detail", args=[application.number]),
            besides=application.number,
        ),
    }
    return render(request, "applications/detail.html", context, status=422 if message_errors else 200)


def post_message(request: TenantRequest, application: Application, *, from_office: bool) -> list[str]:
    """Send the posted message (with its files) into the application's thread; the errors to show, if any."""
    try:
        services.send_message(
            application=application,
            sender=request.user,
            body=request.POST.get("body", ""),
            from_office=from_office,
            uploads=request.FILES.getlist("files"),
        )
    except ValidationFailed as exc:
        return [str(exc.detail)]
    return []


@_step_up_redirects
def receipt(request: TenantRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login_redirect(request)
    application = _application_or_404(request, number)
    return receipt_response(application)


@_step_up_redirects
def attachment(request: TenantRequest, number: str, sha256: str) -> HttpResponse:
    """A file of the citizen's own application or of its message thread."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    application = _application_or_404(request, number)
    ref = selectors.file_of(application, sha256)
    if ref is None:
        raise Http404
    return file_response(ref)


def file_response(ref: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(storage.open_blob(ref["key"]), content_type=ref["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{_ascii(ref["name"])}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name) or "datei"


@require_POST
@_step_up_redirects
def pay(request: TenantRequest, number: str) -> HttpResponse:
    application = _application_or_404(request, number)
    url = services.payment_redirect(application=application, request=request)
    if url is None:
        messages.info(request, _("Für diesen Antrag ist nichts zu bezahlen."))
        return redirect("applications:detail", number=number)
    return redirect(url)
