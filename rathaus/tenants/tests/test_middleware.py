"""Request → municipality resolution: host names, path prefix on platform hosts, unknown hosts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.catalog.tests.factories import ServiceFactory


def test_host_name_selects_the_municipality(tenant: Any, other_tenant: Any) -> None:
    assert "Stadt Alpha" in Client(HTTP_HOST="alpha.testserver").get("/").content.decode()
    assert "Gemeinde Beta" in Client(HTTP_HOST="beta.testserver").get("/").content.decode()


def test_host_with_port_and_upper_case_is_recognised(tenant: Any) -> None:
    assert Client(HTTP_HOST="ALPHA.testserver:8000").get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/suche/?q=x", "/konto/anmelden/", "/api/v1/catalog/services"])
def test_unknown_host_gets_neutral_404(tenant: Any, path: str) -> None:
    response = Client(HTTP_HOST="unbekannt.example").get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Stadt Alpha" not in body and "alpha" not in body.lower()


def test_unknown_host_api_answers_problem_details(tenant: Any) -> None:
    response = Client(HTTP_HOST="unbekannt.example").get("/api/v1/catalog/services")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_path_prefix_selects_municipality_on_platform_host(tenant: Any) -> None:
    ServiceFactory(tenant=tenant, slug="hund-anmelden", name="Hund anmelden")
    client = Client(HTTP_HOST="platform.testserver")
    response = client.get("/m/alpha/leistungen/hund-anmelden/")
    assert response.status_code == 200
    # Links on the page keep the prefix.
    assert 'href="/m/alpha/suche/"' in response.content.decode()


def test_path_prefix_does_not_stick_to_the_thread(tenant: Any) -> None:
    from django.urls import get_script_prefix

    before = get_script_prefix()
    Client(HTTP_HOST="platform.testserver").get("/m/alpha/suche/")
    assert get_script_prefix() == before
    body = Client(HTTP_HOST="alpha.testserver").get("/").content.decode()
    assert 'href="/suche/"' in body and "/m/alpha/" not in body


def test_path_prefix_is_ignored_on_a_municipality_host(tenant: Any, other_tenant: Any) -> None:
    response = Client(HTTP_HOST="alpha.testserver").get("/m/beta/")
    assert response.status_code == 404
    assert "Gemeinde Beta" not in response.content.decode()


def test_platform_host_lists_municipalities(tenant: Any) -> None:
    response = Client(HTTP_HOST="platform.testserver").get("/")
    assert response.status_code == 200
    assert "/m/alpha/" in response.content.decode()


def test_unknown_prefix_on_platform_host_is_404(tenant: Any) -> None:
    assert Client(HTTP_HOST="platform.testserver").get("/m/gibtesnicht/").status_code == 404


def test_inactive_municipality_is_not_served(tenant: Any) -> None:
    tenant.is_active = False
    tenant.save()
    assert Client(HTTP_HOST="alpha.testserver").get("/").status_code == 404


def test_healthz_answers_on_any_host(db: Any) -> None:
    response = Client(HTTP_HOST="irgendwas.example").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
