"""Pages of the Demo-Servicekonto: start page and a German login form with »Abbrechen«."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from .people import DEMO_PASSWORD, PEOPLE


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "demo_idp/index.html",
        {"people": PEOPLE.values(), "password": DEMO_PASSWORD, "issuer": oauth2_settings.OIDC_ISS_ENDPOINT},
    )


def _first(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name) or [""]
    return values[0]


def cancelled_authorization(next_url: str) -> HttpResponseRedirect | None:
    """The client's redirect URI with ``error=access_denied`` (RFC 6749 §4.1.2.1), if it is registered."""
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    params = parse_qs(parts.query)
    redirect_uri = _first(params, "redirect_uri")
    application = get_application_model().objects.filter(client_id=_first(params, "client_id")).first()
    # Only back to an address registered for that client: the cancel button is no open redirect.
    if application is None or not redirect_uri or not application.redirect_uri_allowed(redirect_uri):
        return None
    query = {
        "error": "access_denied",
        "error_description": "Die Anmeldung wurde abgebrochen.",
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
    }
    if state := _first(params, "state"):
        query["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(query)}")


class DemoLoginView(LoginView):
    template_name = "demo_idp/login.html"
    redirect_authenticated_user = False  # every login at the portal is a fresh authentication

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "abbrechen" in request.POST:
            response = cancelled_authorization(request.POST.get("next", ""))
            if response is not None:
                return response
            return render(request, "demo_idp/cancelled.html")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["people"] = PEOPLE.values()
        return context
