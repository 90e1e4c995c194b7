"""SAML 2.0 login: BundID and Mein Unternehmenskonto (MUK), with pysaml2 as the service provider.

One :class:`IdentityProvider` row per municipality and provider (``plugin`` = ``bundid`` or ``muk``) holds the
options (IdP entity id, its metadata as URL or file contents, requested attributes, the minimum STORK-QAA
level); the plugin (``rathaus.identity.providers.saml``) knows the attribute names. The service provider's
entity id is its metadata URL on the municipality's host (``/konto/saml/<provider>/metadata/``).

What is enforced on every response, whatever pysaml2's defaults:

* HTTP-POST binding only, for the request (signed, RSA-SHA256) and the response;
* the assertion is encrypted to our key (current or next one during a key rollover) and signed by a key from
  the IdP's metadata (never one the message brings along); unsigned, tampered, expired (beyond the configured
  clock skew), unsolicited, replayed and wrong-audience responses are refused;
* the NameID is transient and never the subject: BundID's bPK2 (MUK: the organisation and person ids) is;
* the STORK-QAA level of the authentication (AuthnContextClassRef, or the BundID trust-level attribute) gives
  the session's trust level: 1, 2 → niedrig, 3 → substanziell, 4 → hoch; a missing or unknown value is
  refused rather than guessed.

The IdP posts the response cross-site, and the session cookie is ``SameSite=Lax``, so the browser does not
send it with that POST: :func:`saml_acs` only hands the response on in a form that this site posts to
:func:`saml_finish` (by script, or the button without JavaScript). That same-site POST carries the session,
and the response is checked there against the request this browser started. Nothing is parked on the
server, so it works with several processes and no shared cache.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import requests
import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.contrib.auth import logout
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement, extension_element_from_string, saml, samlp
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from rathaus.tenants.http import TenantRequest

from . import demo_providers, linking, login_needs, saml_keys, saml_signatures, services
from .models import IdentityProvider
from .providers.registry import identity_plugins
from .providers.saml import (
    AKDB_TRUST_WORDS,
    STORK_QAA,
    CheckedResponse,
    MissingSubject,
    SAMLPlugin,
    trust_level_of_stork,
)
from .trust import SESSION_KEY as TRUST_SESSION_KEY
from .trust import TrustLevel

log = structlog.get_logger("rathaus.identity.saml")
saml_keys.install()

BACKEND = "rathaus.identity.oidc.TenantOIDCBackend"  # restores the user of the session; never authenticates
FLOWS_SESSION_KEY = "rathaus_saml_flows"
SLO_SESSION_KEY = "rathaus_saml_login"
FLOW_MAX_AGE = 15 * 60
MAX_PENDING_FLOWS = 5
MAX_RESPONSE_BYTES = 256 * 1024
METADATA_CACHE_SECONDS = 60 * 60
XMLSEC_BINARY = "/usr/bin/xmlsec1"

NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_AKDB = "https://www.akdb.de/request/2018/09"
NS_CLASSIC_UI = "https://www.akdb.de/request/2018/09/classic-ui/v1"


class SAMLLoginError(linking.ExternalLoginError):
    """A login that must stop. ``reason`` goes to the log; ``message`` (German) to the citizen."""


_retry_message = linking.retry_message
_unavailable_message = linking.unavailable_message


# --- Our key material -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class KeyPair:
    key_file: str
    cert_file: str


def _generated_pair(directory: Path, name: str) -> KeyPair:
    """A self-signed pair for the embedded mode and the demo, created once in the data directory."""
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / f"{name}-key.pem", directory / f"{name}-cert.pem"
    if not key_path.exists() or not cert_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rathaus SAML SP (embedded)")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyPair(str(key_path), str(cert_path))


def sp_key_pairs() -> tuple[KeyPair, KeyPair | None]:
    """The current pair and, during a rollover, the next one (both announced in the metadata, both decrypt).

    Paths come from ``RATHAUS_SAML_KEY_FILE``/``RATHAUS_SAML_CERT_FILE`` and ``RATHAUS_SAML_NEXT_KEY_FILE``/
    ``RATHAUS_SAML_NEXT_CERT_FILE``. Without them the embedded mode creates a pair in the data directory;
    production (``RATHAUS_SAML_GENERATE_KEYS = False``) refuses.
    """
    key, cert = os.environ.get("RATHAUS_SAML_KEY_FILE", ""), os.environ.get("RATHAUS_SAML_CERT_FILE", "")
    if key and cert:
        current = KeyPair(key, cert)
    elif getattr(settings, "RATHAUS_SAML_GENERATE_KEYS", True):
        current = _generated_pair(Path(settings.DATA_DIR) / "saml", "sp")
    else:
        raise SAMLLoginError("sp_keys_missing", _unavailable_message(), status=503)
    next_key, next_cert = (
        os.environ.get("RATHAUS_SAML_NEXT_KEY_FILE", ""),
        os.environ.get("RATHAUS_SAML_NEXT_CERT_FILE", ""),
    )
    return current, KeyPair(next_key, next_cert) if next_key and next_cert else None


# --- Configuration ------------------------------------------------------------------------------------------


def plugin_of(provider: IdentityProvider) -> SAMLPlugin:
    try:
        plugin = identity_plugins.create(provider.plugin, provider.options, tenant_slug=provider.tenant.slug)
    except Exception as exc:  # UnknownPlugin, PluginConfigurationError
        raise SAMLLoginError("provider_misconfigured", _unavailable_message(), status=503, error=str(exc)) from None
    if not isinstance(plugin, SAMLPlugin):
        raise Http404
    return plugin


def idp_metadata(plugin: SAMLPlugin) -> str:
    """The IdP's metadata: the stored file contents, else fetched from the URL (cached for an hour)."""
    options = plugin.options
    if options.metadata_xml:  # type: ignore[attr-defined]
        return str(options.metadata_xml)  # type: ignore[attr-defined]
    url = str(options.metadata_url)  # type: ignore[attr-defined]
    key = "rathaus:saml:metadata:" + hashlib.sha256(url.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(url, timeout=10, verify=getattr(settings, "OIDC_VERIFY_SSL", True))
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SAMLLoginError(
                "metadata_failed", _unavailable_message(), status=503, error=type(exc).__name__
            ) from None
        if len(response.content) > 2 * 1024 * 1024:
            raise SAMLLoginError("metadata_too_large", _unavailable_message(), status=503)
        document = response.text
        cache.set(key, document, METADATA_CACHE_SECONDS)
    return str(document)


def entity_id(request: HttpRequest, provider: IdentityProvider) -> str:
    """Our entity id at this municipality's host: the URL of our metadata."""
    return request.build_absolute_uri(reverse("identity:saml_metadata", args=[provider.slug]))


def sp_config(
    request: HttpRequest, provider: IdentityProvider, plugin: SAMLPlugin, *, with_idp: bool = True
) -> SPConfig:
    current, following = sp_key_pairs()
    pairs = [current, *([following] if following else [])]
    acs = request.build_absolute_uri(reverse("identity:saml_acs", args=[provider.slug]))
    slo = request.build_absolute_uri(reverse("identity:saml_slo", args=[provider.slug]))
    options = plugin.options
    conf: dict[str, Any] = {
        "entityid": entity_id(request, provider),
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": current.key_file,
        "cert_file": current.cert_file,
        # Key rollover: the next certificate is announced for signing as well, and either key decrypts.
        "additional_cert_files": [following.cert_file] if following else None,
        "encryption_keypairs": [{"key_file": p.key_file, "cert_file": p.cert_file} for p in pairs],
        "accepted_time_diff": int(options.clock_skew_seconds),  # type: ignore[attr-defined]
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": plugin.display_name(provider),
                "endpoints": {
                    "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                    "single_logout_service": [(slo, BINDING_HTTP_REDIRECT)],
                },
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "only_use_keys_in_metadata": True,
                "allow_unsolicited": False,
                "name_id_format": saml.NAMEID_FORMAT_TRANSIENT,
                "name_id_format_allow_create": False,
                "requested_attribute_name_format": saml.NAME_FORMAT_URI,
            }
        },
        "metadata": {"inline": [idp_metadata(plugin)]} if with_idp else {},
    }
    config = SPConfig()
    try:
        config.load(conf)
    except Exception as exc:  # broken metadata or key files
        raise SAMLLoginError("sp_config_failed", _unavailable_message(), status=503, error=type(exc).__name__) from None
    return config


