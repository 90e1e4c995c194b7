"""The WSGI application of the demo SAML identity provider (see the package docstring).

Routes, per profile (``bundid``, ``muk``): ``/<profile>/metadata`` (IdP metadata), ``/<profile>/sso`` (POST: the
AuthnRequest → login page), ``/<profile>/login`` (POST: person and password → auto-posting response form),
``/<profile>/slo`` (GET, HTTP-Redirect: LogoutRequest → LogoutResponse).

With ``allow_faults`` (tests only) the login page offers broken responses: unsigned, expired, wrong audience,
tampered after signing, not encrypted, signed with a key that is not in the metadata; and (not broken) signed
with RSASSA-PSS as BundID may sign, also tampered or with the foreign key.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from defusedxml import ElementTree as SafeET
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from rathaus.identity import saml_keys

from .keys import KeyPair
from .people import PASSWORD, PROFILES, TRUST_LEVEL, Person

log = logging.getLogger("demo_saml_idp")
saml_keys.install()

NS_AKDB = "https://www.akdb.de/request/2018/09"
FAULTS = {
    "": "keiner (gültige Antwort)",
    "unsigned": "Assertion nicht signiert",
    "expired": "abgelaufen (vor 35 Minuten)",
    "clock_ahead": "Uhr des Anbieters 30 Sekunden vor",
    "wrong_audience": "für einen anderen Dienst (Audience)",
    "tampered": "nach dem Signieren verändert",
    "not_encrypted": "nicht verschlüsselt",
    "foreign_key": "mit einem fremden Schlüssel signiert",
    "pss": "signiert mit RSASSA-PSS (SHA-256) statt RSA-SHA256",
    "pss_tampered": "mit RSASSA-PSS signiert, danach verändert",
    "pss_foreign_key": "mit RSASSA-PSS und einem fremden Schlüssel signiert",
}
SIG_RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"  # RFC 6931 2.3.10
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class DemoServer(Server):  # type: ignore[misc]
    """pysaml2's IdP plus what BundID adds: ``akdb:TrustLevel`` on each attribute; and the test faults."""

    levels: dict[str, str]
    fault: str = ""

    def setup_assertion(self, *args: Any, **kwargs: Any) -> Any:
        assertion = super().setup_assertion(*args, **kwargs)
        for statement in assertion.attribute_statement:
            for attribute in statement.attribute:
                word = self.levels.get(attribute.name)
                if word:
                    attribute.extension_attributes[f"{{{NS_AKDB}}}TrustLevel"] = word
        shift = {"expired": -40 * 60, "clock_ahead": 30}.get(self.fault)
        if shift is not None:
            # The whole assertion as issued ``shift`` seconds from now (valid for five minutes from then).
            def at(seconds: int) -> str:
                moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=shift + seconds)
                return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

            assertion.issue_instant = at(0)
            assertion.conditions.not_before = at(0)
            assertion.conditions.not_on_or_after = at(300)
            for confirmation in assertion.subject.subject_confirmation:
                confirmation.subject_confirmation_data.not_on_or_after = at(300)
            for statement in assertion.authn_statement:
                statement.authn_instant = at(0)
        if self.fault == "wrong_audience":
            assertion.conditions.audience_restriction[0].audience[0].text = "https://anderer-dienst.example/metadata"
        return assertion

    def _encrypt_assertion(self, encrypt_cert: Any, sp_entity_id: Any, response: Any, node_xpath: Any = None) -> Any:
        if self.fault in ("tampered", "pss_tampered"):
            # After the signature, before the encryption: another person's pseudonym in a signed assertion.
            response = re.sub(r"bpk2-demo-[a-z]+", "bpk2-demo-mallory", str(response))
        if self.fault.startswith("pss"):
            response = resign_with_pss(str(response), self.config.key_file)
        return super()._encrypt_assertion(encrypt_cert, sp_entity_id, response, node_xpath)


