"""Failed logins lock the pair account + client address, and the address is the real one behind the proxy.

Before, django-axes saw only the proxy's address (django-ipware was not installed), so five wrong passwords from
anywhere locked the account for everyone. Now a stranger locks only himself out, and what he writes into
X-Forwarded-For does not change which address he is counted under.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from rathaus.core.client_ip import client_ip
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory

PROXY = "10.0.0.2"
MIA = "203.0.113.7"
ATTACKER = "198.51.100.9"


def _ip(settings: Any, *, count: int, xff: str | None, remote: str = PROXY, trusted: list[str] | None = None) -> Any:
    settings.RATHAUS_TRUSTED_PROXY_COUNT = count
    settings.RATHAUS_TRUSTED_PROXY_IPS = trusted or []
    extra = {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {})}
    return client_ip(RequestFactory().get("/", **extra))


def test_served_directly_the_header_is_ignored(settings: Any) -> None:
    assert _ip(settings, count=0, xff=MIA, remote=ATTACKER) == ATTACKER


def test_behind_one_proxy_the_rightmost_entry_is_the_client(settings: Any) -> None:
    assert _ip(settings, count=1, xff=MIA) == MIA
    assert _ip(settings, count=1, xff=f"{MIA}, {ATTACKER}") == ATTACKER  # the left part was written by the client
    assert _ip(settings, count=2, xff=f"{MIA}, {ATTACKER}, 192.0.2.50") == ATTACKER


@pytest.mark.parametrize("xff", ["", "unbekannt", "<script>", "999.1.1.1"])
def test_missing_or_garbage_header_falls_back_to_the_connection(settings: Any, xff: str) -> None:
    assert _ip(settings, count=1, xff=xff) == PROXY


def test_ports_and_brackets_are_removed(settings: Any) -> None:
    assert _ip(settings, count=1, xff="192.0.2.1:5555") == "192.0.2.1"
    assert _ip(settings, count=1, xff="[2001:db8::1]:443") == "2001:db8::1"
    assert _ip(settings, count=1, xff="2001:db8::1") == "2001:db8::1"


def test_with_trusted_proxy_addresses_only_they_may_set_the_header(settings: Any) -> None:
    assert _ip(settings, count=1, xff=MIA, remote=PROXY, trusted=["10.0.0.0/8"]) == MIA
    assert _ip(settings, count=1, xff=MIA, remote=ATTACKER, trusted=["10.0.0.0/8"]) == ATTACKER


def _login(client: Client, xff: str, password: str) -> Any:
    return client.post(
        "/konto/anmelden/",
        {"username": "mia@example.org", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=xff,
    )


@pytest.mark.django_db
def test_a_stranger_cannot_lock_the_citizen_out_and_cannot_escape_his_own_lock(tenant: Any, settings: Any) -> None:
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    CitizenFactory(tenant=tenant, email="mia@example.org")
    attacker = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    for _ in range(5):
        assert _login(attacker, ATTACKER, "falsch-falsch").status_code in (200, 429)  # the fifth locks

    mia = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    assert _login(mia, MIA, PASSWORD).status_code == 302  # Mia, from her own address, is not locked out

    locked = _login(attacker, ATTACKER, PASSWORD)
    assert locked.status_code == 429  # the attacker is, even with the right password now
    spoofed = _login(attacker, f"{MIA}, {ATTACKER}", PASSWORD)  # pretending to be Mia does not help
    assert spoofed.status_code == 429 and "_auth_user_id" not in attacker.session


@pytest.mark.django_db
def test_served_directly_a_forged_header_per_attempt_does_not_escape_the_lock(tenant: Any, settings: Any) -> None:
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 0
    CitizenFactory(tenant=tenant, email="mia@example.org")
    attacker = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    for n in range(5):
        _login(attacker, f"192.0.2.{n}", "falsch-falsch")
    assert _login(attacker, "192.0.2.99", PASSWORD).status_code == 429


def test_the_settings_use_the_proxy_aware_address() -> None:
    from django.conf import settings

    assert settings.AXES_CLIENT_IP_CALLABLE == "rathaus.core.client_ip.client_ip"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
