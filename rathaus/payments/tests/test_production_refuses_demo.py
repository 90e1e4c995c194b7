"""Production refuses demo plugins: at start (system checks) and at run time (no silent fall back to "demo")."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from rathaus.core.errors import ValidationFailed
from rathaus.identity.tests.factories import login_citizen
from rathaus.payments import services
from rathaus.payments.checks import demo_plugins_refused
from rathaus.payments.errors import PaymentProviderUnavailable
from rathaus.payments.models import Payment
from rathaus.tenants.services import save_plugin_config
from rathaus.tenants.tests.factories import MunicipalityFactory

from .test_xbezahldienste import OPTIONS

PRODUCTION = {"RATHAUS_DEMO_PLUGINS": False, "RATHAUS_PAYMENT_PROVIDER": ""}


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OPTIONS["password_env"], "test-only")


def _ids(**kwargs: Any) -> list[str]:
    return [message.id for message in demo_plugins_refused(**kwargs)]


def _configure(tenant: Any, plugin_id: str, enabled: bool = True) -> None:
    options = OPTIONS if plugin_id == "xbezahldienste" else {}
    save_plugin_config(tenant=tenant, kind="payment", plugin_id=plugin_id, options=options, enabled=enabled, actor=None)


@pytest.mark.django_db
def test_embedded_mode_and_tests_allow_the_demo() -> None:
    MunicipalityFactory(slug="ohne")
    assert _ids(databases=["default"]) == []


@pytest.mark.parametrize(("default", "expected"), [("demo", ["payments.E002"]), ("paypal", ["payments.E001"])])
def test_production_refuses_a_demo_or_unknown_default(default: str, expected: list[str]) -> None:
    with override_settings(RATHAUS_DEMO_PLUGINS=False, RATHAUS_PAYMENT_PROVIDER=default):
        assert _ids() == expected
        with pytest.raises(SystemCheckError, match=expected[0]):
            call_command("check")


@override_settings(**PRODUCTION)
def test_production_refuses_a_municipality_with_the_demo_switched_on(tenant: Any) -> None:
    _configure(tenant, "demo")
    assert _ids() == []  # without a database the rows are not read
    assert _ids(databases=["default"]) == ["payments.E003"]
    with pytest.raises(SystemCheckError, match=r"payments\.E003"):
        call_command("check", "--deploy", "--database", "default")


@override_settings(**PRODUCTION)
def test_production_refuses_a_municipality_without_payment_provider(tenant: Any) -> None:
    assert _ids(databases=["default"]) == ["payments.E004"]
    _configure(tenant, "xbezahldienste", enabled=False)
    assert _ids(databases=["default"]) == ["payments.E004"]  # configured but switched off counts as none


@override_settings(**PRODUCTION)
def test_production_starts_with_a_real_provider(tenant: Any) -> None:
    _configure(tenant, "xbezahldienste")
    MunicipalityFactory(slug="inaktiv", is_active=False)  # inactive municipalities do not matter
    assert _ids(databases=["default"]) == []
    # This test is about payments; the test seal and demo logins have their own checks (records, identity tests).
    with override_settings(SILENCED_SYSTEM_CHECKS=[*settings.SILENCED_SYSTEM_CHECKS, "records.E001"]):
        call_command("check", "--database", "default")
    with override_settings(RATHAUS_PAYMENT_PROVIDER="epaybl"):
        MunicipalityFactory(slug="beta")  # no row of its own, but the installation default is real
        assert _ids(databases=["default"]) == []


@override_settings(**PRODUCTION)
def test_no_silent_fall_back_to_the_demo_at_run_time(tenant: Any, make_payment: Any) -> None:
    with pytest.raises(ValidationFailed, match="noch nicht eingerichtet"):
        make_payment()


def test_a_demo_payment_cannot_be_completed_in_production(
    tenant: Any, make_payment: Any, tclient: Client, citizen: Any
) -> None:
    payment = make_payment()  # started while demo plugins were allowed (or a row added after the start)
    assert payment.provider == "demo"
    login_citizen(tclient, citizen)
    with override_settings(**PRODUCTION):
        response = tclient.post(f"/zahlung/{payment.uuid}/")
        assert response.status_code == 200 and "abgeschaltet" in response.content.decode()
        assert tclient.get(f"/zahlung/demo/{payment.uuid}/").status_code == 404
        assert tclient.post(f"/zahlung/demo/{payment.uuid}/", {"action": "paid"}).status_code == 404
        services.record_demo_outcome(payment=payment, outcome="paid")  # the citizen's "pay" on the test page
        with pytest.raises(PaymentProviderUnavailable):
            services.refresh_status(payment=payment)
        tclient.get(f"/zahlung/return/{payment.uuid}/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


GOOD_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "portal.musterstadt.de",
    "DATABASE_URL": "postgres://rathaus@127.0.0.1:5432/rathaus",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # production refuses to start without a shared store
    "DJANGO_SETTINGS_MODULE": "rathaus.settings.production",
}
CHECK = "import django; django.setup(); from django.core.management import call_command; call_command('check')"
WSGI = "from rathaus.wsgi import application; print('STARTED')"  # what gunicorn does (it runs no checks)


@pytest.mark.parametrize("program", [CHECK, WSGI], ids=["check", "wsgi"])
@pytest.mark.parametrize(("provider", "refused"), [("demo", True), ("xbezahldienste", False), ("", False)])
def test_the_real_production_settings(provider: str, refused: bool, program: str) -> None:
    """production.py itself switches demo plugins off: a fresh interpreter refuses to start with the demo."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **GOOD_ENV, "RATHAUS_PAYMENT_PROVIDER": provider}
    result = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert ("payments.E002" in output) is refused, output[-2000:]
    assert (result.returncode != 0) is refused, output[-2000:]
    if program == WSGI:
        assert ("STARTED" in result.stdout) is not refused
