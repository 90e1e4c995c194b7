"""OpenID Connect login against the municipality's identity providers (Servicekonto.NRW, BundID, …).

Authorization Code flow with PKCE (S256), ``state`` and ``nonce``; one :class:`IdentityProvider` row per
municipality is the whole configuration (no global ``OIDC_*`` settings). The token exchange and the
RS256 check of the ID token against the provider's JWKS come from mozilla-django-oidc's backend, which
:class:`TenantOIDCBackend` configures per provider. The ``acr`` claim of the signed ID token decides the
trust level of the session via ``acr_mapping``; anything unknown counts as *niedrig*, never higher.

Every failure ends on ``identity/oidc_failed.html`` (German, with what to do next), is logged without
personal data, and leaves nothing written and nobody logged in.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from rathaus.tenants.http import TenantRequest

from . import demo_providers, linking, login_needs, oidc_claims, services
from .models import IdentityProvider, Profile, User
from .trust import TrustLevel

log = structlog.get_logger("rathaus.identity.oidc")

BACKEND = "rathaus.identity.oidc.TenantOIDCBackend"
FLOWS_SESSION_KEY = "rathaus_oidc_flows"
FLOW_MAX_AGE = 15 * 60  # seconds from the start of the login to the callback
MAX_PENDING_FLOWS = 5  # several tabs may start a login; older attempts are dropped
DISCOVERY_CACHE_SECONDS = 60 * 60

# Used when a provider row has no attribute_mapping: the standard OpenID Connect claims.
DEFAULT_ATTRIBUTE_MAPPING = {
    "given_name": "first_name",
    "family_name": "last_name",
    "birthdate": "birth_date",
    "address.street_address": "street",
    "address.postal_code": "postal_code",
    "address.locality": "city",
}
USER_FIELDS = frozenset({"first_name", "last_name"})
PROFILE_FIELDS = frozenset({"birth_date", "street", "postal_code", "city", "country", "phone", "company_name"})

# mozilla-django-oidc settings that are fixed here, whatever the global settings say.
_FIXED_SETTINGS: dict[str, Any] = {
    "OIDC_ALLOW_UNSECURED_JWT": False,
    "OIDC_USE_NONCE": True,
    "OIDC_VERIFY_KID": True,
    "OIDC_TOKEN_USE_BASIC_AUTH": False,
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
}
_GLOBAL_SETTINGS = ("OIDC_VERIFY_SSL", "OIDC_TIMEOUT", "OIDC_PROXY")


class OIDCLoginError(linking.ExternalLoginError):
    """A login that must stop. ``reason`` goes to the log; ``message`` (German) to the citizen."""


_retry_message = linking.retry_message
_unavailable_message = linking.unavailable_message


# --- Provider configuration --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def _discovery_document(issuer: str) -> dict[str, Any]:
    key = "rathaus:oidc:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise OIDCLoginError("discovery_failed", _unavailable_message(), error=type(exc).__name__) from None
        # Mix-up protection: the document must speak for exactly the configured issuer.
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
            raise OIDCLoginError("discovery_issuer_mismatch", _unavailable_message())
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def provider_config(provider: IdentityProvider) -> ProviderConfig:
    """The provider's endpoints: as configured in the row, missing ones from its discovery document."""
    configured = {
        "authorization_endpoint": provider.authorization_endpoint,
        "token_endpoint": provider.token_endpoint,
        "userinfo_endpoint": provider.userinfo_endpoint,
        "jwks_uri": provider.jwks_uri,
    }
    if not all(configured.values()):
        document = _discovery_document(provider.issuer)
        configured = {name: value or str(document.get(name) or "") for name, value in configured.items()}
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not configured[name]]
    if missing:
        raise OIDCLoginError("provider_incomplete", _unavailable_message(), missing=missing)
    return ProviderConfig(issuer=provider.issuer, **configured)


def client_secret(provider: IdentityProvider) -> str | None:
    """The secret from the environment variable the row names; None for a public client (PKCE only)."""
    if not provider.client_secret_env:
        return None
    secret = os.environ.get(provider.client_secret_env)
    if not secret:
        raise OIDCLoginError("client_secret_missing", _unavailable_message(), variable=provider.client_secret_env)
    return secret


# --- Mapping of claims ---------------------------------------------------------------------------------------


