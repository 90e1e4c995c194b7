"""Active sessions: listed per device with a shortened address; "log out everywhere" ends the others, checked
with two real client sessions."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from rathaus.identity.account_sessions import describe_user_agent, short_ip
from rathaus.identity.models import AccountSession
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)


def _logged_in(tenant: Any, email: str, agent: str, ip: str) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver", HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post("/konto/anmelden/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_sessions_are_listed_and_log_out_everywhere_ends_the_others(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="erika@example.org")
    laptop = _logged_in(tenant, "erika@example.org", FIREFOX, "203.0.113.57")
    phone = _logged_in(tenant, "erika@example.org", ANDROID, "2001:db8:1234:5678::1")

    page = laptop.get("/konto/sitzungen/").content.decode()
    assert "Firefox / Linux" in page and "Chrome / Android" in page
    assert "203.0.113.0/24" in page and "2001:db8:1234::/48" in page
    assert "203.0.113.57" not in page and "5678" not in page
    assert page.count("(dieses Gerät)") == 1

    response = laptop.post("/konto/sitzungen/")
    assert response.status_code == 302
    assert laptop.get("/konto/").status_code == 200
    gone = phone.get("/konto/")
    assert gone.status_code == 302 and "/konto/anmelden/" in gone["Location"]
    assert "_auth_user_id" not in phone.session
    assert AccountSession.objects.filter(user=user).count() == 1


def test_logout_removes_the_session_from_the_list(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="erika@example.org")
    client = _logged_in(tenant, "erika@example.org", FIREFOX, "198.51.100.1")
    assert AccountSession.objects.filter(user=user).count() == 1
    client.post("/konto/abmelden/")
    assert not AccountSession.objects.filter(user=user).exists()


def test_sessions_of_other_accounts_are_neither_listed_nor_ended(tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="erika@example.org")
    CitizenFactory(tenant=tenant, email="max@example.org")
    erika = _logged_in(tenant, "erika@example.org", FIREFOX, "198.51.100.1")
    max_ = _logged_in(tenant, "max@example.org", ANDROID, "192.0.2.9")
    assert "192.0.2.0/24" not in erika.get("/konto/sitzungen/").content.decode()
    erika.post("/konto/sitzungen/")
    assert max_.get("/konto/").status_code == 200


@given(st.ip_addresses())
def test_short_ip_keeps_only_the_network(address: Any) -> None:
    network = ipaddress.ip_network(short_ip(str(address)))
    assert address in network
    assert network.prefixlen == (24 if address.version == 4 else 48)


def test_short_ip_of_garbage_is_empty() -> None:
    assert short_ip("") == short_ip("kein-ip") == short_ip("1.2.3.4\x00") == ""


def test_user_agents_are_named() -> None:
    assert describe_user_agent(FIREFOX) == "Firefox / Linux"
    assert describe_user_agent(ANDROID) == "Chrome / Android"
    assert (
        describe_user_agent("Mozilla/5.0 (Windows NT 10.0) AppleWebKit Chrome/126 Safari/537 Edg/126")
        == "Edge / Windows"
    )
    assert describe_user_agent("curl/8") == ""


def _queries(client: Client, path: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_index_costs_one_read_per_request_and_a_write_only_every_few_minutes(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="erika@example.org")
    client = _logged_in(tenant, "erika@example.org", FIREFOX, "198.51.100.1")
    client.get("/konto/")  # warm (session, caches)
    index = [q.lstrip().upper() for q in _queries(client, "/konto/") if "ACCOUNTSESSION" in q.upper()]
    assert len(index) == 1 and index[0].startswith("SELECT")
    long_ago = AccountSession.objects.get(user=user).created_at.replace(year=2000)
    AccountSession.objects.filter(user=user).update(last_seen_at=long_ago)
    index = [q.lstrip().upper() for q in _queries(client, "/konto/") if "ACCOUNTSESSION" in q.upper()]
    assert [q.split()[0] for q in index] == ["SELECT", "UPDATE"]
    assert AccountSession.objects.get(user=user).last_seen_at.year > 2000


def test_behind_a_proxy_the_list_shows_the_citizens_network_not_the_proxys(tenant: Any, settings: Any) -> None:
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    CitizenFactory(tenant=tenant, email="erika@example.org")
    client = Client(
        HTTP_HOST=f"{tenant.slug}.testserver",
        HTTP_USER_AGENT=FIREFOX,
        REMOTE_ADDR="10.0.0.2",  # the reverse proxy
        HTTP_X_FORWARDED_FOR="198.51.100.23, 203.0.113.57",  # the left entry was written by the client
    )
    assert client.post("/konto/anmelden/", {"username": "erika@example.org", "password": PASSWORD}).status_code == 302
    page = client.get("/konto/sitzungen/").content.decode()
    assert "203.0.113.0/24" in page
    assert "10.0.0.0/24" not in page and "198.51.100.0/24" not in page
