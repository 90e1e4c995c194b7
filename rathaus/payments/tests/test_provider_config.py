"""A municipality's payment provider is its own validated configuration row, edited by its administration.

Service (``tenants.services.save_plugin_config``), lookup (``payments.providers.registry``) and the page
*Interner Bereich → Anbindungen* (``/intern/anbindungen/``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.core.plugins import InvalidPluginOptions, PluginOptions, fresh_registry, option
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.payments import services
from rathaus.payments.errors import PaymentProviderUnavailable
from rathaus.payments.models import Payment
from rathaus.payments.providers.base import PaymentProvider, ProviderStatus
from rathaus.payments.providers.registry import payment_providers
from rathaus.tenants.models import PluginConfig
from rathaus.tenants.services import save_plugin_config

from .fake_epaybl import MERCHANT, SECRET, SECRET_ENV, FakePlatform, epaybl_options

OVERVIEW = "/intern/anbindungen/"
EDIT = "/intern/anbindungen/bearbeiten/?art=payment&anbindung=epaybl"
PLATFORM_URL = "https://epay.example.de/api/v1"


def _rows(tenant: Any) -> list[tuple[str, bool, dict[str, Any]]]:
    return [(c.plugin_id, c.enabled, c.options) for c in PluginConfig.objects.for_tenant(tenant).order_by("plugin_id")]


def _save(tenant: Any, plugin_id: str = "epaybl", enabled: bool = True, actor: Any = None, **options: Any) -> Any:
    values = {**epaybl_options(PLATFORM_URL), **options} if plugin_id == "epaybl" else options
    return save_plugin_config(
        tenant=tenant, kind="payment", plugin_id=plugin_id, options=values, enabled=enabled, actor=actor
    )


def _form(**overrides: Any) -> dict[str, Any]:
    """The page's POST body: every option as text, ``enabled`` as the check box sends it."""
    data = {**epaybl_options(PLATFORM_URL), "bewirtschafter": "", "enabled": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def secret_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


@pytest.fixture
def admin(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, roles=[StaffRole.Role.TENANT_ADMIN], first_name="Anna", last_name="Admin")


@pytest.fixture
def admin_client(tclient: Any, admin: Any) -> Any:
    login_staff(tclient, admin)
    return tclient


# --- the service ------------------------------------------------------------------------------------------


def test_valid_configuration_is_saved_with_checked_options_and_who_saved_it(
    tenant: Any, admin: Any, secret_set: None
) -> None:
    config = _save(tenant, actor=admin, timeout="2.5", bewirtschafter=" 0815 ")
    config.refresh_from_db()
    assert (config.kind, config.plugin_id, config.enabled, config.updated_by) == ("payment", "epaybl", True, admin)
    assert config.options == {
        "url": PLATFORM_URL,
        "merchant_id": MERCHANT,
        "secret_env": SECRET_ENV,
        "bewirtschafter": "0815",
        "haushaltsstelle": "1.1100.100",
        "objektnummer": "4711",
        "timeout": 2.5,
    }
    assert SECRET not in json.dumps(config.options)  # the secret is named, never stored


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"url": "ftp://epay.example.de"}, {"url"}),
        ({"url": "http://epay.example.de/api"}, {"url"}),  # plain http only to this machine
        ({"url": "https://nutzer:pw@epay.example.de/api"}, {"url"}),
        ({"merchant_id": ""}, {"merchant_id"}),
        ({"timeout": "schnell"}, {"timeout"}),
        ({"timeout": "0"}, {"timeout"}),
        ({"objektnummer": "x" * 101, "timeout": "61"}, {"objektnummer", "timeout"}),
        ({"kontonummer": "DE00"}, {"kontonummer"}),
    ],
)
def test_invalid_options_are_refused_per_field_and_the_old_configuration_stays(
    tenant: Any, secret_set: None, changes: dict[str, Any], fields: set[str]
) -> None:
    _save(tenant)
    before = _rows(tenant)
    with pytest.raises(InvalidPluginOptions) as caught:
        _save(tenant, **changes)
    assert {e["field"] for e in caught.value.errors} == fields
    assert all(e["message"] for e in caught.value.errors)
    assert _rows(tenant) == before


