"""WebAuthn (security keys, passkeys) as a second factor for staff, on top of django-otp-webauthn.

The package does the ceremonies and stores each key as a django-otp device, so ``user.is_verified()`` and the
platform admin's OTPAdminSite see it like the TOTP app. Rathaus adds three rules the package leaves open:

- relying party id, name and origin come from the request: each municipality is served on its own host
  names, and a key is bound to the host it was registered on;
- only staff take part, and never without the password first (no passwordless login);
- registering a key needs a session that already passed a second factor (TOTP or another key).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest
from django.middleware import csrf
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)
from webauthn.helpers.structs import UserVerificationRequirement

from .views import _safe_next

# --- relying party: per request (settings OTP_WEBAUTHN_RP_ID_CALLABLE, OTP_WEBAUTHN_RP_NAME_CALLABLE) --------


def rp_id(request: HttpRequest) -> str:
    """The host name the staff member uses, without port: TenantMiddleware only lets known hosts through."""
    return urlsplit(f"//{request.get_host()}").hostname or ""


def rp_name(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return tenant.name if tenant is not None else "Rathaus"


def origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


class TenantWebAuthnHelper(WebAuthnHelper):
    """Expects the origin of this very request, asks for user verification, names each new key by its date."""

    def get_allowed_origins(self) -> list[str]:
        return [origin(self.request)]

    def get_generate_authentication_options_kwargs(self, *, user: Any = None, require_user_verification: bool) -> dict:
        kwargs = super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=require_user_verification
        )
        if not require_user_verification:
            # The package would discourage it after a password login; we ask for PIN/biometrics where the key can.
            kwargs["user_verification"] = UserVerificationRequirement.PREFERRED
        return kwargs

    def create_credential(self, user: Any, response: Any, parsed_credential: Any, original_data: dict) -> Any:
        device = super().create_credential(user, response, parsed_credential, original_data)
        today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
        device.name = _("Sicherheitsschlüssel vom %(date)s") % {"date": today}
        return device


# --- the JSON endpoints the package's JavaScript talks to -----------------------------------------------


class StaffOnly(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy("Sicherheitsschlüssel gibt es nur im internen Bereich für Beschäftigte.")
    default_code = "staff_only"


class SecondFactorFirst(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy(
        "Bitte bestätigen Sie Ihre Anmeldung zuerst mit dem Code aus Ihrer Authenticator-App oder einem "
        "registrierten Sicherheitsschlüssel."
    )
    default_code = "user_not_verified"


class _JsonOnly:
    """The ceremonies speak JSON (the begin calls send no body); form posts are refused before parsing."""

    def _parse_request_data(self, request: HttpRequest) -> Any:
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            raise exceptions.MalformedRequest()
        return super()._parse_request_data(request)  # type: ignore[misc]


def _staff_user(request: HttpRequest) -> Any:
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    if not getattr(user, "is_employee", False) or not user.is_active:
        raise StaffOnly()
    return user


class _RegistrationRules:
    request: HttpRequest

    def get_user(self) -> Any:
        return _staff_user(self.request)

    def check_can_register(self) -> None:
        # Stricter than the package (which lets a user without any device register one): a key is added only
        # in a session that already passed a second factor.
        if not self.request.user.is_verified():  # type: ignore[union-attr]
            raise SecondFactorFirst()


class BeginRegistrationView(_JsonOnly, _RegistrationRules, BeginCredentialRegistrationView):
    pass


class CompleteRegistrationView(_JsonOnly, _RegistrationRules, CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        # Shown when rathaus/static/rathaus/webauthn.js reloads the page.
        messages.success(self.request, _("Der Sicherheitsschlüssel wurde eingerichtet."))
        return response


class _AuthenticationRules:
    request: HttpRequest

    def get_user(self) -> Any:
        # After the password step only: the package's passwordless path (no user) is never reached.
        return _staff_user(self.request)

    def check_can_authenticate(self) -> None:
        self.get_user()


class BeginAuthenticationView(_JsonOnly, _AuthenticationRules, BeginCredentialAuthenticationView):
    pass


class CompleteAuthenticationView(_JsonOnly, _AuthenticationRules, CompleteCredentialAuthenticationView):
    def get_success_url(self) -> str:
        return _safe_next(self.request, "staff:dashboard")  # type: ignore[arg-type]


# The German texts of the package's scripts (they call the global ``gettext``), a script of our own origin.
javascript_catalog = JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])


def script_configuration(request: HttpRequest) -> dict[str, Any]:
    """What the package's scripts read from the ``otp_webauthn_config`` JSON element: our endpoints."""
    return {
        "autocompleteLoginFieldSelector": None,
        # Not the package's default input[name='next']: the language switch in the page header has one too.
        "nextFieldSelector": "#staff-otp-next",
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("staff:webauthn_authentication_begin"),
        "completeAuthenticationUrl": reverse("staff:webauthn_authentication_complete"),
        "beginRegistrationUrl": reverse("staff:webauthn_registration_begin"),
        "completeRegistrationUrl": reverse("staff:webauthn_registration_complete"),
    }