def trust_level_for(provider: IdentityProvider, acr: object) -> str:
    """The trust level ``acr`` stands for at this provider; unknown or missing values are *niedrig*."""
    mapped = provider.acr_mapping.get(acr) if isinstance(acr, str) else None
    if mapped in (TrustLevel.LOW, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH):
        return str(mapped)
    return TrustLevel.LOW


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def map_attributes(mapping: dict[str, str], claims: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Account fields and profile fields from the claims; values that do not fit a field are left out."""
    user_fields: dict[str, str] = {}
    profile_fields: dict[str, Any] = {}
    for path, name in (mapping or DEFAULT_ATTRIBUTE_MAPPING).items():
        value = _claim(claims, path)
        if value is None or value == "" or isinstance(value, dict | list):
            continue
        if name in USER_FIELDS:
            model: type[User] | type[Profile] = User
            target: dict[str, Any] = user_fields
        elif name in PROFILE_FIELDS:
            model, target = Profile, profile_fields
        else:
            log.warning("oidc_unknown_attribute_target", field=name)
            continue
        try:
            target[name] = model._meta.get_field(name).clean(str(value), None)  # type: ignore[union-attr]
        except ValidationError:
            log.warning("oidc_attribute_rejected", field=name)
    return user_fields, profile_fields


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


# --- Backend ---------------------------------------------------------------------------------------------------


class TenantOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend, configured by one municipality's provider row instead of settings.

    Django instantiates it without arguments to restore the user of a session (``get_user``); the login
    itself is driven by :func:`oidc_callback`, so ``authenticate`` never accepts credentials.
    """

    def __init__(self, provider: IdentityProvider | None = None, config: ProviderConfig | None = None) -> None:
        # Not calling super().__init__(): it would read global OIDC_* settings.
        self.UserModel = User
        self.provider = provider
        self.config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config.token_endpoint if config else None
        self.OIDC_OP_USER_ENDPOINT = config.userinfo_endpoint if config else None
        self.OIDC_OP_JWKS_ENDPOINT = config.jwks_uri if config else None
        self.OIDC_RP_CLIENT_ID = provider.client_id if provider else None
        self.OIDC_RP_SIGN_ALGO = (provider.sign_algo or "RS256") if provider else "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.OIDC_RP_CLIENT_SECRET: str | None = None

    def get_settings(self, attr: str, *default: Any) -> Any:
        if attr in _FIXED_SETTINGS:
            return _FIXED_SETTINGS[attr]
        if attr in _GLOBAL_SETTINGS:
            return getattr(settings, attr, *default) if default else getattr(settings, attr)
        if default:
            return default[0]
        raise ImproperlyConfigured(f"{attr} is configured per identity provider, not in settings")

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def exchange_code(self, *, code: str, flow: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Redeem the code (with the PKCE verifier); return the checked ID token claims and the userinfo."""
        assert self.provider is not None and self.config is not None
        self.OIDC_RP_CLIENT_SECRET = client_secret(self.provider)
        payload = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow["redirect_uri"],
            "client_id": self.provider.client_id,
            "code_verifier": flow["code_verifier"],
        }
        if self.OIDC_RP_CLIENT_SECRET is not None:
            payload["client_secret"] = self.OIDC_RP_CLIENT_SECRET
        try:
            tokens = self.get_token(payload)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise OIDCLoginError("token_rejected", _retry_message(), status_code=status) from None
        except (requests.RequestException, ValueError) as exc:
            raise OIDCLoginError("token_request_failed", _unavailable_message(), error=type(exc).__name__) from None
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise OIDCLoginError("token_response_incomplete", _retry_message())
        claims = self.checked_id_token(id_token, nonce=flow["nonce"])
        userinfo: dict[str, Any] = {}
        if self.config.userinfo_endpoint:
            try:
                userinfo = self.get_userinfo(access_token, id_token, claims)
            except (requests.RequestException, ValueError, SuspiciousOperation, jwt.PyJWTError) as exc:
                raise OIDCLoginError("userinfo_failed", _retry_message(), error=type(exc).__name__) from None
            # OpenID Connect Core 5.3.2: the userinfo must be about the person of the ID token.
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise OIDCLoginError("userinfo_subject_mismatch", _retry_message())
        return claims, userinfo

    def checked_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Signature (JWKS, the row's algorithm), expiry and nonce via mozilla-django-oidc; then iss/aud/azp."""
        assert self.provider is not None and self.config is not None
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, ValueError, KeyError) as exc:
            raise OIDCLoginError("id_token_invalid", _retry_message(), error=type(exc).__name__) from None
        if not isinstance(claims, dict):
            raise OIDCLoginError("id_token_invalid", _retry_message())
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        problems = []
        if str(claims.get("iss", "")).rstrip("/") != self.config.issuer.rstrip("/"):
            problems.append("iss")
        if self.provider.client_id not in audiences:
            problems.append("aud")
        if len(audiences) > 1 and claims.get("azp") != self.provider.client_id:
            problems.append("azp")
        if "exp" not in claims:
            problems.append("exp")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            problems.append("sub")
        if problems:
            raise OIDCLoginError("id_token_claims_invalid", _retry_message(), claims=problems)
        return claims


# --- Views -----------------------------------------------------------------------------------------------------


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _failed(
    request: HttpRequest, error: linking.ExternalLoginError, provider: IdentityProvider | None = None
) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    log.warning(
        "oidc_login_failed",
        reason=error.reason,
        tenant=getattr(tenant, "slug", None),
        provider=provider.slug if provider else None,
        **error.details,
    )
    return render(
        request,
        "identity/oidc_failed.html",
        {"message": error.message, "provider": provider, "retry_url": linking.start_url(provider) if provider else ""},
        status=error.status,
    )


def oidc_start(request: TenantRequest, provider: str) -> HttpResponse:
    """Send the citizen to the provider, remembering state, nonce and PKCE verifier in the session."""
    if request.tenant is None:
        raise Http404
    idp = IdentityProvider.objects.for_tenant(request.tenant).filter(slug=provider, is_active=True).first()
    if idp is None:
        raise Http404
    try:
        demo_providers.refuse_in_production(idp)
        config = provider_config(idp)
    except linking.ExternalLoginError as exc:
        return _failed(request, exc, idp)

    # Data minimisation (as for SAML): the e-mail address for a plain login, what the service needs on the way to
    # it; connecting the account takes over everything the row names (as its confirmation page says).
    link_user = linking.take_intent(request, idp)
    next_path = _safe_next(request, request.GET.get("next", ""))
    needs = login_needs.Needs(service="", groups=()) if link_user else login_needs.needs_for(request.tenant, next_path)
    groups: list[str] | None = None
    if needs is None or needs.groups:
        groups = login_needs.requested_groups(needs, oidc_claims.configured_groups(idp.scopes))

    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    redirect_uri = request.build_absolute_uri(reverse("identity:oidc_callback"))
    now = int(time.time())
    flows = {
        key: flow
        for key, flow in dict(request.session.get(FLOWS_SESSION_KEY) or {}).items()
        if now - int(flow.get("started", 0)) < FLOW_MAX_AGE
    }
    flows = dict(sorted(flows.items(), key=lambda item: item[1]["started"])[-(MAX_PENDING_FLOWS - 1) :])
    flows[state] = {
        "tenant": request.tenant.pk,
        "provider": idp.pk,
        "nonce": nonce,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_path,
        "started": now,
        "link_user": link_user,
        "groups": groups,
    }
    request.session[FLOWS_SESSION_KEY] = flows

    params = {
        "response_type": "code",
        "client_id": idp.client_id,
        "redirect_uri": redirect_uri,
        **oidc_claims.request_parameters(idp.scopes, groups),
        "state": state,
        "nonce": nonce,
        "code_challenge": _pkce_challenge(verifier),
        "code_challenge_method": "S256",
        # The trust level belongs to this authentication, so the provider must authenticate afresh.
        "prompt": "login",
    }
    if idp.acr_values:
        params["acr_values"] = idp.acr_values
    log.info(
        "oidc_login_started",
        tenant=request.tenant.slug,
        provider=idp.slug,
        service=needs.service if needs else None,
        attributes=groups,
    )
    separator = "&" if "?" in config.authorization_endpoint else "?"
    return HttpResponseRedirect(f"{config.authorization_endpoint}{separator}{urlencode(params)}")


def _pop_flow(request: HttpRequest) -> dict[str, Any]:
    flows = dict(request.session.get(FLOWS_SESSION_KEY) or {})
    state = request.GET.get("state", "")
    # Single use: whatever happens next, this state cannot be replayed.
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_SESSION_KEY] = flows
    if flow is None:
        raise OIDCLoginError(
            "state_mismatch",
            _(
                "Die Rückmeldung Ihres Nutzerkontos passt nicht zu einer Anmeldung, die Sie hier begonnen haben, "
                "oder sie ist abgelaufen. Bitte starten Sie die Anmeldung noch einmal auf dieser Seite."
            ),
        )
    if int(time.time()) - int(flow.get("started", 0)) >= FLOW_MAX_AGE:
        raise OIDCLoginError(
            "flow_expired",
            _("Die Anmeldung hat zu lange gedauert. Bitte starten Sie sie noch einmal."),
        )
    return flow