# --- The request ---------------------------------------------------------------------------------------------


def akdb_extension(plugin: SAMLPlugin, provider: IdentityProvider, groups: list[str] | None = None) -> ExtensionElement:
    """BundID's request extension: the attributes this login needs (nothing more) and what to display.
    ``groups``: the attribute groups to ask for (``login_needs.requested_groups``); None: every configured one."""
    root = Element(f"{{{NS_AKDB}}}AuthenticationRequest", {"Version": "2"})
    wanted = SubElement(root, f"{{{NS_AKDB}}}RequestedAttributes")
    for name, required in plugin.requested_attributes(groups):
        SubElement(
            wanted, f"{{{NS_AKDB}}}RequestedAttribute", {"Name": name, "RequiredAttribute": str(required).lower()}
        )
    display = SubElement(root, f"{{{NS_AKDB}}}DisplayInformation")
    version = SubElement(display, f"{{{NS_CLASSIC_UI}}}Version")
    SubElement(version, f"{{{NS_CLASSIC_UI}}}OrganizationDisplayName").text = provider.tenant.name
    SubElement(version, f"{{{NS_CLASSIC_UI}}}OnlineServiceId").text = entity_id_placeholder(provider)

    return extension_element_from_string(tostring(root, encoding="unicode"))  # type: ignore[no-any-return]


