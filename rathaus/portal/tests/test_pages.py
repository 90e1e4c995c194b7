"""The public portal pages: content, search, service page, legal pages, security headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.catalog.tests.factories import FeeFactory, LifeSituationFactory, ServiceFactory


@pytest.fixture
def catalog(tenant: Any) -> dict[str, Any]:
    umzug = LifeSituationFactory(tenant=tenant, slug="umzug", name="Umzug")
    wohnsitz = ServiceFactory(
        tenant=tenant, slug="wohnsitz-anmelden", name="Wohnsitz anmelden", keywords=["Ummeldung"], is_top=True,
        required_documents=["Wohnungsgeberbestätigung"], processing_time="sofort", trust_level="high",
    )  # fmt: skip
    wohnsitz.life_situations.add(umzug)
    perso = ServiceFactory(
        tenant=tenant, slug="personalausweis", name="Personalausweis beantragen", channels=["on_site"]
    )
    FeeFactory(service=perso, label="ab 24 Jahre", amount_min="37.00", amount_max="37.00", legal_basis="PAuswGebV")
    FeeFactory(service=perso, label="Baugenehmigung", amount_min="50.00", amount_max="5000.00")
    return {"wohnsitz": wohnsitz, "perso": perso}


def test_home_shows_top_services_and_life_situations(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/").content.decode()
    assert "Wohnsitz anmelden" in body and "Personalausweis" not in body  # only top services
    assert 'href="/lebenslagen/umzug/"' in body
    assert "Stadt Alpha" in body


def test_search_page_finds_by_synonym(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/suche/", {"q": "Ummeldung"}).content.decode()
    assert "1 Ergebnis" in body and 'href="/leistungen/wohnsitz-anmelden/"' in body


def test_search_without_hits_offers_help(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/suche/", {"q": "Raumschiff"}).content.decode()
    assert "Keine passende Leistung" in body


def test_overlong_search_is_cut_not_refused(tclient: Client, catalog: Any) -> None:
    response = tclient.get("/suche/", {"q": "Perso " * 500})
    assert response.status_code == 200


def test_search_escapes_the_query(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/suche/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_service_page_shows_everything_a_citizen_needs(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/leistungen/personalausweis/").content.decode()
    assert "37,00 €" in body or "37.00 €" in body
    assert "50,00 € – 5000,00 €" in body or "50.00 € – 5000.00 €" in body
    assert "PAuswGebV" in body and "vor Ort" in body
    assert "Online beantragen" not in body  # not an online service
    body = tclient.get("/leistungen/wohnsitz-anmelden/").content.decode()
    assert "Wohnungsgeberbestätigung" in body and "Online beantragen" in body
    # the level in plain words (issue 8), not "Vertrauensniveau »hoch«"
    assert "melden Sie sich mit Online-Ausweis (eID) an" in body and "»hoch«" not in body


def test_life_situation_lists_its_services(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/lebenslagen/umzug/").content.decode()
    assert "Wohnsitz anmelden" in body and "Personalausweis" not in body


def test_unpublished_service_is_404(tclient: Client, tenant: Any) -> None:
    ServiceFactory(tenant=tenant, slug="entwurf", is_published=False)
    assert tclient.get("/leistungen/entwurf/").status_code == 404


@pytest.mark.parametrize(
    ("path", "text"),
    [("/impressum/", "Impressum der Stadt Alpha"), ("/datenschutz/", "Datenschutz der Stadt Alpha"),
     ("/barrierefreiheit/", "Barrierefreiheit der Stadt Alpha")],
)  # fmt: skip
def test_legal_pages_show_the_municipality_text(tclient: Client, path: str, text: str) -> None:
    assert text in tclient.get(path).content.decode()


def test_security_headers(tclient: Client, catalog: Any) -> None:
    response = tclient.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_forms_are_csrf_protected(tenant: Any) -> None:
    client = Client(HTTP_HOST="alpha.testserver", enforce_csrf_checks=True)
    response = client.post("/konto/anmelden/", {"username": "a@b.de", "password": "x"})
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.content.decode()


def test_english_interface(tclient: Client, catalog: Any) -> None:
    tclient.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = tclient.get("/").content.decode()
    assert '<html lang="en"' in body


@pytest.fixture
def many_dog_services(tenant: Any) -> list[Any]:
    unit = ServiceFactory(tenant=tenant, name="Hundesteuer Nr. 00").org_unit
    return [ServiceFactory(tenant=tenant, org_unit=unit, name=f"Hundesteuer Nr. {n:02d}") for n in range(1, 23)]


def test_search_shows_ten_hits_a_page_with_a_link_to_more(tclient: Client, many_dog_services: Any) -> None:
    body = tclient.get("/suche/", {"q": "Hundesteuer"}).content.decode()
    assert "23 Ergebnisse" in body and "Ergebnisse 1 bis 10" in body
    assert body.count('class="kern-card ') == 10
    assert 'rel="next" href="?q=Hundesteuer&amp;seite=2#ergebnisse"' in body and 'rel="prev"' not in body


def test_search_last_page_links_back(tclient: Client, many_dog_services: Any) -> None:
    body = tclient.get("/suche/", {"q": "Hundesteuer", "seite": "3"}).content.decode()
    assert body.count('class="kern-card ') == 3 and "Ergebnisse 21 bis 23" in body
    assert 'rel="prev" href="?q=Hundesteuer&amp;seite=2#ergebnisse"' in body and 'rel="next"' not in body


@pytest.mark.parametrize("seite", ["abc", "-1", "0", "99999999999"])
def test_search_page_number_garbage_means_first_page(tclient: Client, many_dog_services: Any, seite: str) -> None:
    response = tclient.get("/suche/", {"q": "Hundesteuer", "seite": seite})
    assert response.status_code == 200 and "Ergebnisse 1 bis 10" in response.content.decode()


def test_search_page_beyond_the_end_says_so(tclient: Client, many_dog_services: Any) -> None:
    body = tclient.get("/suche/", {"q": "Hundesteuer", "seite": "9"}).content.decode()
    assert "keine Ergebnisse mehr" in body and 'href="?q=Hundesteuer"' in body


def test_header_login_link_returns_to_the_page(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/leistungen/wohnsitz-anmelden/").content.decode()
    assert 'href="/konto/anmelden/?next=/leistungen/wohnsitz-anmelden/"' in body
    assert 'href="/konto/anmelden/"' in tclient.get("/").content.decode()


def test_language_switch_to_english_translates_the_portal(tclient: Client, catalog: Any) -> None:
    assert "Leistungen suchen" in tclient.get("/suche/").content.decode()
    response = tclient.post("/i18n/setlang/", {"language": "en", "next": "/suche/"})
    assert response.status_code == 302 and response["Location"] == "/suche/"
    body = tclient.get("/suche/", {"q": "Ummeldung"}).content.decode()
    assert '<html lang="en"' in body and "Search services" in body and "Leistungen suchen" not in body
    assert "1 result" in body


def test_browser_language_english_is_honoured(tclient: Client, catalog: Any) -> None:
    body = tclient.get("/suche/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
    assert "Search services" in body
