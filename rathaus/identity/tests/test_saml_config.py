"""SAML without an IdP process: options, pages, isolation, the request extension, and bad input at the ACS."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.core.plugins import InvalidPluginOptions
from rathaus.demo.loader import _saml_providers
from rathaus.demo_saml_idp.keys import write_pair
from rathaus.identity import selectors
from rathaus.identity.models import IdentityProvider, Organisation, OrganisationRepresentative
from rathaus.identity.providers.registry import identity_plugins
from rathaus.identity.providers.saml import BPK2, TRUST_LEVEL, trust_level_of_stork
from rathaus.identity.saml import akdb_extension
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory
from rathaus.identity.trust import TrustLevel

IDP = "https://idp.example/bundid/metadata"
OPTIONS = {"idp_entity_id": IDP, "metadata_xml": "<md/>", "attributes": ["name", "email"]}


@pytest.fixture(scope="module")
def sp_key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    directory = tmp_path_factory.mktemp("sp")
    write_pair(directory / "key.pem", directory / "cert.pem", common_name="test")
    return str(directory / "key.pem"), str(directory / "cert.pem")


@pytest.fixture
def keys(sp_key_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATHAUS_SAML_KEY_FILE", sp_key_files[0])
    monkeypatch.setenv("RATHAUS_SAML_CERT_FILE", sp_key_files[1])


def _bundid(tenant: Any, slug: str = "bundid") -> IdentityProvider:
    return IdentityProvider.objects.create(tenant=tenant, slug=slug, name="BundID", plugin="bundid", options=OPTIONS)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_stork_levels_map_to_trust_levels(level: int) -> None:
    expected = {1: TrustLevel.LOW, 2: TrustLevel.LOW, 3: TrustLevel.SUBSTANTIAL, 4: TrustLevel.HIGH}[level]
    assert trust_level_of_stork(level) == expected


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"idp_entity_id": IDP}, "metadata_xml"),  # neither metadata URL nor file
        ({**OPTIONS, "attributes": ["name", "religion"]}, "attributes"),
        ({**OPTIONS, "min_stork_level": 5}, "min_stork_level"),
        ({**OPTIONS, "clock_skew_seconds": 3600}, "clock_skew_seconds"),
        ({**OPTIONS, "idp_entity_id": "x\x00y"}, "idp_entity_id"),
    ],
)
def test_invalid_saml_options_are_refused_per_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPluginOptions) as refused:
        identity_plugins.validate_options("bundid", options)
    assert any(error["field"].split(".")[0] == field for error in refused.value.errors), refused.value.errors


def test_akdb_extension_requests_subject_level_and_only_the_configured_attributes(tenant: Any) -> None:
    provider = _bundid(tenant)
    plugin = identity_plugins.create("bundid", provider.options)

    xml = akdb_extension(plugin, provider).to_string().decode()  # type: ignore[attr-defined]

    assert 'xmlns:ns0="https://www.akdb.de/request/2018/09"' in xml or "https://www.akdb.de/request/2018/09" in xml
    assert 'Version="2"' in xml
    names = [BPK2, TRUST_LEVEL, "urn:oid:2.5.4.42", "urn:oid:2.5.4.4", "urn:oid:0.9.2342.19200300.100.1.3"]
    for name in names:
        assert f'Name="{name}"' in xml
    assert "urn:oid:2.5.4.16" not in xml and "urn:oid:1.2.40.0.10.2.1.1.55" not in xml
    assert "Stadt Alpha" in xml


@pytest.mark.django_db
def test_login_page_offers_bundid_and_muk(tclient: Client, tenant: Any) -> None:
    _bundid(tenant)
    IdentityProvider.objects.create(
        tenant=tenant, slug="muk", name="Mein Unternehmenskonto", plugin="muk", options=OPTIONS
    )

    page = tclient.get("/konto/anmelden/").content.decode()

    assert 'href="/konto/saml/bundid/anmelden/"' in page
    assert 'href="/konto/saml/muk/anmelden/"' in page


@pytest.mark.django_db
def test_saml_pages_of_unknown_oidc_or_foreign_providers_are_not_found(
    tclient: Client, tenant: Any, other_tenant: Any, keys: None
) -> None:
    IdentityProviderFactory(tenant=tenant, slug="keycloak")
    _bundid(other_tenant, slug="fremd")
    _bundid(tenant)

    for slug in ("unbekannt", "keycloak", "fremd"):
        for page in ("metadata", "anmelden"):
            assert tclient.get(f"/konto/saml/{slug}/{page}/").status_code == 404, (slug, page)
        for page in ("acs", "weiter"):
            assert tclient.post(f"/konto/saml/{slug}/{page}/", {"SAMLResponse": "x"}).status_code == 404, (slug, page)
    assert tclient.get("/konto/saml/bundid/metadata/").status_code == 200


@pytest.mark.django_db
def test_sp_metadata_names_this_host_and_the_acs_with_http_post(tclient: Client, tenant: Any, keys: None) -> None:
    _bundid(tenant)

    response = tclient.get("/konto/saml/bundid/metadata/")

    body = response.content.decode()
    assert response["Content-Type"].startswith("application/samlmetadata+xml")
    assert 'entityID="http://alpha.testserver/konto/saml/bundid/metadata/"' in body
    assert 'Location="http://alpha.testserver/konto/saml/bundid/acs/"' in body
    assert "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" in body
    assert 'AuthnRequestsSigned="true"' in body and 'WantAssertionsSigned="true"' in body


def _finish(client: Client, response: str, relay_state: str = "") -> Any:
    handed_on = client.post("/konto/saml/bundid/acs/", {"SAMLResponse": response, "RelayState": relay_state})
    if handed_on.status_code != 200:
        return handed_on
    return client.post("/konto/saml/bundid/weiter/", {"SAMLResponse": response, "RelayState": relay_state})


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&b;</samlp:Response>'
)
PLAIN = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion ID="a"/></samlp:Response>'
)


@pytest.mark.django_db
@pytest.mark.parametrize("document", [LAUGHS, PLAIN, "<nicht xml", "<a/>"])
def test_crafted_responses_are_refused_without_a_session(tclient: Client, tenant: Any, document: str) -> None:
    _bundid(tenant)

    response = _finish(tclient, base64.b64encode(document.encode()).decode())

    assert response.status_code == 400
    assert "_auth_user_id" not in tclient.session


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    response=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
    relay_state=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=120),
)
def test_any_posted_text_gets_an_answer_never_a_500(tenant: Any, response: str, relay_state: str) -> None:
    if not IdentityProvider.objects.for_tenant(tenant).filter(slug="bundid").exists():
        _bundid(tenant)
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")

    answer = _finish(client, response, relay_state)

    assert answer.status_code in (400, 403)


@pytest.mark.django_db
def test_acting_organisation_needs_a_representative_of_this_municipality(tenant: Any, other_tenant: Any) -> None:
    provider = _bundid(tenant)
    person, stranger = CitizenFactory(tenant=tenant), CitizenFactory(tenant=tenant)
    organisation = Organisation.objects.create(tenant=tenant, provider=provider, identifier="o1", name="Musterbau")
    OrganisationRepresentative.objects.create(tenant=tenant, organisation=organisation, user=person)
    request = RequestFactory().get("/")
    request.session = {"rathaus_acting_for_organisation": organisation.pk}  # type: ignore[attr-defined]
    request.tenant = tenant  # type: ignore[attr-defined]

    request.user = person
    assert selectors.acting_organisation(request) == organisation
    assert list(selectors.organisations_of(person)) == [organisation]
    request.user = stranger
    assert selectors.acting_organisation(request) is None
    request.user, request.tenant = person, other_tenant  # type: ignore[attr-defined]
    assert selectors.acting_organisation(request) is None


@pytest.mark.django_db
def test_demo_loader_configures_demo_bundid_and_muk(tenant: Any) -> None:
    _saml_providers(tenant, "http://127.0.0.1:8002")
    _saml_providers(tenant, "http://127.0.0.1:8002")  # idempotent

    rows = {p.slug: p for p in IdentityProvider.objects.for_tenant(tenant)}
    assert set(rows) == {"bundid", "unternehmenskonto"}
    assert (rows["bundid"].plugin, rows["unternehmenskonto"].plugin) == ("bundid", "muk")
    assert rows["bundid"].options["metadata_url"] == "http://127.0.0.1:8002/bundid/metadata"
    for row in rows.values():
        identity_plugins.validate_options(row.plugin, row.options)


def test_generated_embedded_key_pair_is_private(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rathaus.identity.saml import sp_key_pairs

    monkeypatch.delenv("RATHAUS_SAML_KEY_FILE", raising=False)
    monkeypatch.delenv("RATHAUS_SAML_CERT_FILE", raising=False)
    settings.DATA_DIR = tmp_path
    current, following = sp_key_pairs()

    assert following is None
    assert Path(current.key_file).stat().st_mode & 0o077 == 0
    assert sp_key_pairs()[0] == current  # created once, then reused
    settings.RATHAUS_SAML_GENERATE_KEYS = False
    from rathaus.identity.saml import SAMLLoginError

    with pytest.raises(SAMLLoginError):
        sp_key_pairs()
