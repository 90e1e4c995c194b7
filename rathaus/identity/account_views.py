"""Pages of the account lifecycle: forgotten and changed password, e-mail change, sessions, data download,
deleting the account. Thin: the form checks, ``account_services`` writes."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from rathaus.core.errors import ValidationFailed
from rathaus.tenants.http import TenantRequest

from . import account_services, account_sessions, data_export, data_export_pdf
from .account_forms import ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, EmailForm, NewPasswordForm
from .models import User
from .services import session_trust_level
from .trust import TrustLevel, satisfies

# An account without a password (identity provider only) confirms a deletion by a login this recent.
RECENT_LOGIN = dt.timedelta(minutes=15)


def _citizen(request: TenantRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated and getattr(user, "is_citizen", False) else None  # type: ignore[return-value]


def _recent_login(request: TenantRequest, user: User) -> bool:
    key = account_sessions.current_key(request)
    entry = account_sessions.sessions_of(user).filter(key=key).first() if key else None
    return entry is not None and timezone.now() - entry.created_at <= RECENT_LOGIN


# --- Forgotten password -------------------------------------------------------------------------------------


@never_cache
def password_reset_view(request: TenantRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_services.request_password_reset(
            request=request, tenant=request.tenant, email=form.cleaned_data["email"]
        )
        return render(request, "identity/account/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "identity/account/password_reset.html", {"form": form})


@never_cache
def password_reset_confirm_view(request: TenantRequest, token: str) -> HttpResponse:
    user = account_services.user_for_reset_token(tenant=request.tenant, token=token)
    if user is None:
        return render(
            request,
            "identity/account/link_invalid.html",
            {"message": account_services.invalid_reset_message(), "again": "identity:password_reset"},
            status=400,
        )
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.reset_password(tenant=request.tenant, token=token, password=form.cleaned_data["password"])
        except ValidationFailed as exc:
            return render(request, "identity/account/link_invalid.html", {"message": exc.detail}, status=400)
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, _("Ihr neues Passwort ist gespeichert. Bitte melden Sie sich damit an."))
        return redirect("identity:login")
    return render(request, "identity/account/password_reset_confirm.html", {"form": form})


# --- Change password and e-mail -----------------------------------------------------------------------------


@login_required
def password_change_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    if not user.has_usable_password():
        return render(request, "identity/account/password_change.html", {"form": None})
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        account_services.change_password(request=request, user=user, password=form.cleaned_data["password"])
        messages.success(request, _("Ihr neues Passwort ist gespeichert. Alle anderen Anmeldungen sind beendet."))
        return redirect("identity:account")
    return render(request, "identity/account/password_change.html", {"form": form})


@login_required
def email_change_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    form = ChangeEmailForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        if "current_password" not in form.fields and not _recent_login(request, user):
            form.add_error(
                None, _("Bitte melden Sie sich zur Sicherheit noch einmal an und ändern Sie die Adresse dann.")
            )
        else:
            new_email = form.cleaned_data["new_email"]
            account_services.request_email_change(request=request, user=user, new_email=new_email)
            return render(request, "identity/account/email_change_sent.html", {"email": new_email})
    return render(request, "identity/account/email_change.html", {"form": form})


@never_cache
def email_change_confirm_view(request: TenantRequest, token: str) -> HttpResponse:
    """GET shows what the link would change and a button; only the POST (with CSRF) changes the address, so a
    mail scanner that opens every link in a message confirms nothing."""
    try:
        if request.method == "POST":
            account_services.confirm_email_change(tenant=request.tenant, token=token)
        else:
            new_email = account_services.pending_email_change(tenant=request.tenant, token=token)
            return render(request, "identity/account/email_change_confirm.html", {"email": new_email})
    except ValidationFailed as exc:
        return render(
            request,
            "identity/account/link_invalid.html",
            {"message": exc.detail, "again": "identity:email_change"},
            status=400,
        )
    messages.success(request, _("Ihre neue E-Mail-Adresse ist bestätigt und eingetragen."))
    return redirect("identity:account" if request.user.is_authenticated else "identity:login")


# --- Sessions -----------------------------------------------------------------------------------------------


@login_required
def sessions_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    if request.method == "POST":
        ended = account_sessions.end_other_sessions(user=user, keep=account_sessions.current_key(request))
        messages.success(
            request, _("Sie sind jetzt überall sonst abgemeldet (%(count)s Sitzungen beendet).") % {"count": ended}
        )
        return redirect("identity:sessions")
    current = account_sessions.current_key(request)
    rows = [
        {
            "device": account_sessions.describe_user_agent(s.user_agent) or _("Unbekanntes Gerät"),
            "ip": s.ip,
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
            "current": s.key == current,
        }
        for s in account_sessions.sessions_of(user)
    ]
    return render(
        request, "identity/account/sessions.html", {"sessions": rows, "others": sum(not r["current"] for r in rows)}
    )


# --- My data ------------------------------------------------------------------------------------------------


def _export_level(request: TenantRequest, user: User) -> str | None:
    """The trust level the export needs (the highest any of its applications was submitted at), if this
    session has not reached it; else None."""
    needed = data_export.required_level(user)
    return None if satisfies(session_trust_level(request), needed) else needed


@login_required
def data_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    needed = _export_level(request, user)
    return render(
        request,
        "identity/account/data.html",
        {"needed": TrustLevel(needed) if needed else None, "sections": data_export.sections()},
    )


@login_required
@never_cache
def data_json_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    if _export_level(request, user):
        return redirect("identity:account_data")
    body = json.dumps(data_export.export(user), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
    return response


@login_required
@never_cache
def data_pdf_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    if _export_level(request, user):
        return redirect("identity:account_data")
    response = HttpResponse(data_export_pdf.render_pdf(user), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="meine-daten.pdf"'
    return response


# --- Deleting the account -----------------------------------------------------------------------------------


@login_required
def delete_view(request: TenantRequest) -> HttpResponse:
    user = _citizen(request)
    if user is None:
        return redirect("staff:dashboard")
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        if "current_password" not in form.fields and not _recent_login(request, user):
            form.add_error(
                None, _("Bitte melden Sie sich zur Sicherheit noch einmal an und löschen Sie das Konto dann.")
            )
        else:
            account_services.delete_account(user=user)
            logout(request)
            return render(request, "identity/account/deleted.html")
    return render(
        request,
        "identity/account/delete.html",
        {"form": form, "needs_fresh_login": "current_password" not in form.fields and not _recent_login(request, user)},
    )