def _provider_of_flow(request: TenantRequest, flow: dict[str, Any]) -> IdentityProvider:
    message = _(
        "Dieses Nutzerkonto ist für %(name)s nicht (mehr) freigeschaltet. Bitte wählen Sie auf der "
        "Anmeldeseite eine andere Anmeldung."
    ) % {"name": request.tenant.name}
    if flow.get("tenant") != request.tenant.pk:
        raise OIDCLoginError("provider_of_other_tenant", message, status=403)
    idp = IdentityProvider.objects.for_tenant(request.tenant).filter(pk=flow.get("provider")).first()
    if idp is None:
        raise OIDCLoginError("provider_of_other_tenant", message, status=403)
    if not idp.is_active:
        raise OIDCLoginError("provider_disabled", message, status=403)
    return idp


def _idp_error(request: HttpRequest) -> OIDCLoginError:
    code = request.GET.get("error", "")
    code = code if code.replace("_", "").isalnum() and len(code) <= 40 else "invalid"
    if code in ("access_denied", "login_required", "consent_required", "interaction_required"):
        message = _(
            "Die Anmeldung wurde bei Ihrem Nutzerkonto abgebrochen oder abgelehnt. Sie sind nicht angemeldet. "
            "Sie können es noch einmal versuchen oder sich mit E-Mail und Passwort anmelden."
        )
    else:
        message = _retry_message()
    return OIDCLoginError("provider_error", message, error=code)