@pytest.mark.parametrize("clear", [SECRET, "Geheim-2026!", "rathaus_epaybl_key_alpha", "x y"])
def test_a_clear_secret_is_refused_and_stored_nowhere(tenant: Any, clear: str) -> None:
    with pytest.raises(InvalidPluginOptions) as caught:
        _save(tenant, enabled=False, secret_env=clear)
    assert [e["field"] for e in caught.value.errors] == ["secret_env"]
    assert "nicht das Geheimnis selbst" in caught.value.errors[0]["message"]
    assert _rows(tenant) == []


def test_a_municipality_can_only_name_its_own_secret_variables(tenant: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("RATHAUS_EPAYBL_KEY_BETA", "das-geheimnis-von-beta")
    with pytest.raises(InvalidPluginOptions) as caught:
        _save(tenant, secret_env="RATHAUS_EPAYBL_KEY_BETA")
    assert caught.value.errors[0]["field"] == "secret_env"
    assert "_ALPHA" in caught.value.errors[0]["message"]
    assert _rows(tenant) == []


def test_switching_on_needs_the_secret_variable_set_on_the_server(tenant: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ValidationFailed) as caught:
        _save(tenant, enabled=True)
    assert caught.value.errors == [
        {"field": "secret_env", "message": f"Die Umgebungsvariable »{SECRET_ENV}« ist auf dem Server nicht gesetzt."}
    ]
    assert _rows(tenant) == []
    _save(tenant, enabled=False)  # prepared while the operator has not set it yet: fine
    assert _rows(tenant)[0][:2] == ("epaybl", False)


def test_switching_on_one_payment_provider_switches_off_the_other_and_keeps_its_options(
    tenant: Any, other_tenant: Any, secret_set: None
) -> None:
    _save(tenant, plugin_id="demo")
    _save(other_tenant, plugin_id="demo")
    _save(tenant, plugin_id="epaybl")
    assert [(p, on) for p, on, _o in _rows(tenant)] == [("demo", False), ("epaybl", True)]
    assert [(p, on) for p, on, _o in _rows(other_tenant)] == [("demo", True)]  # another town is not touched
    _save(tenant, plugin_id="demo")
    rows = _rows(tenant)
    assert [(p, on) for p, on, _o in rows] == [("demo", True), ("epaybl", False)]
    assert rows[1][2]["merchant_id"] == MERCHANT


def test_unknown_provider_or_kind_is_refused(tenant: Any) -> None:
    with pytest.raises(NotFound):
        save_plugin_config(tenant=tenant, kind="payment", plugin_id="paypal", options={}, enabled=True, actor=None)
    with pytest.raises(NotFound):
        save_plugin_config(tenant=tenant, kind="zauberei", plugin_id="demo", options={}, enabled=True, actor=None)


def test_staff_of_another_municipality_cannot_save(tenant: Any, other_tenant: Any) -> None:
    stranger = StaffFactory(tenant=other_tenant, roles=[StaffRole.Role.TENANT_ADMIN])
    with pytest.raises(NotFound):
        _save(tenant, plugin_id="demo", actor=stranger)
    assert _rows(tenant) == []


# --- payments use the configured provider ------------------------------------------------------------------


def test_new_payments_use_the_provider_the_municipality_switched_on(
    tenant: Any, other_tenant: Any, make_payment: Any, settings: Any, secret_set: None
) -> None:
    settings.RATHAUS_PAYMENT_PROVIDER = "demo"
    _save(tenant, plugin_id="epaybl")
    assert make_payment().provider == "epaybl"
    beta = services.start_payment(
        tenant=other_tenant, reference="B-1", purpose="Gebühr", amount="5.00", lines=[], payer=None, return_url="/"
    )
    assert beta.provider == "demo"  # no row of its own: the installation default, never alpha's choice


def test_one_municipality_s_configuration_is_never_used_for_another(
    platform: FakePlatform, other_tenant: Any, rf: Any
) -> None:
    # Alpha talks to the platform (the fixture configured it); beta never configured ePayBL.
    beta = services.start_payment(
        tenant=other_tenant,
        reference="B-1",
        purpose="Gebühr",
        amount="5.00",
        lines=[],
        payer=None,
        return_url="/",
        provider="epaybl",
    )
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=beta, request=rf.get("/", HTTP_HOST="beta.testserver"))
    assert "noch nicht eingerichtet" in str(caught.value.detail)
    assert platform.requests == []  # alpha's platform, Mandant and secret were not used for beta
    beta.refresh_from_db()
    assert beta.status == Payment.Status.OPEN


