"""The internal area's own header: municipality and »Intern«, the areas the person may use, account and logout.

Every page under /intern/ gets it instead of the citizen header; the navigation follows the same role lists as
the views (``permissions.areas_of``), marks the page's area as current, and is empty until the second factor.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff

pytestmark = pytest.mark.django_db

AREA_LINKS = {
    "office": ("/intern/antraege/", "Anträge"),
    "records": ("/intern/akten/", "Akten"),
    "treasury": ("/intern/kasse/", "Stadtkasse"),
    "catalog": ("/intern/leistungen/", "Leistungskatalog"),
    "forms": ("/intern/formulare/", "Online-Formulare"),
    "administration": ("/intern/anbindungen/", "Anbindungen"),
    "steering": ("/intern/steuerung/", "Steuerung"),
}
ROLE_AREAS = {
    "caseworker": {"office", "records"},
    "unit_lead": {"office", "records", "steering"},
    "citizens_office": {"office"},
    "treasury": {"treasury"},
    "digitalisation": {"catalog", "forms", "steering"},
    "tenant_admin": {"office", "records", "treasury", "catalog", "forms", "administration", "steering"},
}


def staff_client(tenant: Any, *roles: str) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, roles=list(roles), first_name="Sabine", last_name="Amt"))
    return client


def navigations(html: str) -> list[str]:
    """The bodies of the page's navigations named »Hauptnavigation« (bar and »Menü«: the same links)."""
    return re.findall(r'<nav aria-label="Hauptnavigation"[^>]*>(.*?)</nav>', html, re.S)


def links(nav: str) -> list[tuple[str, str, bool]]:
    """(href, text, current) of every link in ``nav``."""
    found = re.findall(r'<a class="[^"]*" href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    return [(href, text, bool(current)) for href, current, text in found]


@pytest.mark.parametrize(("role", "areas"), sorted(ROLE_AREAS.items()))
def test_the_staff_navigation_lists_exactly_the_areas_the_role_may_use(tenant: Any, role: str, areas: set[str]) -> None:
    client = staff_client(tenant, role)
    html = client.get("/intern/").content.decode()
    bar, menu = navigations(html)
    assert links(bar) == links(menu)  # the phone's »Menü« offers the same
    hrefs = {href for href, _text, _current in links(bar)}
    assert "/intern/" in hrefs and "/intern/sicherheitsschluessel/" in hrefs
    for area, (path, label) in AREA_LINKS.items():
        assert (path in hrefs) == (area in areas), (role, path)
        assert (label in bar) == (area in areas), (role, label)


def test_the_page_s_area_is_marked_current_and_only_that(tenant: Any) -> None:
    client = staff_client(tenant, "tenant_admin")
    for path, expected in (
        ("/intern/", "/intern/"),
        ("/intern/kasse/", "/intern/kasse/"),
        ("/intern/antraege/", "/intern/antraege/"),
        ("/intern/anbindungen/bearbeiten/?art=payment&anbindung=demo", "/intern/anbindungen/"),
        ("/intern/sicherheitsschluessel/", "/intern/sicherheitsschluessel/"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        bar = navigations(response.content.decode())[0]
        current = [href for href, _text, is_current in links(bar) if is_current]
        assert current == [expected], (path, current)


def test_the_staff_header_names_the_municipality_the_area_and_the_person_and_offers_logout(tenant: Any) -> None:
    html = staff_client(tenant, "caseworker").get("/intern/antraege/").content.decode()
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert f"Interner Bereich – {tenant.name}" in header
    assert 'class="site-brand__badge">Intern<' in header
    assert re.search(r'<a class="site-brand[^"]*" href="/intern/">', header)  # the name leads to the overview
    assert "Sabine Amt" in header
    assert header.count('action="/intern/abmelden/"') == 2  # bar and »Menü«
    assert 'href="/konto/anmelden/' not in header  # not the citizen's header
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert "Zum Serviceportal" in footer and "Für Beschäftigte" not in footer
    assert "Barrierefreiheit" in footer and "Impressum" in footer and "Datenschutz" in footer


def test_before_the_second_factor_the_header_shows_no_areas(tenant: Any) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    html = client.get("/intern/anmelden/").content.decode()
    assert "Interner Bereich – " in html
    assert all(path not in html for path, _label in AREA_LINKS.values())

    user = StaffFactory(tenant=tenant, roles=["tenant_admin"])
    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")  # password only
    html = client.get("/intern/zweiter-faktor/").content.decode()
    assert all(path not in html for path, _label in AREA_LINKS.values())
    assert 'action="/intern/abmelden/"' in html  # the half-done login can be left


def test_citizen_pages_keep_the_citizen_header(tenant: Any) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, CitizenFactory(tenant=tenant))
    html = client.get("/konto/").content.decode()
    assert f"Offizielles Serviceportal – {tenant.name}" in html
    bar, menu = navigations(html)
    assert links(bar) == links(menu)
    assert ("/antraege/", "Meine Anträge", False) in links(bar)
    assert ("/konto/", "Mein Konto", True) in links(bar)
    assert "site-brand__badge" not in html and "/intern/antraege/" not in html
    assert "Für Beschäftigte" in html