def entity_id_placeholder(provider: IdentityProvider) -> str:
    return f"{provider.tenant.slug}-{provider.slug}"


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _failed(
    request: HttpRequest, error: linking.ExternalLoginError, provider: IdentityProvider | None = None
) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    log.warning(
        "saml_login_failed",
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


def _provider(request: TenantRequest, slug: str) -> IdentityProvider:
    if request.tenant is None:
        raise Http404
    idp = (
        IdentityProvider.objects.for_tenant(request.tenant)
        .select_related("tenant")
        .filter(slug=slug, is_active=True)
        .exclude(plugin="oidc")
        .first()
    )
    if idp is None:
        raise Http404
    return idp


def _minimum_stork(request: HttpRequest, plugin: SAMLPlugin) -> int:
    """The configured minimum, raised by ``?niveau=`` (step-up: a service that needs *hoch* asks for 4)."""
    minimum = int(plugin.options.min_stork_level)  # type: ignore[attr-defined]
    wanted = request.GET.get("niveau", "")
    step_up = {TrustLevel.LOW: 1, TrustLevel.SUBSTANTIAL: 3, TrustLevel.HIGH: 4}.get(wanted, 0)  # type: ignore[call-overload]
    return max(minimum, step_up)


@require_GET
def saml_start(request: TenantRequest, provider: str) -> HttpResponse:
    """Build the signed AuthnRequest and hand it to the browser in a form that posts it to the IdP."""
    idp = _provider(request, provider)
    try:
        demo_providers.refuse_in_production(idp)
        plugin = plugin_of(idp)
        config = sp_config(request, idp, plugin)
        client = Saml2Client(config)
        idp_entity = str(plugin.options.idp_entity_id)  # type: ignore[attr-defined]
        try:
            destination = client.metadata.single_sign_on_service(idp_entity, BINDING_HTTP_POST)[0]["location"]
        except (KeyError, IndexError, TypeError):
            raise SAMLLoginError("idp_has_no_post_sso", _unavailable_message(), status=503) from None
        minimum = _minimum_stork(request, plugin)
        context = samlp.RequestedAuthnContext(
            authn_context_class_ref=[saml.AuthnContextClassRef(text=f"STORK-QAA-Level-{minimum}")],
            comparison="minimum",
        )
        # Data minimisation: the e-mail address for a plain login, what the service needs on the way to it;
        # connecting the account takes over name, address and birth date (as its confirmation page says).
        link_user = linking.take_intent(request, idp)
        needs = (
            login_needs.Needs(service="", groups=())
            if link_user
            else login_needs.needs_for(request.tenant, _safe_next(request, request.GET.get("next", "")))
        )
        groups = login_needs.requested_groups(
            needs,
            list(plugin.options.attributes),  # type: ignore[attr-defined]
            identity_kind=plugin.identity_kind,
        )
        extensions = samlp.Extensions(extension_elements=[akdb_extension(plugin, idp, groups)])
        request_id, authn_request = client.create_authn_request(
            destination,
            binding=BINDING_HTTP_POST,
            nameid_format=saml.NAMEID_FORMAT_TRANSIENT,
            requested_authn_context=context,
            extensions=extensions,
            sign=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            force_authn="true",
        )
    except linking.ExternalLoginError as exc:
        return _failed(request, exc, idp)

    now = int(time.time())
    flows = {
        key: flow
        for key, flow in dict(request.session.get(FLOWS_SESSION_KEY) or {}).items()
        if now - int(flow.get("started", 0)) < FLOW_MAX_AGE
    }
    flows = dict(sorted(flows.items(), key=lambda item: item[1]["started"])[-(MAX_PENDING_FLOWS - 1) :])
    relay_state = secrets.token_urlsafe(24)
    flows[relay_state] = {
        "tenant": request.tenant.pk,
        "provider": idp.pk,
        "request_id": request_id,
        "minimum": minimum,
        "next": _safe_next(request, request.GET.get("next", "")),
        "started": now,
        "link_user": link_user,
    }
    request.session[FLOWS_SESSION_KEY] = flows
    log.info(
        "saml_login_started",
        tenant=request.tenant.slug,
        provider=idp.slug,
        minimum_stork=minimum,
        service=needs.service if needs else None,
        attributes=groups,
    )
    page = render(
        request,
        "identity/saml_post.html",
        {
            "action": destination,
            "fields": {
                "SAMLRequest": base64.b64encode(str(authn_request).encode()).decode(),
                "RelayState": relay_state,
            },
            "provider": idp,
        },
    )
    # The form goes to the IdP: allow exactly its origin as a form target on this page (CSP form-action).
    target = urlsplit(destination)
    page._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}  # type: ignore[attr-defined]
    return page


