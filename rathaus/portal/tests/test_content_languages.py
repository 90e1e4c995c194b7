"""Content in two languages: catalog texts and legal pages in English with German fallback marked lang="de"
(WCAG 3.1.2), legal pages as sanitised Markdown, Leichte Sprache and Gebärdensprache (BITV 2.0 § 4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from rathaus.catalog.tests.factories import LifeSituationFactory, ServiceFactory


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _tag_with(body: str, text: str) -> str:
    """The opening tag of the element whose text starts with ``text``."""
    match = re.search(r"<[a-z0-9]+[^>]*>\s*" + re.escape(text), body)
    assert match, text
    return match.group(0)


@pytest.fixture
def dog(tenant: Any) -> Any:
    situation = LifeSituationFactory(
        tenant=tenant, slug="hund", name="Hund und Haustier", translations={"en": {"name": "Dogs and pets"}}
    )
    service = ServiceFactory(
        tenant=tenant, slug="hund-anmelden", name="Hund anmelden", is_top=True,
        short_description="Melden Sie Ihren Hund an.", description="Wer einen Hund hält, zahlt Hundesteuer.",
        required_documents=["Nachweis der Haftpflicht"],
        translations={"en": {"name": "Register a dog", "short_description": "Register your dog."}},
        easy_language="Sie haben einen **Hund**?\n\n- Melden Sie den Hund an.",
    )  # fmt: skip
    service.life_situations.add(situation)
    return service


def test_english_page_shows_translated_names_without_lang_marks(tclient: Client, dog: Any) -> None:
    body = _english(tclient).get("/leistungen/hund-anmelden/").content.decode()
    assert '<html lang="en"' in body
    assert "lang=" not in _tag_with(body, "Register a dog")
    assert "lang=" not in _tag_with(body, "Register your dog.")


def test_untranslated_parts_show_in_german_marked_lang_de(tclient: Client, dog: Any) -> None:
    body = _english(tclient).get("/leistungen/hund-anmelden/").content.decode()
    assert 'lang="de"' in _tag_with(body, '<p class="kern-body">Wer einen Hund hält')
    assert 'lang="de"' in _tag_with(body, "<li>Nachweis der Haftpflicht")


def test_german_page_has_no_lang_marks_on_content(tclient: Client, dog: Any) -> None:
    body = tclient.get("/leistungen/hund-anmelden/").content.decode()
    assert "Hund anmelden" in body and "Register a dog" not in body
    assert "lang=" not in _tag_with(body, "Hund anmelden</h1>".removesuffix("</h1>"))


def test_cards_and_life_situations_are_localised(tclient: Client, dog: Any) -> None:
    body = _english(tclient).get("/").content.decode()
    assert "Register a dog" in body and "Dogs and pets" in body
    body = _english(tclient).get("/lebenslagen/hund/").content.decode()
    assert "Dogs and pets" in body and "Register a dog" in body


def test_search_in_english_finds_the_german_service(tclient: Client, dog: Any) -> None:
    body = _english(tclient).get("/suche/", {"q": "dog"}).content.decode()
    assert 'href="/leistungen/hund-anmelden/"' in body


def test_service_explains_itself_in_leichte_sprache(tclient: Client, dog: Any) -> None:
    body = _english(tclient).get("/leistungen/hund-anmelden/").content.decode()
    section = body[body.index('id="leichte-sprache"') - 200 :]
    assert 'lang="de"' in section[:200]
    assert "<strong>Hund</strong>" in section and "<li>Melden Sie den Hund an.</li>" in section


def test_start_page_links_leichte_sprache_and_gebaerdensprache(tclient: Client, dog: Any) -> None:
    body = tclient.get("/").content.decode()
    assert 'href="/leichte-sprache/"' in body and 'href="/gebaerdensprache/"' in body
    easy = tclient.get("/leichte-sprache/").content.decode()
    assert "Service-Portal" in easy and 'href="/leistungen/hund-anmelden/#leichte-sprache"' in easy
    english = _english(tclient).get("/leichte-sprache/").content.decode()
    assert '<div lang="de">' in english


def test_sign_language_page_shows_the_video_slot(tclient: Client, tenant: Any) -> None:
    body = tclient.get("/gebaerdensprache/").content.decode()
    assert "noch nicht fertig" in body
    tenant.sign_language_video = "https://video.example.org/dgs.mp4"
    tenant.save()
    body = tclient.get("/gebaerdensprache/").content.decode()
    assert 'href="https://video.example.org/dgs.mp4"' in body and "noch nicht fertig" not in body


def test_legal_page_is_structured_markdown(tclient: Client, tenant: Any) -> None:
    tenant.accessibility = (
        "## Feedback\n\n- E-Mail: <barrierefrei@alpha.de>\n- [Ombudsstelle](https://www.lbbp.nrw.de/ombudsstelle)"
    )
    tenant.save()
    body = tclient.get("/barrierefreiheit/").content.decode()
    assert '<h2 class="kern-heading-medium">Feedback</h2>' in body
    assert '<ul class="kern-list kern-list--bullet">' in body
    assert 'href="mailto:barrierefrei@alpha.de"' in body and 'href="https://www.lbbp.nrw.de/ombudsstelle"' in body


def test_legal_page_refuses_html_and_script_links(tclient: Client, tenant: Any) -> None:
    tenant.imprint = '<script>alert(1)</script>\n\n[klick](javascript:alert(2))\n\n<img src=x onerror="alert(3)">'
    tenant.save()
    body = tclient.get("/impressum/").content.decode()
    text = body[body.index('class="legal-text"') : body.index("</main>")]
    assert "<script" not in text and "&lt;script&gt;alert(1)" in text
    assert 'href="javascript' not in text and "<a " not in text and "<img" not in text


def test_legal_page_in_english_with_german_fallback(tclient: Client, tenant: Any) -> None:
    tenant.imprint, tenant.privacy = "## Herausgeberin", "## Verantwortliche Stelle"
    tenant.legal_translations = {"en": {"imprint": "## Publisher"}}
    tenant.save()
    body = _english(tclient).get("/impressum/").content.decode()
    assert "Publisher" in body and "Herausgeberin" not in body and 'class="legal-text" lang="de"' not in body
    body = _english(tclient).get("/datenschutz/").content.decode()
    assert '<div class="legal-text" lang="de">' in body and "Verantwortliche Stelle" in body


def test_apply_page_names_the_service_in_the_page_language(tclient: Client, dog: Any) -> None:
    from rathaus.catalog.models import localized
    from rathaus.catalog.templatetags.catalog_text import with_lang

    assert (
        str(with_lang(localized(dog, "description", "en")))
        == '<span lang="de">Wer einen Hund hält, zahlt Hundesteuer.</span>'
    )
    assert str(with_lang(localized(dog, "name", "en"))) == "Register a dog"
    assert str(with_lang(localized(dog, "name", "de"))) == "Hund anmelden"
    dog.name = "<b>Hund</b>"
    assert str(with_lang(localized(dog, "name", "de"))) == "&lt;b&gt;Hund&lt;/b&gt;"
