"""Production refuses the demo identity providers: ``migrate``/``check`` stop on a row that points at the demo
OpenID Connect provider or the demo SAML IdP (identity.E001), and a login at such a row is refused at run time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from saml2.metadata import create_metadata_string
from structlog.testing import capture_logs

from rathaus.demo.loader import _identity_provider, _saml_providers
from rathaus.demo_saml_idp.app import DemoIdP
from rathaus.identity.checks import demo_identity_providers_refused
from rathaus.identity.demo_providers import demo_reason, is_loopback
from rathaus.identity.models import IdentityProvider
from rathaus.identity.tests.factories import IdentityProviderFactory
from rathaus.tenants.tests.factories import MunicipalityFactory

PRODUCTION = {"RATHAUS_DEMO_PLUGINS": False}


def _ids() -> list[str]:
    return [message.id for message in demo_identity_providers_refused(databases=["default"])]


@pytest.fixture(scope="module")
def demo_metadata(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo SAML IdP's own metadata, served under a public-looking name (its keys give it away)."""
    idp = DemoIdP(
        base_url="https://login.musterstadt.example",
        data_dir=Path(tmp_path_factory.mktemp("demo-idp")),
        sp_prefixes=[],
        allow_faults=False,
    )
    document = create_metadata_string(None, config=idp._config("bundid"), valid=24)
    return document.decode() if isinstance(document, bytes) else str(document)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8001/o", True),
        ("http://127.1.2.3/", True),
        ("http://[::1]:8002/bundid/metadata", True),
        ("http://localhost:8002/", True),
        ("https://idp.musterstadt.localhost/", True),
        ("http://0.0.0.0:8001/", True),
        ("https://id.bund.de/idp", False),
        ("https://10.0.0.5/realms/kommune", False),  # a broker in the municipality's network is real
        ("https://localhost.example.org/", False),
        ("nicht-einmal-eine-url", False),
        ("http://[::1/", False),
    ],
)
def test_loopback_addresses_are_recognised(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_embedded_mode_and_tests_allow_the_demo_providers(tenant: Any) -> None:
    _identity_provider(tenant, "http://127.0.0.1:8001")
    assert _ids() == []
    call_command("check", "--database", "default")


@override_settings(**PRODUCTION)
def test_production_refuses_the_rows_the_demo_loader_writes(tenant: Any) -> None:
    _identity_provider(tenant, "http://127.0.0.1:8001")
    _saml_providers(tenant, "http://127.0.0.1:8002")
    messages = demo_identity_providers_refused(databases=["default"])
    assert [m.id for m in messages] == ["identity.E001"] * 3
    assert {m.msg.split("identity provider ")[1].split(" ")[0] for m in messages} == {
        "'bundid'",
        "'demo-servicekonto'",
        "'unternehmenskonto'",
    }
    assert demo_identity_providers_refused() == []  # without a database the rows are not read
    with pytest.raises(SystemCheckError, match=r"identity\.E001"):
        call_command("check", "--deploy", "--database", "default")


@override_settings(**PRODUCTION)
def test_demo_marks_give_a_provider_away_under_any_name(tenant: Any, demo_metadata: str) -> None:
    oidc = IdentityProviderFactory(tenant=tenant, issuer="https://idp.example/o", client_id="rathaus-demo")
    assert "Demo-Servicekonto" in demo_reason(oidc)
    saml = IdentityProvider.objects.create(
        tenant=tenant,
        slug="bundid",
        name="BundID",
        plugin="bundid",
        options={"idp_entity_id": "https://login.musterstadt.example/bundid/metadata", "metadata_xml": demo_metadata},
    )
    assert "demo SAML IdP's certificate" in demo_reason(saml)
    assert _ids() == ["identity.E001", "identity.E001"]


@override_settings(**PRODUCTION)
def test_production_starts_with_real_or_switched_off_providers(tenant: Any, demo_metadata: str) -> None:
    IdentityProviderFactory(tenant=tenant, issuer="https://sso.musterstadt.de/realms/buerger")
    IdentityProvider.objects.create(
        tenant=tenant,
        slug="bundid",
        name="BundID",
        plugin="bundid",
        options={"idp_entity_id": "https://id.bund.de/idp", "metadata_url": "https://id.bund.de/idp/metadata"},
    )
    IdentityProviderFactory(tenant=tenant, issuer="http://127.0.0.1:8001/o", is_active=False)
    elsewhere = MunicipalityFactory(slug="ehemals", is_active=False)
    IdentityProviderFactory(tenant=elsewhere, issuer="http://127.0.0.1:8001/o")
    assert _ids() == []


@override_settings(**PRODUCTION)
def test_a_demo_row_added_after_the_start_is_refused_at_login(tclient: Any, tenant: Any) -> None:
    _identity_provider(tenant, "http://127.0.0.1:8001")
    _saml_providers(tenant, "http://127.0.0.1:8002")
    for path in ("/konto/anmelden/demo-servicekonto/", "/konto/saml/bundid/anmelden/"):
        with capture_logs() as logs:
            response = tclient.get(path)
        assert response.status_code == 503, path
        assert "zurzeit nicht möglich" in response.content.decode()
        refused = [e for e in logs if e.get("reason") == "demo_provider_refused"]
        assert refused and "127.0.0.1" in refused[0]["why"], logs
