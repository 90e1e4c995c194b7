"""Connecting an external login (BundID, Mein Unternehmenskonto, OpenID Connect) to an existing local account.

An external login is never joined to an existing account because an e-mail address matches: the address may
have been registered, even "verified", by someone else. The owner connects it from inside the account: logged
in, they confirm on :func:`link_view`, which records an intent (account, provider, time) in the session and
sends them to the provider. The provider's start view turns the intent into ``link_user`` of its flow
(:func:`take_intent`); the callback joins the subject to that account only if the same account is still logged
in (:func:`link_target`).
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.tenants.http import TenantRequest

from .models import IdentityProvider, User


class ExternalLoginError(Exception):
    """A login at an external provider (OIDC, SAML) that must stop. ``reason`` goes to the log; ``message``
    (German) to the citizen."""

    def __init__(self, reason: str, message: str, *, status: int = 400, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status
        self.details = details


def retry_message() -> str:
    return _(
        "Die Anmeldung mit Ihrem Nutzerkonto konnte nicht abgeschlossen werden. Bitte starten Sie die "
        "Anmeldung noch einmal. Wenn es wieder nicht klappt, wenden Sie sich an Ihre Stadtverwaltung."
    )


def unavailable_message() -> str:
    return _(
        "Die Anmeldung mit diesem Nutzerkonto ist zurzeit nicht möglich. Bitte versuchen Sie es später noch "
        "einmal oder melden Sie sich mit E-Mail und Passwort an."
    )


INTENT_SESSION_KEY = "rathaus_link_intent"
INTENT_MAX_AGE = 15 * 60


class LinkSessionChanged(Exception):
    """The flow was started to connect an account, but that account is no longer the one logged in."""


def changed_message() -> str:
    return _(
        "Sie wollten ein Nutzerkonto mit Ihrem Konto verbinden, sind hier aber inzwischen nicht mehr mit diesem "
        "Konto angemeldet. Es wurde nichts verbunden. Bitte melden Sie sich wieder an und versuchen Sie es erneut."
    )


def start_url(provider: IdentityProvider) -> str:
    """Where a login with ``provider`` starts (the plugin's start view)."""
    return provider.login_path()


@login_required
@require_http_methods(["GET", "POST"])
def link_view(request: TenantRequest, provider: str) -> HttpResponse:
    """Explain what connecting means and, on the confirmed POST, send the account's owner to the provider."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen or request.tenant is None:
        raise Http404
    idp = IdentityProvider.objects.for_tenant(request.tenant).filter(slug=provider, is_active=True).first()
    if idp is None:
        raise Http404
    if request.method == "POST" and request.POST.get("bestaetigt") == "1":
        request.session[INTENT_SESSION_KEY] = {"user": user.pk, "provider": idp.pk, "started": int(time.time())}
        return HttpResponseRedirect(start_url(idp))
    if request.method == "POST":
        return redirect("identity:account")
    return render(request, "identity/link_confirm.html", {"provider": idp})


def take_intent(request: HttpRequest, provider: IdentityProvider) -> int | None:
    """The account to connect, if its logged-in owner asked for ``provider`` in the last 15 minutes; single use."""
    intent: Any = request.session.pop(INTENT_SESSION_KEY, None)
    if not isinstance(intent, dict) or not request.user.is_authenticated:
        return None
    fresh = int(time.time()) - int(intent.get("started", 0)) < INTENT_MAX_AGE
    if intent.get("user") == request.user.pk and intent.get("provider") == provider.pk and fresh:
        return int(request.user.pk)
    return None


def link_target(request: HttpRequest, flow: dict[str, Any]) -> User | None:
    """The account the flow was started to connect, still logged in; ``None`` for an ordinary login.

    Raises :class:`LinkSessionChanged` if the flow was for connecting but someone else (or nobody) is logged in
    now: it must not fall back to an ordinary login, which could create a second account.
    """
    wanted = flow.get("link_user")
    if not wanted:
        return None
    user = request.user
    if not user.is_authenticated or user.pk != wanted:
        raise LinkSessionChanged
    return user  # type: ignore[return-value]
