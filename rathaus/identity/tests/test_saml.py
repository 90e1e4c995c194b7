"""Login with BundID and Mein Unternehmenskonto over SAML 2.0, end to end against a real IdP process.

The demo SAML IdP (``python -m rathaus.demo_saml_idp serve --allow-faults``) runs on a free loopback port and
behaves like BundID: it requires signed AuthnRequests, encrypts and signs assertions, sends STORK-QAA levels and
``akdb:TrustLevel`` per attribute, and releases only the attributes of the AKDB request extension. The portal is
pytest-django's live server; a ``requests.Session`` plays the browser. Refusals are checked by state: nobody
logged in, no account, no link.
"""

from __future__ import annotations

import base64
import html
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
from urllib.parse import urlsplit

import pytest
import requests
from defusedxml import ElementTree as SafeET
from structlog.testing import capture_logs

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.demo_saml_idp.keys import write_pair
from rathaus.identity.models import ExternalIdentity, IdentityProvider, Organisation, Profile, User
from rathaus.identity.tests.factories import CitizenFactory
from rathaus.identity.trust import TrustLevel
from rathaus.tenants.tests.factories import MunicipalityFactory

REPO_ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Demo-BundID-2026"
NS_MD = "urn:oasis:names:tc:SAML:2.0:metadata"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass
class SamlIdP:
    base: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def sp_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two SP key pairs (current and next), as an operator would provide them by path."""
    directory = tmp_path_factory.mktemp("sp-keys")
    paths = {}
    for name in ("a", "b"):
        write_pair(directory / f"{name}-key.pem", directory / f"{name}-cert.pem", common_name=f"Rathaus SP {name}")
        paths[name] = str(directory / f"{name}-key.pem"), str(directory / f"{name}-cert.pem")
    return {"key_a": paths["a"][0], "cert_a": paths["a"][1], "key_b": paths["b"][0], "cert_b": paths["b"][1]}


@pytest.fixture(scope="session")
def saml_idp(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamlIdP]:
    data_dir = tmp_path_factory.mktemp("demo-saml-idp")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / "idp.log"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    command = [
        sys.executable, "-m", "rathaus.demo_saml_idp", "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--sp-prefix", f"{live_server.url}/", "--allow-faults",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"demo SAML IdP exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if requests.get(f"{base}/bundid/metadata", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"demo SAML IdP did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield SamlIdP(base=base, log=log_path)
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
    bundid: IdentityProvider
    muk: IdentityProvider


@pytest.fixture
def portal(saml_idp: SamlIdP, live_server: Any, sp_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Portal:
    monkeypatch.setenv("RATHAUS_SAML_KEY_FILE", sp_keys["key_a"])
    monkeypatch.setenv("RATHAUS_SAML_CERT_FILE", sp_keys["cert_a"])
    tenant = MunicipalityFactory(slug="musterstadt", name="Stadt Musterstadt", host="localhost")
    providers = {}
    for slug, name in (("bundid", "BundID"), ("muk", "Mein Unternehmenskonto")):
        entity = f"{saml_idp.base}/{slug}/metadata"
        providers[slug] = IdentityProvider.objects.create(
            tenant=tenant, slug=slug, name=name, plugin=slug,
            options={"idp_entity_id": entity, "metadata_url": entity,
                     "attributes": ["name", "email", "birth_date", "address"]},
        )  # fmt: skip
    # A service that needs the name, birth date and address from the account (data minimisation per service).
    ServiceFactory(tenant=tenant, slug="hundesteuer", login_attributes=["name", "birth_date", "address"])
    return Portal(url=live_server.url, tenant=tenant, bundid=providers["bundid"], muk=providers["muk"])


START = "/antraege/neu/hundesteuer/"  # "Antrag starten" of the service above
FOR_SERVICE = f"?next={START}"


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The form of ``page`` that goes to another site (IdP or ACS): its action and hidden fields."""
    action = re.search(r'<form method="post" action="(http[^"]*)"', page)
    assert action, page[:3000]
    fields = {
        html.unescape(n): html.unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    return html.unescape(action.group(1)), fields


def _to_acs(
    browser: requests.Session, portal: Portal, provider: str, username: str, *, fault: str = "", query: str = ""
) -> tuple[str, dict[str, str]]:
    """Start at the portal, log in at the IdP; the ACS address and the fields the IdP would post there."""
    start = browser.get(f"{portal.url}/konto/saml/{provider}/anmelden/{query}")
    assert start.status_code == 200, start.text[:3000]
    action, fields = _form(start.text)
    # The page may send its form to the IdP (and to no other site): CSP form-action names exactly its origin.
    idp_origin = "{0.scheme}://{0.netloc}".format(urlsplit(action))
    assert f"form-action 'self' {idp_origin};" in start.headers["Content-Security-Policy"] + ";"
    login_page = browser.post(action, data=fields)
    assert login_page.status_code == 200 and "Anmelden bei" in login_page.text, login_page.text[:3000]
    action, fields = _form(login_page.text)
    fields.update(username=username, password=PASSWORD, fehler=fault)
    answer = browser.post(action, data=fields)
    assert answer.status_code == 200, answer.text[:3000]
    return _form(answer.text)


def _post_to_acs(browser: requests.Session, acs: str, fields: dict[str, str]) -> requests.Response:
    """The IdP's cross-site POST (no cookies sent, as a browser does with SameSite=Lax), then this site's own
    POST of the form the ACS answers with (with the cookies)."""
    handed_on = requests.post(acs, data=fields, allow_redirects=False)
    assert handed_on.status_code == 200, handed_on.text[:2000]
    action = re.search(r'<form method="post" action="([^"]+)" id="saml-weiter">', handed_on.text)
    assert action, handed_on.text[:2000]
    form = handed_on.text[action.end() : handed_on.text.index("</form>", action.end())]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert set(hidden) == {"SAMLResponse", "RelayState"}
    data = {name: html.unescape(value) for name, value in hidden.items()}
    return browser.post(requests.compat.urljoin(acs, html.unescape(action.group(1))), data=data)


def _login(
    portal: Portal, provider: str, username: str, *, fault: str = "", query: str = ""
) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    acs, fields = _to_acs(browser, portal, provider, username, fault=fault, query=query)
    return browser, _post_to_acs(browser, acs, fields)


def _is_logged_in(browser: requests.Session, portal: Portal) -> bool:
    return browser.get(f"{portal.url}/konto/", allow_redirects=False).status_code == 200


e2e = pytest.mark.django_db(transaction=True)


@e2e
@pytest.mark.parametrize(
    ("username", "name", "level", "label", "birth_date", "city"),
    [
        ("erika", "Erika Mustermann", TrustLevel.HIGH, "hoch", date(1964, 8, 12), "Köln"),
        ("max", "Max Mustermann", TrustLevel.SUBSTANTIAL, "substanziell", date(1983, 3, 21), "Erkrath"),
        ("lena", "Lena Beispiel", TrustLevel.LOW, "niedrig", None, ""),
    ],
)
def test_bundid_login_at_each_stork_level_sets_trust_level_and_confirmed_profile(
    portal: Portal, username: str, name: str, level: str, label: str, birth_date: date | None, city: str
) -> None:
    browser, response = _login(portal, "bundid", username, query=FOR_SERVICE)

    assert response.status_code == 200, response.text[:2000]
    assert response.url == f"{portal.url}{START}"
    response = browser.get(f"{portal.url}/konto/")
    assert name in response.text
    assert re.search(rf'id="vertrauensniveau">{label}<', response.text)
    link = ExternalIdentity.objects.for_tenant(portal.tenant).get(provider=portal.bundid)
    # The stable subject is the bPK2, never the transient NameID.
    assert (link.subject, link.last_trust_level) == (f"bpk2-demo-{username}", level)
    user = link.user
    assert user.email == f"{username}.{'beispiel' if username == 'lena' else 'mustermann'}@bundid.example"
    assert user.kind == User.Kind.CITIZEN and not user.has_usable_password()
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    assert (profile.birth_date, profile.city, profile.highest_trust_level) == (birth_date, city, level)
    assert {"first_name", "last_name"} <= set(profile.verified_fields)


@e2e
def test_second_login_with_the_same_bpk2_reuses_the_account(portal: Portal) -> None:
    _login(portal, "bundid", "max")
    _browser, response = _login(portal, "bundid", "max")

    assert response.status_code == 200
    assert User.objects.filter(tenant=portal.tenant).count() == 1
    assert ExternalIdentity.objects.for_tenant(portal.tenant).count() == 1


@e2e
@pytest.mark.parametrize(
    "fault",
    ["unsigned", "expired", "wrong_audience", "tampered", "not_encrypted", "foreign_key", "pss_tampered",
     "pss_foreign_key"],
)  # fmt: skip
def test_broken_responses_are_refused_and_leave_nothing(portal: Portal, fault: str) -> None:
    browser, response = _login(portal, "bundid", "erika", fault=fault)

    assert response.status_code == 400, response.text[:2000]
    assert "Die Anmeldung hat nicht geklappt" in response.text
    assert not _is_logged_in(browser, portal)
    assert not User.objects.filter(tenant=portal.tenant).exists()
    assert not ExternalIdentity.objects.for_tenant(portal.tenant).exists()


@e2e
def test_an_assertion_signed_with_rsassa_pss_is_accepted(portal: Portal) -> None:
    """BundID may sign with RSASSA-PSS; python-xmlsec (libxmlsec1 1.3) verifies it, xmlsec1 1.2 is not asked."""
    browser, response = _login(portal, "bundid", "erika", fault="pss", query=FOR_SERVICE)

    assert response.status_code == 200, response.text[:2000]
    assert _is_logged_in(browser, portal)
    link = ExternalIdentity.objects.for_tenant(portal.tenant).get(provider=portal.bundid)
    assert (link.subject, link.last_trust_level) == ("bpk2-demo-erika", TrustLevel.HIGH)


@e2e
def test_rsassa_pss_without_a_verifier_is_refused_explicitly(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where python-xmlsec does not load (missing, or a libxml2 other than lxml's), a PSS-signed login is refused
    with the citizen's retry message and a log line naming the algorithm, never a 500 and never accepted
    unverified (docs/operators/saml.md)."""
    monkeypatch.setattr("rathaus.identity.saml_signatures.pss_verifier", lambda: None)
    with capture_logs() as logs:
        browser, response = _login(portal, "bundid", "erika", fault="pss")

    assert response.status_code == 400, response.text[:2000]
    assert "Die Anmeldung hat nicht geklappt" in response.text
    assert not _is_logged_in(browser, portal)
    assert not User.objects.filter(tenant=portal.tenant).exists()
    failed = [e for e in logs if e.get("event") == "saml_login_failed"]
    assert failed and failed[0]["reason"] == "signature_algorithm_unsupported", logs
    assert failed[0]["algorithm"] == "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"


@e2e
@pytest.mark.parametrize(("skew", "accepted"), [(60, True), (0, False)])
def test_clock_skew_tolerance_accepts_an_idp_clock_slightly_ahead(portal: Portal, skew: int, accepted: bool) -> None:
    portal.bundid.options = {**portal.bundid.options, "clock_skew_seconds": skew}
    portal.bundid.save()

    browser, response = _login(portal, "bundid", "max", fault="clock_ahead")

    assert (response.status_code, _is_logged_in(browser, portal)) == ((200, True) if accepted else (400, False))


@e2e
def test_a_replayed_response_is_refused_in_the_same_and_in_another_browser(portal: Portal) -> None:
    browser = requests.Session()
    acs, fields = _to_acs(browser, portal, "bundid", "erika")
    assert _post_to_acs(browser, acs, fields).status_code == 200
    # The same browser, still logged in: the request it answered is used up.
    assert _post_to_acs(browser, acs, fields).status_code == 400
    browser.cookies.clear()  # as if logged out: a fresh browser session

    again = _post_to_acs(browser, acs, fields)
    assert again.status_code == 400 and not _is_logged_in(browser, portal)
    # Another browser that started its own login cannot finish it with the old response either.
    thief = requests.Session()
    _to_acs(thief, portal, "bundid", "lena")
    stolen = _post_to_acs(thief, acs, fields)
    assert stolen.status_code == 400 and not _is_logged_in(thief, portal)
    assert ExternalIdentity.objects.for_tenant(portal.tenant).count() == 1


@e2e
def test_step_up_asks_the_idp_for_stork_4_and_refuses_a_weaker_login(portal: Portal) -> None:
    service = ServiceFactory(tenant=portal.tenant, slug="melderegisterauskunft", trust_level="high")
    browser, response = _login(portal, "bundid", "max", query="?niveau=high")

    assert response.status_code == 403
    assert "Online-Ausweis" in response.text
    assert not _is_logged_in(browser, portal)
    # The trust-level page offers the BundID login with the step-up for a service that needs "hoch".
    page = browser.get(f"{portal.url}/konto/vertrauensniveau/?level=high&next=/leistungen/{service.slug}/")
    assert "/konto/saml/bundid/anmelden/?niveau=high" in html.unescape(page.text)
    browser, response = _login(portal, "bundid", "erika", query="?niveau=high")
    assert response.status_code == 200 and _is_logged_in(browser, portal)


@e2e
def test_only_the_configured_attributes_are_requested_and_released(portal: Portal) -> None:
    portal.bundid.options = {**portal.bundid.options, "attributes": ["name", "email"]}
    portal.bundid.save()
    browser = requests.Session()
    # The service needs name, birth date and address; the municipality switched on only name and e-mail.
    start = browser.get(f"{portal.url}/konto/saml/bundid/anmelden/{FOR_SERVICE}")
    request_xml = base64.b64decode(_form(start.text)[1]["SAMLRequest"]).decode()
    for oid in ("2.5.4.42", "2.5.4.4", "0.9.2342.19200300.100.1.3", "1.3.6.1.4.1.25484.494450.3"):
        assert f'Name="urn:oid:{oid}"' in request_xml
    for oid in ("1.2.40.0.10.2.1.1.55", "2.5.4.16", "2.5.4.17", "2.5.4.7"):
        assert f"urn:oid:{oid}" not in request_xml
    assert "STORK-QAA-Level-1" in request_xml and "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" in request_xml
    assert "rsa-sha256" in request_xml

    _browser, response = _login(portal, "bundid", "erika", query=FOR_SERVICE)
    assert response.status_code == 200
    profile = Profile.objects.for_tenant(portal.tenant).get()
    assert (profile.birth_date, profile.street, profile.city) == (None, "", "")


BIRTH_DATE, STREET, MAIL, BPK2 = (
    "1.2.40.0.10.2.1.1.55",
    "2.5.4.16",
    "0.9.2342.19200300.100.1.3",
    "1.3.6.1.4.1.25484.494450.3",
)
GIVEN_NAME = "2.5.4.42"


def _requested(browser: requests.Session, url: str) -> set[str]:
    start = browser.get(url)
    assert start.status_code == 200, start.text[:2000]
    request_xml = base64.b64decode(_form(start.text)[1]["SAMLRequest"]).decode()
    return set(re.findall(r'RequestedAttribute Name="urn:oid:([0-9.]+)"', request_xml))


@e2e
def test_a_plain_login_asks_only_for_the_subject_level_and_email(portal: Portal) -> None:
    browser = requests.Session()
    assert _requested(browser, f"{portal.url}/konto/saml/bundid/anmelden/") == {BPK2, "1.2.40.0.10.2.1.1.261.94", MAIL}
    # The same for a return page that is not an application start, or a service that does not exist.
    for other in ("?next=/leistungen/hundesteuer/", "?next=/antraege/neu/gibt-es-nicht/", "?next=https://evil.example"):
        assert MAIL in _requested(browser, f"{portal.url}/konto/saml/bundid/anmelden/{other}")
        assert not {GIVEN_NAME, BIRTH_DATE, STREET} & _requested(
            browser, f"{portal.url}/konto/saml/bundid/anmelden/{other}"
        )

    _browser, response = _login(portal, "bundid", "erika")
    assert response.status_code == 200 and response.url == f"{portal.url}/konto/"
    user = ExternalIdentity.objects.for_tenant(portal.tenant).get(provider=portal.bundid).user
    profile = Profile.objects.for_tenant(portal.tenant).get(user=user)
    assert user.email == "erika.mustermann@bundid.example"
    assert (user.first_name, profile.birth_date, profile.city) == ("", None, "")  # released nothing else


@e2e
def test_a_login_for_an_application_asks_for_what_the_service_needs(portal: Portal) -> None:
    ServiceFactory(tenant=portal.tenant, slug="sperrmuell", login_attributes=["address"])
    ServiceFactory(tenant=portal.tenant, slug="ohne-angabe")  # states nothing: the provider's configured set
    browser = requests.Session()
    start = f"{portal.url}/konto/saml/bundid/anmelden/?niveau=low&next="
    assert _requested(browser, start + "/antraege/neu/sperrmuell/") >= {STREET, MAIL}
    assert not {GIVEN_NAME, BIRTH_DATE} & _requested(browser, start + "/antraege/neu/sperrmuell/")
    assert {GIVEN_NAME, BIRTH_DATE, STREET, MAIL} <= _requested(browser, start + "/antraege/neu/ohne-angabe/")

    _browser, response = _login(portal, "bundid", "erika", query="?next=/antraege/neu/sperrmuell/")
    assert response.status_code == 200
    profile = Profile.objects.for_tenant(portal.tenant).get()
    assert (profile.city, profile.birth_date, profile.user.first_name) == ("Köln", None, "")


@e2e
def test_muk_login_acts_for_the_organisation_with_the_acting_person_recorded(portal: Portal) -> None:
    # On the way to an application whose service needs the name and address (a plain login asks for less).
    browser, response = _login(portal, "muk", "musterbau", query=FOR_SERVICE)

    assert response.status_code == 200, response.text[:2000]
    organisation = Organisation.objects.for_tenant(portal.tenant).get()
    assert (organisation.name, organisation.legal_form, organisation.register_number) == (
        "Musterbau GmbH", "GmbH", "HRB 12345 (Amtsgericht Düsseldorf)",
    )  # fmt: skip
    assert (organisation.street, organisation.postal_code, organisation.city) == (
        "Industriestraße 5",
        "40699",
        "Erkrath",
    )
    representative = organisation.representatives.get()
    assert representative.user.get_full_name() == "Karl Beispiel"
    assert representative.user.kind == User.Kind.BUSINESS
    assert ExternalIdentity.objects.for_tenant(portal.tenant).get().subject == "muk-org-4711|muk-person-0815"
    assert re.search(r'id="handelt-fuer">Musterbau GmbH<', browser.get(f"{portal.url}/konto/").text)


@e2e
def test_a_plain_muk_login_still_records_the_acting_person_by_name(portal: Portal) -> None:
    _browser, response = _login(portal, "muk", "musterbau")

    assert response.status_code == 200, response.text[:2000]
    representative = Organisation.objects.for_tenant(portal.tenant).get().representatives.get()
    assert representative.user.get_full_name() == "Karl Beispiel"


@e2e
def test_sp_metadata_per_host_with_both_certificates_during_rollover(
    portal: Portal, sp_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A provider row of its own: a new entity id, whose metadata the IdP has not cached from other tests.
    portal.bundid.slug = "bundid-rollover"
    portal.bundid.save()
    # Rollover, step 1: the next certificate B is announced next to the current A (signing and encryption).
    monkeypatch.setenv("RATHAUS_SAML_NEXT_KEY_FILE", sp_keys["key_b"])
    monkeypatch.setenv("RATHAUS_SAML_NEXT_CERT_FILE", sp_keys["cert_b"])
    metadata = requests.get(f"{portal.url}/konto/saml/bundid-rollover/metadata/")
    root = SafeET.fromstring(metadata.content)
    assert root.get("entityID") == f"{portal.url}/konto/saml/bundid-rollover/metadata/"
    descriptors = root.findall(f".//{{{NS_MD}}}KeyDescriptor")
    certificates = {
        use: {d.find(f".//{{{NS_DS}}}X509Certificate").text.strip() for d in descriptors if d.get("use") == use}
        for use in ("signing", "encryption")
    }
    pem = {name: "".join(Path(sp_keys[name]).read_text().splitlines()[1:-1]) for name in ("cert_a", "cert_b")}
    assert certificates["signing"] == {pem["cert_a"], pem["cert_b"]}
    assert certificates["encryption"] == {pem["cert_a"], pem["cert_b"]}
    acs = root.find(f".//{{{NS_MD}}}AssertionConsumerService")
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert root.find(f"{{{NS_DS}}}Signature") is not None
    _login(portal, "bundid-rollover", "lena")  # the IdP now holds this metadata

    # Step 2: B signs and decrypts as the current key; A still decrypts what the IdP encrypts to it.
    monkeypatch.setenv("RATHAUS_SAML_KEY_FILE", sp_keys["key_b"])
    monkeypatch.setenv("RATHAUS_SAML_CERT_FILE", sp_keys["cert_b"])
    monkeypatch.setenv("RATHAUS_SAML_NEXT_KEY_FILE", sp_keys["key_a"])
    monkeypatch.setenv("RATHAUS_SAML_NEXT_CERT_FILE", sp_keys["cert_a"])
    browser, response = _login(portal, "bundid-rollover", "lena")
    assert response.status_code == 200 and _is_logged_in(browser, portal)

    # Without the old key the same response could not be read: the rollover needs both.
    monkeypatch.delenv("RATHAUS_SAML_NEXT_KEY_FILE")
    monkeypatch.delenv("RATHAUS_SAML_NEXT_CERT_FILE")
    browser, response = _login(portal, "bundid-rollover", "lena")
    assert response.status_code == 400 and not _is_logged_in(browser, portal)


# --- Account takeover: an external login never joins an existing account by its address ---------------------


@e2e
def test_verified_local_account_with_the_same_address_is_not_taken_over(portal: Portal) -> None:
    squatter = CitizenFactory(tenant=portal.tenant, email="erika.mustermann@bundid.example", first_name="Eve")

    browser, response = _login(portal, "bundid", "erika")

    assert response.status_code == 403
    assert "nicht automatisch" in response.text
    assert not _is_logged_in(browser, portal)
    assert not ExternalIdentity.objects.for_tenant(portal.tenant).exists()
    squatter.refresh_from_db()
    assert squatter.first_name == "Eve"
    assert Profile.objects.for_tenant(portal.tenant).get(user=squatter).verified_fields == []


def _password_login(portal: Portal, email: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{portal.url}/konto/anmelden/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    from rathaus.identity.tests.factories import PASSWORD as LOCAL_PASSWORD

    answer = browser.post(
        f"{portal.url}/konto/anmelden/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": LOCAL_PASSWORD},
    )
    assert answer.url == f"{portal.url}/konto/", answer.text[:2000]
    return browser


@e2e
def test_the_owner_links_bundid_from_inside_the_account_after_confirming(portal: Portal) -> None:
    owner = CitizenFactory(tenant=portal.tenant, email="owner@example.org", first_name="Erika", last_name="M.")
    browser = _password_login(portal, owner.email)
    assert 'href="/konto/verbinden/bundid/"' in browser.get(f"{portal.url}/konto/").text
    confirm = browser.get(f"{portal.url}/konto/verbinden/bundid/")
    assert confirm.status_code == 200 and "Ja, mit BundID verbinden" in confirm.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]

    # Without the confirmation nothing is linked; starting the login alone links nothing either.
    unconfirmed = browser.post(
        f"{portal.url}/konto/verbinden/bundid/", data={"csrfmiddlewaretoken": token}, allow_redirects=False
    )
    assert (unconfirmed.status_code, unconfirmed.headers["Location"]) == (302, "/konto/")
    acs, fields = _to_acs(browser, portal, "bundid", "erika")
    refused = _post_to_acs(browser, acs, fields)
    assert refused.status_code == 200  # a new account of its own (another address), not the owner's
    assert ExternalIdentity.objects.for_tenant(portal.tenant).get().user_id != owner.pk
    ExternalIdentity.objects.for_tenant(portal.tenant).all().delete()
    User.objects.exclude(pk=owner.pk).delete()

    browser = _password_login(portal, owner.email)
    confirm = browser.get(f"{portal.url}/konto/verbinden/bundid/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    start = browser.post(
        f"{portal.url}/konto/verbinden/bundid/", data={"csrfmiddlewaretoken": token, "bestaetigt": "1"}
    )
    action, fields = _form(start.text)
    login_page = browser.post(action, data=fields)
    action, fields = _form(login_page.text)
    fields.update(username="erika", password=PASSWORD)
    acs, fields = _form(browser.post(action, data=fields).text)
    response = _post_to_acs(browser, acs, fields)

    assert response.status_code == 200
    link = ExternalIdentity.objects.for_tenant(portal.tenant).get()
    assert link.user_id == owner.pk
    owner.refresh_from_db()
    assert (owner.last_name, owner.email) == ("Mustermann", "owner@example.org")
    assert re.search(r'id="vertrauensniveau">hoch<', response.text)
    assert 'href="/konto/verbinden/bundid/"' not in response.text  # connected now


@e2e
def test_logout_ends_the_session_here_and_at_the_idp(portal: Portal) -> None:
    browser, response = _login(portal, "bundid", "max")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)  # type: ignore[union-attr]

    out = browser.post(f"{portal.url}/konto/abmelden/", data={"csrfmiddlewaretoken": token}, allow_redirects=False)

    assert out.status_code == 200 and "Sie sind abgemeldet" in out.text
    link = re.search(r'<a class="kern-btn kern-btn--primary" href="([^"]+)"', out.text)
    assert link, out.text[:3000]
    slo = html.unescape(link.group(1))
    assert slo.startswith(portal.bundid.options["idp_entity_id"].removesuffix("/metadata") + "/slo?")
    assert "Signature=" in slo and "SAMLRequest=" in slo
    assert 'http-equiv="refresh"' in out.text
    assert not _is_logged_in(browser, portal)  # ended here before the IdP was asked
    back = browser.get(slo)  # the IdP checks the signature and answers
    assert back.status_code == 200 and back.url == f"{portal.url}/"
    assert not _is_logged_in(browser, portal)


@e2e
def test_a_link_flow_finished_after_logging_out_links_nothing(portal: Portal) -> None:
    owner = CitizenFactory(tenant=portal.tenant, email="owner@example.org")
    browser = _password_login(portal, owner.email)
    confirm = browser.get(f"{portal.url}/konto/verbinden/bundid/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    start = browser.post(
        f"{portal.url}/konto/verbinden/bundid/", data={"csrfmiddlewaretoken": token, "bestaetigt": "1"}
    )
    action, fields = _form(start.text)
    action, fields = _form(browser.post(action, data=fields).text)
    fields.update(username="erika", password=PASSWORD)
    acs, fields = _form(browser.post(action, data=fields).text)
    # The session changes hands: the flow stays in the session, but the account it was for is gone.
    flows = browser.cookies.get("sessionid")
    assert flows
    User.objects.filter(pk=owner.pk).update(is_active=False)

    response = _post_to_acs(browser, acs, fields)

    assert response.status_code == 403
    assert not ExternalIdentity.objects.for_tenant(portal.tenant).exists()
    assert User.objects.filter(tenant=portal.tenant).count() == 1