class Konto(PluginOptions):
    konto: str = option(label="Konto", min_length=1)


class Recorder(PaymentProvider):
    """Remembers with which options it was asked to start a payment."""

    identifier = "recorder"
    label = "Rekorder"
    options_model = Konto
    used: list[str] = []

    def start(self, payment: Any, *, request: Any) -> str:
        type(self).used.append(self.options.konto)  # type: ignore[attr-defined]
        return "https://zahlung.example/"

    def check_status(self, payment: Any) -> ProviderStatus:
        return ProviderStatus("pending")


def test_each_municipality_s_payments_use_its_own_options(tenant: Any, other_tenant: Any, rf: Any) -> None:
    Recorder.used = []
    with fresh_registry(payment_providers, Recorder):
        for town, konto in ((tenant, "KONTO-ALPHA"), (other_tenant, "KONTO-BETA")):
            save_plugin_config(
                tenant=town, kind="payment", plugin_id="recorder", options={"konto": konto}, enabled=True, actor=None
            )
        for town in (other_tenant, tenant, other_tenant):
            payment = services.start_payment(
                tenant=town, reference=f"{town.slug}-{len(Recorder.used)}", purpose="Gebühr", amount="5.00",
                lines=[], payer=None, return_url="/",
            )  # fmt: skip
            assert payment.provider == "recorder"
            services.begin_redirect(payment=payment, request=rf.get("/"))
    assert Recorder.used == ["KONTO-BETA", "KONTO-ALPHA", "KONTO-BETA"]


def test_secret_is_read_from_the_environment_when_used(
    platform: FakePlatform, make_payment: Any, rf: Any, monkeypatch: Any, tenant: Any
) -> None:
    request = rf.get("/", HTTP_HOST="alpha.testserver")
    services.begin_redirect(payment=make_payment(), request=request)  # the right secret: accepted
    assert len(platform.records) == 1
    monkeypatch.setenv(SECRET_ENV, "rotiert-aber-falsch")
    with pytest.raises(PaymentProviderUnavailable):
        services.begin_redirect(payment=make_payment(), request=request)  # the platform refuses the new value
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=make_payment(), request=request)
    assert "noch nicht eingerichtet" in str(caught.value.detail)
    monkeypatch.setenv(SECRET_ENV, SECRET)  # set again: works again, nothing was cached
    services.begin_redirect(payment=make_payment(), request=request)
    assert len(platform.records) == 2
    assert SECRET not in json.dumps(_rows(tenant))


def test_a_running_payment_finishes_at_the_provider_it_started_with(
    platform: FakePlatform, make_payment: Any, rf: Any, tenant: Any
) -> None:
    payment = make_payment()
    services.begin_redirect(payment=payment, request=rf.get("/", HTTP_HOST="alpha.testserver"))
    _save(tenant, plugin_id="demo")  # the municipality switches to the demo provider
    assert make_payment(reference="A-2026-999999").provider == "demo"
    platform.pay(payment.provider_reference)
    services.refresh_status(payment=payment)
    assert payment.status == Payment.Status.PAID  # asked ePayBL with alpha's (now switched off) options


def test_stored_options_that_became_invalid_make_the_provider_not_set_up(
    platform: FakePlatform, make_payment: Any, rf: Any, tenant: Any
) -> None:
    PluginConfig.objects.for_tenant(tenant).filter(plugin_id="epaybl").update(options={"url": "kaputt"})
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=make_payment(), request=rf.get("/", HTTP_HOST="alpha.testserver"))
    assert "noch nicht eingerichtet" in str(caught.value.detail)
    assert platform.requests == []


