"""Citizen login with OpenID Connect, end to end against the real Demo-Servicekonto process.

The provider (``python -m rathaus.demo_idp serve``) runs as a subprocess on a free loopback port with its own
settings and database; the portal is pytest-django's live server; a ``requests.Session`` plays the browser.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.test import Client
from structlog.testing import capture_logs

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity import oidc, oidc_claims
from rathaus.identity.models import ExternalIdentity, IdentityProvider, Profile, User
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory
from rathaus.identity.trust import TrustLevel
from rathaus.tenants.tests.factories import MunicipalityFactory

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_PASSWORD = "Musterstadt-Demo-2026"
CLIENT_ID = "rathaus-demo"
CLIENT_SECRET = "test-only-secret-of-the-demo-idp"
SECRET_ENV = "RATHAUS_TEST_DEMO_IDP_SECRET"
ACR_MAPPING = {
    "http://eidas.europa.eu/LoA/low": "low",
    "http://eidas.europa.eu/LoA/substantial": "substantial",
    "http://eidas.europa.eu/LoA/high": "high",
}
ATTRIBUTE_MAPPING = {
    "given_name": "first_name",
    "family_name": "last_name",
    "birthdate": "birth_date",
    "address.street_address": "street",
    "address.postal_code": "postal_code",
    "address.locality": "city",
}
EMAILS = {
    "erika": "erika.mustermann@servicekonto.example",
    "max": "max.mustermann@servicekonto.example",
    "lena": "lena.beispiel@servicekonto.example",
}


@dataclass
class DemoIdP:
    base: str
    issuer: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_idp(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoIdP]:
    """The Demo-Servicekonto as its own process; the live server's callback is its registered redirect URI."""
    data_dir = tmp_path_factory.mktemp("demo-idp")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / "idp.log"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    command = [
        sys.executable, "-m", "rathaus.demo_idp", "serve", "--port", str(port), "--data-dir", str(data_dir / "db"),
        "--client-secret", CLIENT_SECRET, "--redirect-uri", f"{live_server.url}/konto/oidc/callback/",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"Demo-Servicekonto exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if requests.get(f"{base}/o/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Demo-Servicekonto did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield DemoIdP(base=base, issuer=f"{base}/o", log=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Portal:
    url: str
    tenant: Any
    provider: IdentityProvider


@pytest.fixture
def portal(demo_idp: DemoIdP, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """A municipality on ``localhost`` whose provider row names only the issuer (endpoints by discovery)."""
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    tenant = MunicipalityFactory(slug="musterstadt", name="Stadt Musterstadt", host="localhost")
    provider = IdentityProviderFactory(
        tenant=tenant, slug="servicekonto", name="Demo-Servicekonto", issuer=demo_idp.issuer,
        authorization_endpoint="", token_endpoint="", userinfo_endpoint="", jwks_uri="",
        client_id=CLIENT_ID, client_secret_env=SECRET_ENV, acr_mapping=ACR_MAPPING,
        attribute_mapping=ATTRIBUTE_MAPPING,
    )  # fmt: skip
    # Services that name what their login needs (data minimisation per service).
    ServiceFactory(tenant=tenant, slug="hundesteuer", login_attributes=["name", "birth_date", "address"])
    ServiceFactory(tenant=tenant, slug="fundsache", login_attributes=["name"])
    return Portal(url=live_server.url, tenant=tenant, provider=provider)


START = "/antraege/neu/hundesteuer/"  # "Antrag starten" of a service that needs name, birth date and address
START_NAME_ONLY = "/antraege/neu/fundsache/"  # ... of a service that needs only the name


def _form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no field {name!r} in:\n{page[:2000]}"
    return html.unescape(match.group(1))


def _to_callback(
    browser: requests.Session, portal: Portal, username: str, *, next_url: str = "", cancel: bool = False
) -> str:
    """Start the login at the portal, log in (or cancel) at the provider; the callback URL it sends back."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    page = browser.get(f"{portal.url}/konto/anmelden/{portal.provider.slug}/{query}")
    assert page.status_code == 200, page.text
    assert "Anmelden beim Demo-Servicekonto" in page.text, page.url
    form = {
        "csrfmiddlewaretoken": _form_value(page.text, "csrfmiddlewaretoken"),
        "next": _form_value(page.text, "next"),
    }
    if cancel:
        form["abbrechen"] = "1"
    else:
        form.update(username=username, password=DEMO_PASSWORD)
    action = urlunsplit(urlsplit(page.url)._replace(path="/anmelden/", query=""))
    response = browser.post(action, data=form, allow_redirects=False)
    # Inside the provider: back to /o/authorize/, which answers with the redirect to the portal.
    for _hop in range(5):
        assert response.status_code in (302, 303), response.text[:2000]
        location = requests.compat.urljoin(response.url, response.headers["Location"])
        if location.startswith(portal.url):
            assert location.startswith(f"{portal.url}/konto/oidc/callback/?"), location
            return location
        response = browser.get(location, allow_redirects=False)
    raise AssertionError("the provider never redirected back to the portal")


def _login(portal: Portal, username: str, *, next_url: str = "") -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    callback = _to_callback(browser, portal, username, next_url=next_url)
    return browser, browser.get(callback)


def _is_logged_in(browser: requests.Session, portal: Portal) -> bool:
    response = browser.get(f"{portal.url}/konto/", allow_redirects=False)
    return response.status_code == 200


def _with_param(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**params, **changes})))


# End to end: the live server's thread must see the test's rows, so they are committed, not rolled back.
e2e = pytest.mark.django_db(transaction=True)


@e2e
@pytest.mark.parametrize(
    ("username", "name", "level", "label", "birth_date", "street", "postal_code", "city"),
    [
        ("erika", "Erika Mustermann", TrustLevel.HIGH, "hoch", date(1964, 8, 12), "Heidestraße 17", "51147", "Köln"),
        ("max", "Max Mustermann", TrustLevel.SUBSTANTIAL, "substanziell", date(1983, 3, 21), "Rathausplatz 1",
         "40699", "Erkrath"),
        ("lena", "Lena Beispiel", TrustLevel.LOW, "niedrig", date(1999, 11, 30), "Lindenallee 3", "50667", "Köln"),
    ],
)  # fmt: skip
def test_login_with_the_demo_servicekonto_sets_trust_level_and_verified_profile(
    portal: Portal,
    username: str,
    name: str,
    level: str,
    label: str,
    birth_date: date,
    street: str,
    postal_code: str,
    city: str,
) -> None:
    browser, response = _login(portal, username, next_url=START)

    assert response.status_code == 200
    assert response.url == f"{portal.url}{START}"
    response = browser.get(f"{portal.url}/konto/")
    assert name in response.text
    assert re.search(rf'id="vertrauensniveau">{label}<', response.text)
    user = User.objects.get(tenant=portal.tenant, email=EMAILS[username])
    assert user.get_full_name() == name and user.kind == User.Kind.CITIZEN and not user.has_usable_password()
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    assert (profile.birth_date, profile.street, profile.postal_code, profile.city) == (
        birth_date, street, postal_code, city,
    )  # fmt: skip
    assert {"first_name", "last_name", "birth_date", "street", "postal_code", "city"} <= set(profile.verified_fields)
    assert profile.highest_trust_level == level
    link = ExternalIdentity.objects.for_tenant(portal.tenant).get(user=user)
    assert (link.subject, link.last_trust_level, link.provider_id) == (f"demo-{username}", level, portal.provider.pk)
    # The e-mail address counts as confirmed only where the provider said so (lena's is not).
    assert (user.email_verified_at is not None) == (username != "lena")


@e2e
def test_second_login_reuses_the_linked_account_and_keeps_verified_fields(portal: Portal) -> None:
    _login(portal, "erika", next_url=START)
    user = User.objects.get(tenant=portal.tenant, email=EMAILS["erika"])
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    profile.street = "Falsche Straße 1"  # changed behind the portal's back: the provider's value wins
    profile.save()

    browser, response = _login(portal, "erika", next_url=START)

    assert response.status_code == 200 and "Erika Mustermann" in browser.get(f"{portal.url}/konto/").text
    assert User.objects.filter(tenant=portal.tenant).count() == 1
    assert ExternalIdentity.objects.for_tenant(portal.tenant).count() == 1
    profile.refresh_from_db()
    assert profile.street == "Heidestraße 17"
    # The citizen cannot change a confirmed field on the account page.
    page = browser.get(f"{portal.url}/konto/")
    token = _form_value(page.text, "csrfmiddlewaretoken")
    browser.post(
        f"{portal.url}/konto/",
        data={"csrfmiddlewaretoken": token, "street": "Anderswo 9", "postal_code": "11111", "city": "X",
              "phone": "0211 1", "preferred_channel": "email"},
    )  # fmt: skip
    profile.refresh_from_db()
    assert (profile.street, profile.phone) == ("Heidestraße 17", "0211 1")


@e2e
def test_explicit_endpoints_work_without_discovery_and_next_is_respected(portal: Portal) -> None:
    base = portal.provider.issuer
    IdentityProvider.objects.for_tenant(portal.tenant).filter(pk=portal.provider.pk).update(
        authorization_endpoint=f"{base}/authorize/", token_endpoint=f"{base}/token/",
        userinfo_endpoint=f"{base}/userinfo/", jwks_uri=f"{base}/.well-known/jwks.json",
        issuer=base, attribute_mapping={},  # empty: the standard claims are used
    )  # fmt: skip

    _browser, response = _login(portal, "max", next_url=f"{START}?schritt=1")

    assert response.status_code == 200
    assert response.url == f"{portal.url}{START}?schritt=1"
    profile = Profile.objects.for_tenant(portal.tenant).get(user__email=EMAILS["max"])
    assert profile.city == "Erkrath" and "city" in profile.verified_fields


def _authorization_request(portal: Portal, next_url: str = "") -> dict[str, str]:
    """The parameters the portal sends the citizen to the provider with."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    start = requests.get(f"{portal.url}/konto/anmelden/{portal.provider.slug}/{query}", allow_redirects=False)
    assert start.status_code == 302, start.text[:2000]
    return {key: values[0] for key, values in parse_qs(urlsplit(start.headers["Location"]).query).items()}


def _released(logs: list[dict[str, Any]]) -> set[str]:
    succeeded = [entry for entry in logs if entry.get("event") == "oidc_login_succeeded"]
    assert len(succeeded) == 1, logs
    return set(succeeded[0]["released"])


@e2e
def test_a_service_that_needs_only_the_name_does_not_receive_the_address(portal: Portal) -> None:
    params = _authorization_request(portal, START_NAME_ONLY)
    assert params["scope"].split() == ["openid", "profile", "email"]
    assert set(json.loads(params["claims"])["userinfo"]) == {"given_name", "family_name", "email", "email_verified"}

    with capture_logs() as logs:
        _browser, response = _login(portal, "erika", next_url=START_NAME_ONLY)

    assert response.status_code == 200 and response.url == f"{portal.url}{START_NAME_ONLY}"
    # The provider released no address (it was not asked for the scope) ...
    assert "address" not in _released(logs) and {"given_name", "family_name"} <= _released(logs)
    user = User.objects.get(tenant=portal.tenant, email=EMAILS["erika"])
    assert user.get_full_name() == "Erika Mustermann"
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    assert (profile.street, profile.postal_code, profile.city) == ("", "", "")
    # ... and the birth date the "profile" scope carries along is not kept: the service did not ask for it.
    assert profile.birth_date is None
    assert set(profile.verified_fields) == {"first_name", "last_name"}


@e2e
def test_a_plain_login_asks_only_for_the_email_address(portal: Portal) -> None:
    params = _authorization_request(portal)
    assert params["scope"].split() == ["openid", "email"]
    assert set(json.loads(params["claims"])["userinfo"]) == {"email", "email_verified"}

    with capture_logs() as logs:
        browser, response = _login(portal, "max")

    assert response.status_code == 200 and _is_logged_in(browser, portal)
    assert _released(logs) <= {"email", "email_verified"}
    user = User.objects.get(tenant=portal.tenant, email=EMAILS["max"])
    assert (user.first_name, user.last_name) == ("", "")
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    assert (profile.birth_date, profile.city, profile.verified_fields) == (None, "", [])


@e2e
def test_the_scopes_of_the_provider_row_stay_the_ceiling(portal: Portal) -> None:
    """A service may ask for the address; a row without the scope "address" never requests it."""
    IdentityProvider.objects.for_tenant(portal.tenant).filter(pk=portal.provider.pk).update(
        scopes="openid profile email"
    )
    params = _authorization_request(portal, START)
    assert params["scope"].split() == ["openid", "profile", "email"]
    assert "address" not in json.loads(params["claims"])["userinfo"]

    with capture_logs() as logs:
        _login(portal, "lena", next_url=START)

    assert "address" not in _released(logs)
    profile = Profile.objects.for_tenant(portal.tenant).get(user__email=EMAILS["lena"])
    assert (profile.birth_date, profile.city) == (date(1999, 11, 30), "")


@e2e
def test_next_to_another_host_is_ignored(portal: Portal) -> None:
    _browser, response = _login(portal, "max", next_url="https://evil.example/phish")
    assert response.url == f"{portal.url}/konto/"


@e2e
def test_tampered_state_is_refused_and_nobody_is_logged_in(portal: Portal) -> None:
    browser = requests.Session()
    callback = _to_callback(browser, portal, "erika")

    response = browser.get(_with_param(callback, state="manipuliert"))

    assert response.status_code == 400
    assert "Die Anmeldung hat nicht geklappt" in response.text
    assert "passt nicht zu einer Anmeldung" in response.text
    assert not _is_logged_in(browser, portal)
    assert not User.objects.filter(tenant=portal.tenant).exists()
    # The genuine answer still works once; replaying it is refused (the state is single-use).
    assert browser.get(callback).status_code == 200
    assert _is_logged_in(browser, portal)
    assert browser.get(callback).status_code == 400


@e2e
def test_callback_from_another_browser_is_refused(portal: Portal) -> None:
    callback = _to_callback(requests.Session(), portal, "erika")
    attacker = requests.Session()  # login CSRF: someone else's code in my browser
    response = attacker.get(callback)
    assert response.status_code == 400
    assert not _is_logged_in(attacker, portal)


@e2e
def test_wrong_client_secret_ends_on_the_error_page(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "falsches-geheimnis")
    browser, response = _login(portal, "erika")

    assert response.status_code == 400
    assert "Die Anmeldung hat nicht geklappt" in response.text
    assert not _is_logged_in(browser, portal)
    assert not User.objects.filter(tenant=portal.tenant).exists()


@e2e
def test_missing_client_secret_variable_ends_on_the_error_page(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    _browser, response = _login(portal, "erika")
    assert response.status_code == 400
    assert "zurzeit nicht möglich" in response.text


@e2e
def test_cancel_at_the_provider_returns_access_denied(portal: Portal) -> None:
    browser = requests.Session()
    callback = _to_callback(browser, portal, "", cancel=True)
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]

    response = browser.get(callback)

    assert response.status_code == 400
    assert "abgebrochen oder abgelehnt" in response.text
    assert not _is_logged_in(browser, portal)


@e2e
def test_provider_disabled_during_login_is_refused(portal: Portal) -> None:
    browser = requests.Session()
    callback = _to_callback(browser, portal, "erika")
    IdentityProvider.objects.for_tenant(portal.tenant).filter(pk=portal.provider.pk).update(is_active=False)

    response = browser.get(callback)

    assert response.status_code == 403
    assert "nicht (mehr) freigeschaltet" in response.text
    assert not User.objects.filter(tenant=portal.tenant).exists()
    assert browser.get(f"{portal.url}/konto/anmelden/{portal.provider.slug}/").status_code == 404


@e2e
def test_provider_of_another_municipality_is_not_found(portal: Portal) -> None:
    other = MunicipalityFactory(slug="beispielheim", host="beispielheim.localhost")
    IdentityProviderFactory(tenant=other, slug="fremdes-konto", issuer=portal.provider.issuer)

    response = requests.get(f"{portal.url}/konto/anmelden/fremdes-konto/", allow_redirects=False)

    assert response.status_code == 404


@e2e
def test_unverified_local_account_with_the_same_address_is_not_taken_over(portal: Portal) -> None:
    squatter = CitizenFactory(
        tenant=portal.tenant, email=EMAILS["erika"], first_name="Eve", last_name="Vorweg", email_verified_at=None
    )

    browser, response = _login(portal, "erika")

    assert response.status_code == 403
    assert "nicht automatisch" in response.text
    assert not _is_logged_in(browser, portal)
    assert not ExternalIdentity.objects.for_tenant(portal.tenant).exists()
    squatter.refresh_from_db()
    assert (squatter.first_name, squatter.email_verified_at) == ("Eve", None)
    profile = Profile.objects.for_tenant(portal.tenant).get(user=squatter)
    assert profile.birth_date is None and profile.verified_fields == []
    assert User.objects.filter(tenant=portal.tenant).count() == 1


@e2e
@pytest.mark.parametrize("username", ["erika", "lena"])
def test_verified_local_account_is_never_linked_by_its_address_alone(portal: Portal, username: str) -> None:
    """Even with the address confirmed on both sides (a forged confirmation link would do): no takeover."""
    local = CitizenFactory(tenant=portal.tenant, email=EMAILS[username], first_name="Eve", last_name="Vorweg")

    browser, response = _login(portal, username)

    assert response.status_code == 403
    assert "nicht automatisch" in response.text
    assert not _is_logged_in(browser, portal)
    assert not ExternalIdentity.objects.for_tenant(portal.tenant).exists()
    local.refresh_from_db()
    assert (local.first_name, local.last_name) == ("Eve", "Vorweg")
    assert User.objects.filter(tenant=portal.tenant).count() == 1


@e2e
def test_substantial_service_is_open_after_login_with_max_but_not_with_lena(portal: Portal) -> None:
    service = ServiceFactory(tenant=portal.tenant, slug="personalausweis", trust_level="substantial")
    apply_path = f"/leistungen/{service.slug}/beantragen/"
    anonymous = requests.get(f"{portal.url}{apply_path}", allow_redirects=False)
    assert anonymous.status_code == 302 and "/konto/vertrauensniveau/" in anonymous.headers["Location"]

    _browser, response = _login(portal, "lena", next_url=apply_path)
    assert response.status_code == 403  # the trust-level page: »niedrig« is not enough
    assert "sicherere Anmeldung" in response.text

    _browser, response = _login(portal, "max", next_url=apply_path)
    assert response.status_code == 200
    assert response.url == f"{portal.url}{apply_path}"
    assert "Ihre Anmeldung reicht für diesen Antrag aus." in response.text


# --- Without the provider process: the checks that need a forged or foreign answer ---------------------------


@pytest.mark.django_db
def test_callback_with_a_flow_of_another_municipality_is_refused(
    tclient: Client, tenant: Any, other_tenant: Any
) -> None:
    provider = IdentityProviderFactory(tenant=other_tenant, slug="fremd")
    session = tclient.session
    session[oidc.FLOWS_SESSION_KEY] = {
        "s1": {"tenant": other_tenant.pk, "provider": provider.pk, "nonce": "n", "code_verifier": "v",
               "redirect_uri": "http://x/", "next": "", "started": int(time.time())},
    }  # fmt: skip
    session.save()

    response = tclient.get("/konto/oidc/callback/", {"state": "s1", "code": "c"})

    assert response.status_code == 403
    assert "nicht (mehr) freigeschaltet" in response.content.decode()
    assert "_auth_user_id" not in tclient.session


@pytest.mark.django_db
def test_unknown_provider_slug_is_not_found(tclient: Client) -> None:
    assert tclient.get("/konto/anmelden/gibt-es-nicht/").status_code == 404


@pytest.mark.django_db
def test_unknown_or_missing_acr_counts_as_low_never_higher(tenant: Any) -> None:
    provider = IdentityProviderFactory(
        tenant=tenant, acr_mapping={"a": "high", "b": "substantial", "c": "none", "d": "superhigh"}
    )
    assert oidc.trust_level_for(provider, "a") == TrustLevel.HIGH
    assert oidc.trust_level_for(provider, "b") == TrustLevel.SUBSTANTIAL
    for acr in ("c", "d", "unknown", None, 3, ["a"]):
        assert oidc.trust_level_for(provider, acr) == TrustLevel.LOW


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _backend(provider: IdentityProvider, public_key: rsa.RSAPublicKey) -> oidc.TenantOIDCBackend:
    config = oidc.ProviderConfig(
        issuer=provider.issuer, authorization_endpoint="http://idp.invalid/a", token_endpoint="http://idp.invalid/t",
        userinfo_endpoint="", jwks_uri="http://idp.invalid/jwks",
    )  # fmt: skip
    backend = oidc.TenantOIDCBackend(provider=provider, config=config)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    backend.retrieve_matching_jwk = lambda token: jwt.PyJWK({**jwk, "kid": "k1", "alg": "RS256"})  # type: ignore[method-assign]
    return backend


def _id_token(key: rsa.RSAPrivateKey, provider: IdentityProvider, **overrides: Any) -> str:
    claims = {"iss": provider.issuer, "aud": provider.client_id, "sub": "s", "nonce": "n1",
              "exp": int(time.time()) + 300, "iat": int(time.time())}  # fmt: skip
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("signing_key", "overrides", "nonce", "reason"),
    [
        ("other", {}, "n1", "id_token_invalid"),  # signed by someone else
        ("idp", {}, "anderer-nonce", "id_token_invalid"),
        ("idp", {"exp": int(time.time()) - 10}, "n1", "id_token_invalid"),
        ("idp", {"iss": "http://evil.example/o"}, "n1", "id_token_claims_invalid"),
        ("idp", {"aud": "jemand-anderes"}, "n1", "id_token_claims_invalid"),
        ("idp", {"exp": None}, "n1", "id_token_claims_invalid"),
    ],
)
def test_id_token_checks(tenant: Any, signing_key: str, overrides: dict[str, Any], nonce: str, reason: str) -> None:
    provider = IdentityProviderFactory(tenant=tenant)
    idp_key, other_key = _rsa_key(), _rsa_key()
    backend = _backend(provider, idp_key.public_key())
    token = _id_token(idp_key if signing_key == "idp" else other_key, provider, **overrides)

    with pytest.raises(oidc.OIDCLoginError) as error:
        backend.checked_id_token(token, nonce=nonce)

    assert error.value.reason == reason


@pytest.mark.django_db
def test_valid_id_token_passes(tenant: Any) -> None:
    provider = IdentityProviderFactory(tenant=tenant)
    key = _rsa_key()
    claims = _backend(provider, key.public_key()).checked_id_token(_id_token(key, provider), nonce="n1")
    assert claims["sub"] == "s"


@pytest.mark.django_db
def test_unsigned_id_token_is_refused_whatever_the_settings(tenant: Any, settings: Any) -> None:
    settings.OIDC_ALLOW_UNSECURED_JWT = True
    provider = IdentityProviderFactory(tenant=tenant)
    backend = _backend(provider, _rsa_key().public_key())
    token = jwt.encode({"iss": provider.issuer, "aud": provider.client_id, "sub": "s", "nonce": "n1",
                        "exp": int(time.time()) + 60}, key=None, algorithm="none")  # fmt: skip
    with pytest.raises(oidc.OIDCLoginError):
        backend.checked_id_token(token, nonce="n1")


def test_attribute_mapping_leaves_out_values_that_do_not_fit() -> None:
    user_fields, profile_fields = oidc.map_attributes(
        {**ATTRIBUTE_MAPPING, "address.country": "country", "nickname": "is_superuser"},
        {"given_name": "Erika", "birthdate": "1964-13-45", "address": {"postal_code": "51147", "country": "DEU"}},
    )
    assert user_fields == {"first_name": "Erika"}
    assert profile_fields == {"postal_code": "51147"}


def test_a_provider_row_with_only_the_issuer_passes_validation(tenant: Any) -> None:
    """Operators enter the issuer; the endpoints come from discovery, so the admin form must accept that."""
    provider = IdentityProvider(
        tenant=tenant, slug="bundid", name="BundID", issuer="https://id.bund.de/", client_id="x"
    )
    provider.full_clean()
    provider.issuer = "kein-url"
    with pytest.raises(ValidationError):
        provider.full_clean()


@pytest.mark.django_db
def test_claims_the_login_did_not_ask_for_are_dropped_even_if_the_provider_sends_them(tenant: Any) -> None:
    """A provider that ignores scopes and ``claims`` and sends everything: only the requested groups are kept."""
    provider = IdentityProviderFactory(tenant=tenant, attribute_mapping=ATTRIBUTE_MAPPING)
    everything = {
        "sub": "s", "email": "e@example.org", "email_verified": True, "given_name": "Erika",
        "family_name": "Mustermann", "birthdate": "1964-08-12",
        "address": {"street_address": "Heidestraße 17", "postal_code": "51147", "locality": "Köln"},
    }  # fmt: skip

    name_only = oidc._identity(provider, {"sub": "s"}, everything, ["email", "name"])
    assert name_only.user_fields == {"first_name": "Erika", "last_name": "Mustermann"}
    assert name_only.profile_fields == {}
    assert (name_only.email, name_only.email_verified) == ("e@example.org", True)

    no_email = oidc._identity(provider, {"sub": "s"}, everything, ["address"])
    assert (no_email.email, no_email.email_verified, no_email.user_fields) == ("", False, {})
    assert no_email.profile_fields == {"street": "Heidestraße 17", "postal_code": "51147", "city": "Köln"}

    everything_asked = oidc._identity(provider, {"sub": "s"}, everything, None)  # connecting an account
    assert everything_asked.profile_fields["birth_date"] == date(1964, 8, 12)
    assert everything_asked.user_fields["first_name"] == "Erika"


def test_scopes_of_the_provider_itself_are_sent_as_configured() -> None:
    """Only the standard scopes that release personal data are left out; a provider's own scope is not ours to
    judge (it may be needed for the login itself)."""
    assert oidc_claims.request_parameters("openid profile email address phone eidas", ["email"])["scope"] == (
        "openid email eidas"
    )
    assert oidc_claims.request_parameters("profile email address eidas", None) == {
        "scope": "openid profile email address eidas"
    }
    assert oidc_claims.configured_groups("openid email address eidas") == ["email", "address"]
