"""Which identity providers are the demo ones, and their refusal in production.

The demo OpenID Connect provider (``rathaus.demo_idp``, "Demo-Servicekonto") and the demo SAML IdP
(``rathaus.demo_saml_idp``, "Demo-BundID", "Demo-Unternehmenskonto") publish their people and passwords: a
municipality whose login points at one lets anybody log in as anybody, at any trust level. Where demo plugins
are off (``RATHAUS_DEMO_PLUGINS``, off in production.py) such a row stops ``migrate``/``check`` (system check
``identity.E001`` in :mod:`rathaus.identity.checks`), and a row switched on after the start is refused when a
login starts (:func:`refuse_in_production`: the citizen sees "not available", the log says why).

A row counts as a demo provider when any of its addresses (issuer, endpoints; SAML: entity id, metadata URL)
is on this machine (``localhost``, ``*.localhost``, a loopback address) — the demo providers bind to 127.0.0.1
only — or when it carries the demo's marks: the client ``rathaus-demo`` with its secret variable, or SAML
metadata signed with the demo IdP's self-made certificate ("Demo SAML IdP").
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings

from .linking import ExternalLoginError, unavailable_message
from .models import IdentityProvider

DEMO_CLIENT_ID = "rathaus-demo"
DEMO_SECRET_ENV = "RATHAUS_DEMO_IDP_SECRET"  # noqa: S105 - the name of a variable
DEMO_CERT_NAME = "Demo SAML IdP"  # common name of the demo SAML IdP's certificates (demo_saml_idp.keys)
_CERTIFICATE = re.compile(r"<(?:\w+:)?X509Certificate>\s*([A-Za-z0-9+/=\s]+?)\s*</(?:\w+:)?X509Certificate>")


def demo_allowed() -> bool:
    """Demo plugins may run (embedded mode, tests); never in production."""
    return bool(getattr(settings, "RATHAUS_DEMO_PLUGINS", True))


def is_loopback(url: str) -> bool:
    """``url`` points at this machine (where the demo providers listen)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _certificate_names(metadata_xml: str) -> list[str]:
    names = []
    for match in _CERTIFICATE.finditer(metadata_xml):
        try:
            der = base64.b64decode(re.sub(r"\s", "", match.group(1)), validate=True)
            cert = x509.load_der_x509_certificate(der)
        except (binascii.Error, ValueError):
            continue
        names += [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return names


def demo_reason(provider: IdentityProvider) -> str:
    """Why ``provider`` is a demo provider (English, for the operator); ``""`` if it is not one."""
    options: dict[str, Any] = provider.options if isinstance(provider.options, dict) else {}
    urls = {
        "issuer": provider.issuer,
        "authorization_endpoint": provider.authorization_endpoint,
        "token_endpoint": provider.token_endpoint,
        "userinfo_endpoint": provider.userinfo_endpoint,
        "jwks_uri": provider.jwks_uri,
        "idp_entity_id": str(options.get("idp_entity_id") or ""),
        "metadata_url": str(options.get("metadata_url") or ""),
    }
    for field, url in urls.items():
        if url and is_loopback(url):
            return f"{field} {url!r} is on this machine (the demo providers listen on 127.0.0.1)"
    if provider.plugin == "oidc" and (
        provider.client_id == DEMO_CLIENT_ID or provider.client_secret_env == DEMO_SECRET_ENV
    ):
        return f"client {provider.client_id!r} / {provider.client_secret_env!r} is the Demo-Servicekonto's"
    metadata = str(options.get("metadata_xml") or "")
    if metadata and any(name.startswith(DEMO_CERT_NAME) for name in _certificate_names(metadata)):
        return f"its metadata carries the demo SAML IdP's certificate ({DEMO_CERT_NAME!r})"
    return ""


def refuse_in_production(provider: IdentityProvider) -> None:
    """Raise :class:`ExternalLoginError` (503, "not available") for a demo provider where demo plugins are off."""
    if demo_allowed():
        return
    reason = demo_reason(provider)
    if reason:
        raise ExternalLoginError("demo_provider_refused", unavailable_message(), status=503, why=reason)