# --- the page ---------------------------------------------------------------------------------------------


def test_overview_lists_the_providers_and_marks_the_demo_one(admin_client: Any, tenant: Any) -> None:
    _save(tenant, plugin_id="demo")
    response = admin_client.get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zahlungsanbieter" in html and "ePayBL, eigene JSON-Schnittstelle (veraltet" in html
    assert "XBezahldienste (ePayBL-Konnektor, pmPayment, epay21)" in html
    assert "Aktiv: Testzahlung – es fließt kein Geld" in html
    assert "Test – nicht für den Echtbetrieb" in html
    assert 'href="/intern/anbindungen/bearbeiten/?art=payment&amp;anbindung=epaybl"' in html


def test_overview_says_when_the_secret_variable_is_missing_on_the_server(
    admin_client: Any, tenant: Any, monkeypatch: Any
) -> None:
    _save(tenant, enabled=False)
    html = admin_client.get(OVERVIEW).content.decode()
    assert f"Auf dem Server fehlt die Umgebungsvariable »{SECRET_ENV}«." in html
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert "fehlt die Umgebungsvariable" not in admin_client.get(OVERVIEW).content.decode()


def test_administration_saves_a_configuration_with_the_form(
    admin_client: Any, admin: Any, tenant: Any, secret_set: None
) -> None:
    page = admin_client.get(EDIT)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html and 'name="secret_env"' in html and 'name="enabled"' in html
    assert "endet auf »_ALPHA«" in html  # the hint names the municipality's suffix
    response = admin_client.post(EDIT, _form(timeout="0,5"))  # German decimal comma
    assert response.status_code == 302 and response["Location"] == OVERVIEW
    config = PluginConfig.objects.for_tenant(tenant).get(plugin_id="epaybl")
    assert config.enabled and config.updated_by == admin and config.options["timeout"] == 0.5
    assert "sind gespeichert" in admin_client.get(OVERVIEW).content.decode()
    again = admin_client.get(EDIT).content.decode()
    assert f'value="{MERCHANT}"' in again and "checked" in again  # the stored values are shown to edit


def test_invalid_form_shows_each_error_at_its_field_and_keeps_the_old_configuration(
    admin_client: Any, tenant: Any, secret_set: None
) -> None:
    _save(tenant)
    before = _rows(tenant)
    response = admin_client.post(
        EDIT, _form(url="http://epay.example.de", merchant_id="", timeout="lang", secret_env="Geheim-2026!")
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("url", "merchant_id", "timeout", "secret_env"):  # every error at once, each at its field
        assert f'id="id_{field}-error"' in html, field
        assert f'aria-describedby="id_{field}-error' in html, field
    for field in ("objektnummer", "haushaltsstelle"):
        assert f'id="id_{field}-error"' not in html, field
    assert "nicht das Geheimnis selbst" in html and "Muss eine Zahl sein." in html
    assert _rows(tenant) == before


def test_switching_on_without_the_secret_variable_is_refused_at_that_field(
    admin_client: Any, tenant: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    response = admin_client.post(EDIT, _form())
    assert response.status_code == 422
    assert 'id="id_secret_env-error"' in response.content.decode()
    assert _rows(tenant) == []


def test_the_form_needs_its_csrf_token(admin: Any, tenant: Any, secret_set: None) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="alpha.testserver")
    login_staff(client, admin)
    assert client.post(EDIT, _form()).status_code == 403
    assert _rows(tenant) == []


@pytest.mark.parametrize(
    "role", [StaffRole.Role.TREASURY, StaffRole.Role.CASEWORKER, StaffRole.Role.DIGITALISATION, None]
)
def test_only_the_municipality_s_administration_may_see_or_change_it(
    tclient: Any, tenant: Any, role: Any, secret_set: None
) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[role] if role else []))
    assert tclient.get(OVERVIEW).status_code == 403
    assert tclient.get(EDIT).status_code == 403
    assert tclient.post(EDIT, _form()).status_code == 403
    assert _rows(tenant) == []


