"""Staff area: password login, then a second factor (TOTP app, enrolled on first login, or a security key),
dashboard, and the page where staff manage their security keys (WebAuthn)."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.tenants.http import TenantRequest

from . import permissions, selectors, services, webauthn
from .decorators import staff_required
from .forms import LoginForm, TokenForm
from .models import User
from .views import _safe_next


def staff_login_view(request: TenantRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user: User = form.get_user()
        if not user.is_employee:
            form.add_error(None, _("Dieser Zugang ist nur für Beschäftigte der Verwaltung."))
        else:
            login(request, user, backend="rathaus.identity.backends.TenantEmailBackend")
            return redirect(f"{_otp_url()}?next={_safe_next(request, 'staff:dashboard')}")
    return render(request, "staff/login.html", {"form": form, "next": request.GET.get("next", "")})


def _otp_url() -> str:
    from django.urls import reverse

    return reverse("staff:otp")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def staff_otp_view(request: TenantRequest) -> HttpResponse:
    """Second factor: a TOTP code or a registered security key; or enrol an authenticator app on the first login."""
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_employee", False):
        return redirect("staff:login")
    has_keys = selectors.webauthn_credentials_of(user).exists()
    confirmed = selectors.totp_device(user, confirmed=True)
    # Enrolling an app needs only the password, so it is offered only to accounts without any second factor:
    # someone who knows the password of an account with a key must not get around the key this way.
    enrolling = confirmed is None and not has_keys
    device = services.begin_totp_enrolment(user) if enrolling else confirmed
    form = TokenForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token", _("Zu viele Fehlversuche. Bitte warten Sie einige Sekunden und versuchen Sie es erneut.")
            )
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request, "staff:dashboard"))
        else:
            form.add_error("token", _("Der Code ist falsch oder abgelaufen. Bitte geben Sie den aktuellen Code ein."))
    context = {
        "form": form,
        "enrolling": enrolling,
        "has_totp": device is not None,
        "has_keys": has_keys,
        "next": request.GET.get("next", request.POST.get("next", "")),
    }
    if has_keys:
        context["webauthn_config"] = webauthn.script_configuration(request)
    if enrolling and device is not None:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "staff/otp.html", context)


@require_POST
def staff_logout_view(request: TenantRequest) -> HttpResponse:
    logout(request)
    return redirect("staff:login")


@staff_required()
def dashboard_view(request: TenantRequest) -> HttpResponse:
    roles = selectors.roles_of(request.user)  # type: ignore[arg-type]
    areas = permissions.areas_of(request.user, request.tenant)
    return render(request, "staff/dashboard.html", {"roles": roles, "areas": areas})


@staff_required()
def security_keys_view(request: TenantRequest) -> HttpResponse:
    """List the staff member's security keys and register another one (the browser does that with JavaScript)."""
    keys = selectors.webauthn_credentials_of(request.user)
    context = {
        "keys": keys,
        "can_remove": selectors.staff_second_factor_count(request.user) > 1,
        "webauthn_config": webauthn.script_configuration(request),
    }
    return render(request, "staff/security_keys.html", context)


@staff_required()
@require_POST
def remove_security_key_view(request: TenantRequest, pk: int) -> HttpResponse:
    try:
        services.remove_webauthn_credential(user=request.user, credential_id=pk)
    except NotFound:
        raise Http404 from None
    except ValidationFailed as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Der Sicherheitsschlüssel wurde entfernt."))
    return redirect("staff:security_keys")