def resign_with_pss(document: str, key_file: str) -> str:
    """The assertion's signature made again with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32 bytes) over the same
    SignedInfo (its digest of the assertion stays as it was), as BundID may sign. Made with ``cryptography``, not
    with the python-xmlsec that verifies it in the portal, so the test does not check one library against itself."""
    ds = "http://www.w3.org/2000/09/xmldsig#"
    root = etree.fromstring(document.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    signature = root.find(f".//{{urn:oasis:names:tc:SAML:2.0:assertion}}Assertion/{{{ds}}}Signature")
    if signature is None:
        return document
    signed_info = signature.find(f"{{{ds}}}SignedInfo")
    method = signed_info.find(f"{{{ds}}}SignatureMethod") if signed_info is not None else None
    value_node = signature.find(f"{{{ds}}}SignatureValue")
    if signed_info is None or method is None or value_node is None:
        return document
    method.set("Algorithm", SIG_RSA_PSS_SHA256)
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    with open(key_file, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("RSASSA-PSS needs an RSA key")
    value = key.sign(canonical, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    value_node.text = base64.b64encode(value).decode()
    return etree.tostring(root, encoding="unicode")


class DemoIdP:
    def __init__(self, *, base_url: str, data_dir: Path, sp_prefixes: list[str], allow_faults: bool) -> None:
        self.base_url = base_url.rstrip("/")
        self.sp_prefixes = sp_prefixes
        self.allow_faults = allow_faults
        self.keys = KeyPair.ensure(data_dir, "idp")
        self.foreign_keys = KeyPair.ensure(data_dir, "foreign")
        self.servers: dict[tuple[str, bool], DemoServer] = {}
        self.known_sps: dict[str, set[str]] = {profile: set() for profile in PROFILES}

    # --- configuration ---

    def entity_id(self, profile: str) -> str:
        return f"{self.base_url}/{profile}/metadata"

    def _config(self, profile: str, *, foreign: bool = False) -> IdPConfig:
        keys = self.foreign_keys if foreign else self.keys
        url = f"{self.base_url}/{profile}"
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id(profile),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "key_file": keys.key_file,
                "cert_file": keys.cert_file,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "allow_unknown_attributes": True,
                "service": {
                    "idp": {
                        "name": PROFILES[profile][0],
                        "endpoints": {
                            "single_sign_on_service": [(f"{url}/sso", BINDING_HTTP_POST)],
                            "single_logout_service": [(f"{url}/slo", BINDING_HTTP_REDIRECT)],
                        },
                        "want_authn_requests_signed": True,
                        "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                        "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                    }
                },
                "metadata": {},
            }
        )
        return config

    def server(self, profile: str, *, foreign: bool = False) -> DemoServer:
        key = (profile, foreign)
        if key not in self.servers:
            self.servers[key] = DemoServer(config=self._config(profile, foreign=foreign))
        return self.servers[key]

    def learn_sp(self, profile: str, sp_entity_id: str) -> None:
        """Load an SP's metadata from its entity id (its metadata URL), if it is under an allowed prefix."""
        if sp_entity_id in self.known_sps[profile]:
            return
        if not any(sp_entity_id.startswith(prefix) for prefix in self.sp_prefixes):
            raise PermissionError(f"unknown service provider {sp_entity_id}")
        document = requests.get(sp_entity_id, timeout=10).text
        for foreign in (False, True):
            self.server(profile, foreign=foreign).metadata.load("inline", document)
        self.known_sps[profile].add(sp_entity_id)

    # --- pages ---

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        match = re.fullmatch(r"/(bundid|muk)/(metadata|sso|login|slo)/?", path)
        if not match:
            return self._page(start_response, "404 Not Found", "Nicht gefunden", "<p>Diese Seite gibt es nicht.</p>")
        profile, action = match.groups()
        try:
            if action == "metadata":
                document = create_metadata_string(None, config=self._config(profile), valid=24 * 7)
                start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
                return [document if isinstance(document, bytes) else document.encode()]
            form = self._form(environ)
            if action == "sso":
                return self._sso(start_response, profile, form)
            if action == "login":
                return self._login(start_response, profile, form)
            return self._slo(start_response, profile, environ)
        except Exception as exc:  # a demo: show what went wrong, keep serving
            log.exception("demo_saml_idp_error")
            return self._page(
                start_response, "400 Bad Request", "Anfrage abgelehnt", f"<p>{html.escape(type(exc).__name__)}: "
                f"{html.escape(str(exc)[:300])}</p>",
            )  # fmt: skip

    def _form(self, environ: dict[str, Any]) -> dict[str, str]:
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(min(length, 1024 * 1024)).decode()
        else:
            body = environ.get("QUERY_STRING", "")
        return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}

    def _page(self, start_response: StartResponse, status: str, title: str, body: str) -> list[bytes]:
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        page = (
            f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
            f"<p><strong>Testanbieter – nicht für echte Anmeldungen</strong></p><h1>{html.escape(title)}</h1>"
            f"{body}</main></body></html>"
        )
        return [page.encode()]

    def _parse(self, profile: str, saml_request: str) -> Any:
        document = base64.b64decode(saml_request)
        root = SafeET.fromstring(document)
        issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
        self.learn_sp(profile, (issuer.text or "").strip() if issuer is not None else "")
        # Verifies the request's signature against the SP's metadata (want_authn_requests_signed).
        return self.server(profile).parse_authn_request(saml_request, BINDING_HTTP_POST)

    def _sso(self, start_response: StartResponse, profile: str, form: dict[str, str]) -> list[bytes]:
        request = self._parse(profile, form["SAMLRequest"])
        message = request.message
        minimum = ""
        if message.requested_authn_context is not None:
            minimum = ", ".join(ref.text for ref in message.requested_authn_context.authn_context_class_ref)
        people = "".join(
            f'<p><label><input type="radio" name="username" value="{p.username}"{" checked" if i == 0 else ""}> '
            f"{html.escape(p.label)}</label></p>"
            for i, p in enumerate(PROFILES[profile][1])
        )
        faults = ""
        if self.allow_faults:
            options = "".join(f'<option value="{k}">{html.escape(v)}</option>' for k, v in FAULTS.items())
            faults = f'<p><label>Fehler (nur Tests) <select name="fehler">{options}</select></label></p>'
        body = (
            f"<p>Angefordert: mindestens {html.escape(minimum or '–')}</p>"
            f'<form method="post" action="{self.base_url}/{profile}/login">'
            f'<input type="hidden" name="SAMLRequest" value="{html.escape(form["SAMLRequest"])}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(form.get("RelayState", ""))}">'
            f"<fieldset><legend>Person</legend>{people}</fieldset>"
            f'<p><label>Passwort <input type="password" name="password"></label> (Demo: {PASSWORD})</p>{faults}'
            '<p><button type="submit" name="weiter" value="1">Anmelden</button> '
            '<button type="submit" name="abbrechen" value="1">Abbrechen</button></p></form>'
        )
        return self._page(start_response, "200 OK", f"Anmelden bei {PROFILES[profile][0]}", body)

    def _requested(self, message: Any) -> set[str] | None:
        """The attribute names of the AKDB extension; ``None`` if the request named none (then: all)."""
        if message.extensions is None:
            return None
        names: set[str] = set()
        for element in message.extensions.extension_elements:
            for child in element.children:
                if child.tag == "RequestedAttributes":
                    names |= {c.attributes.get("Name", "") for c in child.children}
        return names or None

    def _login(self, start_response: StartResponse, profile: str, form: dict[str, str]) -> list[bytes]:
        request = self._parse(profile, form["SAMLRequest"])
        message = request.message
        people = {p.username: p for p in PROFILES[profile][1]}
        person: Person | None = people.get(form.get("username", ""))
        fault = form.get("fehler", "") if self.allow_faults else ""
        if fault not in FAULTS:
            fault = ""
        sp_entity_id = message.issuer.text
        acs = message.assertion_consumer_service_url
        server = self.server(profile, foreign=fault in ("foreign_key", "pss_foreign_key"))
        if "abbrechen" in form:
            response = server.create_error_response(message.id, acs, Exception("abgebrochen"), sign=True)
        elif person is None or form.get("password") != PASSWORD:
            return self._page(
                start_response, "200 OK", "Anmeldung fehlgeschlagen", "<p>Person oder Passwort falsch.</p>"
            )
        else:
            requested = self._requested(message)
            identity = {
                name: [value]
                for name, (value, _word) in person.attributes.items()
                if requested is None or name in requested
            }
            identity[TRUST_LEVEL] = [f"STORK-QAA-Level-{person.stork_level}"]
            server.levels = {name: word for name, (_value, word) in person.attributes.items()}
            server.fault = fault
            try:
                response = server.create_authn_response(
                    identity,
                    in_response_to=message.id,
                    destination=acs,
                    sp_entity_id=sp_entity_id,
                    name_id=saml.NameID(format=NAMEID_FORMAT_TRANSIENT, text=_transient()),
                    authn={"class_ref": f"STORK-QAA-Level-{person.stork_level}", "authn_auth": self.entity_id(profile)},
                    sign_response=False,
                    sign_assertion=fault != "unsigned",
                    encrypt_assertion=fault != "not_encrypted",
                    encrypt_assertion_self_contained=True,
                    encrypt_cert_assertion=None,
                    sign_alg=SIG_RSA_SHA256,
                    digest_alg=DIGEST_SHA256,
                )
            finally:
                server.fault = ""
        encoded = base64.b64encode(str(response).encode()).decode()
        body = (
            f'<form method="post" action="{html.escape(acs)}" id="weiter">'
            f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(form.get("RelayState", ""))}">'
            '<button type="submit">Weiter zum Dienst</button></form>'
            '<script>document.getElementById("weiter").submit()</script>'
        )
        return self._page(start_response, "200 OK", "Weiter zum Dienst", body)

    def _slo(self, start_response: StartResponse, profile: str, environ: dict[str, Any]) -> list[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        server = self.server(profile)
        request = server.parse_logout_request(
            query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"), signature=query.get("Signature"),
        )  # fmt: skip
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        sp_slo = server.metadata.single_logout_service(request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso")
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT, str(response), sp_slo[0]["location"], query.get("RelayState", ""),
            response=True, sign=True, sigalg=SIG_RSA_SHA256,
        )  # fmt: skip
        start_response("303 See Other", [("Location", dict(info["headers"])["Location"])])
        return [b""]


def _transient() -> str:
    import secrets

    return "_" + secrets.token_hex(16)
