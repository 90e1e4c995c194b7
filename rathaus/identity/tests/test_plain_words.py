"""Trust levels said in plain words: how one logs in, never »Vertrauensniveau »hoch«« or a raw value like "low"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.templatetags.identity_tags import login_words
from rathaus.identity.tests.factories import CitizenFactory, login_citizen
from rathaus.identity.trust import TrustLevel

WORDS = {
    "none": "ohne Anmeldung",
    "low": "mit Benutzername und Passwort",
    "substantial": "mit ELSTER-Zertifikat oder Online-Ausweis",
    "high": "mit Online-Ausweis (eID)",
}


@pytest.mark.parametrize(("level", "words"), sorted(WORDS.items()))
def test_each_level_says_how_to_log_in(level: str, words: str) -> None:
    assert login_words(level) == words
    assert login_words(TrustLevel(level)) == words


@given(st.one_of(st.text(), st.none(), st.integers(), st.decimals(allow_nan=False)))
def test_anything_else_never_shows_itself(value: Any) -> None:
    words = login_words(value)
    assert words == WORDS.get(value, "unbekannt") if isinstance(value, str) else words == "unbekannt"
    if value not in WORDS:
        assert str(value) not in words or str(value) in "unbekannt"


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["low", "substantial", "high"])
def test_service_page_says_how_to_log_in_and_shows_no_leika_key(tenant: Any, level: str) -> None:
    service = ServiceFactory(tenant=tenant, slug="dienst", name="Dienst", trust_level=level, leika_key="99115001000000")
    html = Client(HTTP_HOST=f"{tenant.slug}.testserver").get("/leistungen/dienst/").content.decode()
    assert f"Für den Online-Antrag melden Sie sich {WORDS[level]} an." in html
    assert "Vertrauensniveau" not in html
    assert service.leika_key not in html and "LeiKa" not in html


@pytest.mark.django_db
def test_account_page_says_how_the_citizen_is_logged_in(tenant: Any) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, CitizenFactory(tenant=tenant), level="high")
    html = client.get("/konto/").content.decode()
    assert "So sind Sie angemeldet" in html and "mit Online-Ausweis (eID)" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("session", "needed", "says"),
    [
        (None, "high", ["Melden Sie sich dafür mit Online-Ausweis (eID) an.", "Sie sind noch nicht angemeldet."]),
        (
            "low",
            "substantial",
            [
                "Melden Sie sich dafür mit ELSTER-Zertifikat oder Online-Ausweis an.",
                "Jetzt sind Sie mit Benutzername und Passwort angemeldet.",
            ],
        ),
        ("none", "low", ["Ihre E-Mail-Adresse ist aber noch nicht bestätigt."]),
    ],
)
def test_the_login_needed_page_says_what_to_do_in_words(
    tenant: Any, session: str | None, needed: str, says: list[str]
) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    if session is not None:
        login_citizen(client, CitizenFactory(tenant=tenant), level=session)
    html = client.get(f"/konto/vertrauensniveau/?level={needed}&next=/").content.decode()
    for text in says:
        assert text in html
    assert "Vertrauensniveau »" not in html and "»Hoch«" not in html and "»Substanziell«" not in html


@pytest.mark.django_db
def test_the_login_page_names_no_trust_level(tenant: Any) -> None:
    html = Client(HTTP_HOST=f"{tenant.slug}.testserver").get("/konto/anmelden/").content.decode()
    assert "Vertrauensniveau" not in html