def test_anonymous_and_citizens_are_sent_to_the_staff_login(tclient: Any, tenant: Any, secret_set: None) -> None:
    for path in (OVERVIEW, EDIT):
        response = tclient.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/intern/anmelden/?next=")
    assert tclient.post(EDIT, _form())["Location"].startswith("/intern/anmelden/")
    login_citizen(tclient, CitizenFactory(tenant=tenant), level="high")
    assert tclient.post(EDIT, _form())["Location"].startswith("/intern/anmelden/")
    assert _rows(tenant) == []


def test_another_municipality_s_configuration_is_never_shown(
    admin_client: Any, tenant: Any, other_tenant: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("RATHAUS_EPAYBL_KEY_BETA", "x")
    beta_admin = StaffFactory(
        tenant=other_tenant, roles=[StaffRole.Role.TENANT_ADMIN], first_name="Bert", last_name="Betamann"
    )
    save_plugin_config(
        tenant=other_tenant,
        kind="payment",
        plugin_id="epaybl",
        options=epaybl_options(
            "https://beta-plattform.example", merchant_id="MANDANT-BETA", secret_env="RATHAUS_EPAYBL_KEY_BETA"
        ),
        enabled=True,
        actor=beta_admin,
    )
    for path in (OVERVIEW, EDIT):
        html = admin_client.get(path).content.decode()
        for marker in ("MANDANT-BETA", "beta-plattform", "KEY_BETA", "Betamann"):
            assert marker not in html, (path, marker)
    overview = admin_client.get(OVERVIEW).content.decode()
    assert "Keine Anbindung aktiv" in overview and "kern-badge--success" not in overview
    # Beta's administrator on beta's host sees beta's own values.
    beta = Client(HTTP_HOST="beta.testserver")
    login_staff(beta, beta_admin)
    assert 'value="MANDANT-BETA"' in beta.get(EDIT).content.decode()
    assert "Betamann" in beta.get(OVERVIEW).content.decode()


@pytest.mark.parametrize("query", ["", "?art=payment", "?art=payment&anbindung=paypal", "?art=zauberei&anbindung=demo"])
def test_unknown_provider_or_kind_is_not_found(admin_client: Any, query: str) -> None:
    assert admin_client.get(f"/intern/anbindungen/bearbeiten/{query}").status_code == 404


def test_providers_know_no_payment_model_only_plain_data() -> None:
    """The old circle models → registry → provider → models stays open: providers get ``PaymentData``."""
    import ast
    from pathlib import Path

    from rathaus.payments.providers.base import PaymentState

    folder = Path(__file__).parent.parent / "providers"
    for module in folder.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                name = ("." * node.level) + (node.module or "")
                assert name not in ("..models", "rathaus.payments.models"), f"{module.name} imports {name}"
    assert {state.value for state in PaymentState} == set(Payment.Status.values)


def test_a_nul_byte_is_refused_at_its_field(admin_client: Any, tenant: Any, secret_set: None) -> None:
    """PostgreSQL refuses NUL in text; the form refuses it first, at the field, and stores nothing."""
    _save(tenant)
    before = _rows(tenant)
    response = admin_client.post(EDIT, _form(bewirtschafter="Bewirt\x00schafter"))
    assert response.status_code == 422
    assert 'id="id_bewirtschafter-error"' in response.content.decode()
    assert _rows(tenant) == before


@pytest.mark.parametrize("bad", ["Bewirt\x00schafter", "Bewirt\ud800schafter"])
def test_nul_bytes_and_lone_surrogates_never_reach_the_database(tenant: Any, secret_set: None, bad: str) -> None:
    """A lone surrogate cannot come through a UTF-8 form body; a caller of the service must not store one."""
    _save(tenant)
    before = _rows(tenant)
    with pytest.raises(InvalidPluginOptions) as refused:
        _save(tenant, bewirtschafter=bad)
    assert {e["field"] for e in refused.value.errors} == {"bewirtschafter"}
    assert _rows(tenant) == before