# --- The response --------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def saml_acs(request: TenantRequest, provider: str) -> HttpResponse:
    """Hand the posted response on to :func:`saml_finish` in a form posted from this site (see the module)."""
    idp = _provider(request, provider)
    response_b64 = request.POST.get("SAMLResponse", "")
    relay_state = request.POST.get("RelayState", "")
    if not response_b64 or len(response_b64) > MAX_RESPONSE_BYTES or len(relay_state) > 100:
        return _failed(request, SAMLLoginError("response_missing_or_too_large", _retry_message()), idp)
    return render(
        request,
        "identity/saml_continue.html",
        {
            "action": reverse("identity:saml_finish", args=[idp.slug]),
            "fields": {"SAMLResponse": response_b64, "RelayState": relay_state},
            "provider": idp,
        },
    )


def _pop_flow(request: HttpRequest, relay_state: str) -> dict[str, Any]:
    flows = dict(request.session.get(FLOWS_SESSION_KEY) or {})
    flow = flows.pop(relay_state, None) if relay_state else None
    request.session[FLOWS_SESSION_KEY] = flows
    if flow is None:
        raise SAMLLoginError(
            "relay_state_mismatch",
            _(
                "Die Rückmeldung Ihres Nutzerkontos passt nicht zu einer Anmeldung, die Sie hier begonnen haben, "
                "oder sie ist abgelaufen. Bitte starten Sie die Anmeldung noch einmal auf dieser Seite."
            ),
        )
    if int(time.time()) - int(flow.get("started", 0)) >= FLOW_MAX_AGE:
        raise SAMLLoginError(
            "flow_expired", _("Die Anmeldung hat zu lange gedauert. Bitte starten Sie sie noch einmal.")
        )
    return flow