def _identity(
    provider: IdentityProvider, id_claims: dict[str, Any], userinfo: dict[str, Any], groups: list[str] | None
) -> services.VerifiedIdentity:
    """The identity from the claims, limited to the attribute ``groups`` the login asked for (None: all)."""
    claims = {**id_claims, **userinfo}
    user_fields, profile_fields = map_attributes(provider.attribute_mapping, claims)
    email = claims.get("email") if groups is None or "email" in groups else None
    return services.VerifiedIdentity(
        subject=id_claims["sub"],
        email=email if isinstance(email, str) else "",
        email_verified=isinstance(email, str) and _is_true(claims.get("email_verified")),
        user_fields=oidc_claims.keep_requested(user_fields, groups),
        profile_fields=oidc_claims.keep_requested(profile_fields, groups),
    )


def oidc_callback(request: TenantRequest) -> HttpResponse:
    """Finish the login: check state, redeem the code, verify the ID token, link the account, log in."""
    if request.tenant is None:
        raise Http404
    idp: IdentityProvider | None = None
    try:
        flow = _pop_flow(request)
        idp = _provider_of_flow(request, flow)
        if "error" in request.GET:
            raise _idp_error(request)
        code = request.GET.get("code", "")
        if not code:
            raise OIDCLoginError("code_missing", _retry_message())
        config = provider_config(idp)
        # RFC 9207: a provider that names itself in the response must be the one we asked.
        if "iss" in request.GET and request.GET["iss"].rstrip("/") != config.issuer.rstrip("/"):
            raise OIDCLoginError("response_issuer_mismatch", _retry_message())
        backend = TenantOIDCBackend(provider=idp, config=config)
        id_claims, userinfo = backend.exchange_code(code=code, flow=flow)
        level = trust_level_for(idp, id_claims.get("acr"))
        try:
            services.sign_in_external_identity(
                request=request,
                provider=idp,
                identity=_identity(idp, id_claims, userinfo, flow.get("groups")),
                trust_level=level,
                backend=BACKEND,
                link_to=linking.link_target(request, flow),
            )
        except linking.LinkSessionChanged:
            raise OIDCLoginError("link_session_changed", linking.changed_message(), status=403) from None
        except services.ExternalLoginRefused as exc:
            raise OIDCLoginError("account_refused", str(exc.detail), status=403) from None
    except OIDCLoginError as exc:
        return _failed(request, exc, idp)
    log.info(
        "oidc_login_succeeded",
        tenant=request.tenant.slug,
        provider=idp.slug,
        trust_level=level,
        # The names (never the values) of the personal claims the provider released: minimisation is auditable.
        released=oidc_claims.personal_claims(id_claims, userinfo),
    )
    return HttpResponseRedirect(_safe_next(request, flow.get("next", "")) or reverse("identity:account"))