def _check_envelope(response_b64: str) -> None:
    """Before pysaml2 sees it: valid base64, safe XML (no DTD/entities), and no plain assertion: BundID and MUK
    encrypt every assertion, so a readable one was not made for us."""
    try:
        document = base64.b64decode(response_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SAMLLoginError("response_not_base64", _retry_message()) from None
    try:
        root = SafeET.fromstring(document)
    except Exception:  # defusedxml's refusals and plain parse errors
        raise SAMLLoginError("response_not_xml", _retry_message()) from None
    if root.tag != f"{{{NS_SAMLP}}}Response":
        raise SAMLLoginError("not_a_response", _retry_message())
    if root.find(f"{{{NS_SAML}}}Assertion") is not None or root.find(f"{{{NS_SAML}}}EncryptedAssertion") is None:
        raise SAMLLoginError("assertion_not_encrypted", _retry_message())


def check_response(
    request: HttpRequest, provider: IdentityProvider, plugin: SAMLPlugin, response_b64: str, request_id: str
) -> CheckedResponse:
    """The response checked end to end (signature, decryption, audience, time, InResponseTo); SAMLLoginError else."""
    _check_envelope(response_b64)
    client = Saml2Client(sp_config(request, provider, plugin))
    client.sec.crypto = saml_signatures.AlgorithmCheckingXmlSec1(XMLSEC_BINARY)
    try:
        response = client.parse_authn_request_response(response_b64, BINDING_HTTP_POST, outstanding={request_id: "/"})
    except saml_signatures.UnsupportedSignatureAlgorithm as exc:
        raise SAMLLoginError("signature_algorithm_unsupported", _retry_message(), algorithm=str(exc.args[0])) from None
    except Exception as exc:  # pysaml2 raises many unrelated types for a refused response
        raise SAMLLoginError(
            "response_refused", _retry_message(), error=type(exc).__name__, detail=str(exc)[:200]
        ) from None
    if response is None or not response.assertion:
        raise SAMLLoginError("response_refused", _retry_message(), error="no assertion")
    assertion = response.assertion
    if str(getattr(assertion.issuer, "text", "")).strip() != str(plugin.options.idp_entity_id):  # type: ignore[attr-defined]
        raise SAMLLoginError("issuer_mismatch", _retry_message())
    if response.in_response_to != request_id:
        raise SAMLLoginError("in_response_to_mismatch", _retry_message())
    # Replay across sessions as well: an assertion id is accepted once while it could still be valid.
    if not cache.add(f"rathaus:saml:assertion:{provider.pk}:{assertion.id}", 1, FLOW_MAX_AGE + 600):
        raise SAMLLoginError("assertion_replayed", _retry_message())
    name_id = response.name_id
    if name_id is None or name_id.format != saml.NAMEID_FORMAT_TRANSIENT:
        raise SAMLLoginError("name_id_not_transient", _retry_message())
    attributes: dict[str, tuple[str, int | None]] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [v.text for v in attribute.attribute_value if v.text is not None]
            if not values:
                continue
            word = attribute.extension_attributes.get(f"{{{NS_AKDB}}}TrustLevel", "")
            attributes[str(attribute.name)] = (str(values[0]).strip(), AKDB_TRUST_WORDS.get(str(word).upper()))
    class_refs = [
        str(statement.authn_context.authn_context_class_ref.text).strip()
        for statement in assertion.authn_statement
        if statement.authn_context is not None and statement.authn_context.authn_context_class_ref is not None
    ]
    levels = [STORK_QAA[ref] for ref in class_refs if ref in STORK_QAA]
    level_attribute = attributes.get(plugin.trust_level_attribute, ("", None))[0]
    if level_attribute in STORK_QAA:
        levels.append(STORK_QAA[level_attribute])
    if not levels:
        raise SAMLLoginError("stork_level_missing", _retry_message())
    session_index = next((str(s.session_index) for s in assertion.authn_statement if s.session_index), "")
    # The weakest statement counts: an attribute saying 4 does not lift an authentication of 1.
    return CheckedResponse(str(name_id.text), session_index, min(levels), attributes)


@csrf_exempt  # bound to this browser by RelayState and the request id in its session, like the ACS itself
@require_POST
def saml_finish(request: TenantRequest, provider: str) -> HttpResponse:
    """Check the response against this browser's request, then sign in (or link) and redirect."""
    idp = _provider(request, provider)
    try:
        response_b64 = request.POST.get("SAMLResponse", "")
        if not response_b64 or len(response_b64) > MAX_RESPONSE_BYTES:
            raise SAMLLoginError("response_missing_or_too_large", _retry_message())
        flow = _pop_flow(request, request.POST.get("RelayState", "")[:100])
        if flow.get("tenant") != request.tenant.pk or flow.get("provider") != idp.pk:
            raise SAMLLoginError("flow_of_other_provider", _retry_message(), status=403)
        plugin = plugin_of(idp)
        checked = check_response(request, idp, plugin, response_b64, str(flow["request_id"]))
        if checked.stork_level < int(flow.get("minimum", 1)):
            raise SAMLLoginError(
                "stork_level_too_low",
                _(
                    "Ihr Nutzerkonto hat eine schwächere Anmeldung bestätigt, als für diesen Zweck nötig ist. Bitte "
                    "melden Sie sich noch einmal an, zum Beispiel mit dem Online-Ausweis."
                ),
                status=403,
                got=checked.stork_level,
                needed=flow.get("minimum"),
            )
        level = trust_level_of_stork(checked.stork_level)
        try:
            identity = plugin.identity(checked, source=f"{idp.plugin}:{idp.slug}", trust_level=level)
        except MissingSubject as exc:
            raise SAMLLoginError("subject_missing", _retry_message(), missing=exc.args) from None
        if plugin.identity_kind == "organisation" and not (
            identity.organisation and identity.organisation.identifier and identity.organisation.name
        ):
            # Checked before anything is written: a business login without its organisation signs nobody in.
            raise SAMLLoginError("organisation_missing", _retry_message())
        try:
            user = services.sign_in_external_identity(
                request=request,
                provider=idp,
                identity=identity,
                trust_level=level,
                backend=BACKEND,
                link_to=linking.link_target(request, flow),
            )
            if identity.organisation is not None:
                services.act_for_organisation(request=request, provider=idp, user=user, data=identity.organisation)
        except linking.LinkSessionChanged:
            raise SAMLLoginError("link_session_changed", linking.changed_message(), status=403) from None
        except services.ExternalLoginRefused as exc:
            raise SAMLLoginError("account_refused", str(exc.detail), status=403) from None
    except SAMLLoginError as exc:
        return _failed(request, exc, idp)
    request.session[SLO_SESSION_KEY] = {
        "provider": idp.pk,
        "name_id": checked.name_id,
        "session_index": checked.session_index,
    }
    log.info("saml_login_succeeded", tenant=request.tenant.slug, provider=idp.slug, trust_level=level)
    return HttpResponseRedirect(_safe_next(request, flow.get("next", "")) or reverse("identity:account"))


# --- Metadata and logout -------------------------------------------------------------------------------------


@require_GET
def saml_metadata(request: TenantRequest, provider: str) -> HttpResponse:
    """Our SP metadata for this municipality and provider, signed with our current key."""
    idp = _provider(request, provider)
    try:
        plugin = plugin_of(idp)
        config = sp_config(request, idp, plugin, with_idp=False)
    except SAMLLoginError as exc:
        return _failed(request, exc, idp)
    document = create_metadata_string(
        None, config=config, valid=24 * 7, sign=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256
    )
    return HttpResponse(document, content_type="application/samlmetadata+xml; charset=utf-8")


def saml_logout_url(request: HttpRequest) -> tuple[str, IdentityProvider] | None:
    """Where to send the browser to end the session at the IdP too (single logout), if it offers it; the local
    session must be ended by the caller either way."""
    login_info = request.session.get(SLO_SESSION_KEY)
    tenant = getattr(request, "tenant", None)
    if not isinstance(login_info, dict) or tenant is None:
        return None
    idp = (
        IdentityProvider.objects.for_tenant(tenant)
        .select_related("tenant")
        .filter(pk=login_info.get("provider"))
        .first()
    )
    if idp is None:
        return None
    try:
        plugin = plugin_of(idp)
        client = Saml2Client(sp_config(request, idp, plugin))
        idp_entity = str(plugin.options.idp_entity_id)  # type: ignore[attr-defined]
        services_ = client.metadata.single_logout_service(idp_entity, BINDING_HTTP_REDIRECT, "idpsso")
        if not services_:
            return None
        destination = services_[0]["location"]
        name_id = saml.NameID(format=saml.NAMEID_FORMAT_TRANSIENT, text=str(login_info.get("name_id", "")))
        _request_id, logout_request = client.create_logout_request(
            destination,
            idp_entity,
            name_id=name_id,
            session_indexes=[str(login_info.get("session_index", ""))],
            sign=False,
        )
        info = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(logout_request), destination, relay_state="", sign=True, sigalg=SIG_RSA_SHA256
        )
    except Exception as exc:  # single logout is a courtesy: the local logout happens regardless
        log.warning("saml_logout_request_failed", error=type(exc).__name__)
        return None
    return str(dict(info["headers"])["Location"]), idp


@require_GET
def saml_slo(request: TenantRequest, provider: str) -> HttpResponse:
    """The IdP's side of single logout (HTTP-Redirect): a LogoutResponse after ours, or its LogoutRequest."""
    idp = _provider(request, provider)
    if "SAMLRequest" in request.GET:
        try:
            plugin = plugin_of(idp)
            client = Saml2Client(sp_config(request, idp, plugin))
            logout_request = client.parse_logout_request(
                request.GET["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=request.GET.get("RelayState", ""),
                sigalg=request.GET.get("SigAlg"), signature=request.GET.get("Signature"),
            )  # fmt: skip
            login_info = request.session.get(SLO_SESSION_KEY) or {}
            if login_info.get("provider") == idp.pk and logout_request.message.name_id.text == login_info.get(
                "name_id"
            ):
                logout(request)
            reply = client.handle_logout_request(
                request.GET["SAMLRequest"], logout_request.message.name_id, BINDING_HTTP_REDIRECT,
                relay_state=request.GET.get("RelayState", ""), sign=True,
            )  # fmt: skip
            return HttpResponseRedirect(dict(reply["headers"])["Location"])
        except Exception as exc:
            log.warning("saml_logout_request_refused", error=type(exc).__name__)
            raise Http404 from None
    # The IdP's answer to our logout request: the local session already ended before we sent the browser.
    request.session.pop(TRUST_SESSION_KEY, None)
    return HttpResponseRedirect(reverse("portal:home"))
