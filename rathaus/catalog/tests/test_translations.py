"""Catalog texts in other languages: stored per service and life situation, exchanged in the JSON format,
kept by a CSV import (CSV does not carry them), refused when malformed, shown with German fallback."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.catalog.models import Service, localized
from rathaus.catalog.services import export_catalog, export_csv, import_catalog, parse_csv
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import ImportRejected
from rathaus.core.markdown import render_markdown
from rathaus.tenants.tests.factories import OrgUnitFactory

EN = {"name": "Register a dog", "short_description": "Register your dog.", "keywords": ["dog", "dog tax"]}


def _record(**over: Any) -> dict[str, Any]:
    record = {
        "leika_key": "99115001000001", "slug": "hund-anmelden", "name": "Hund anmelden",
        "short_description": "Melden Sie Ihren Hund an.", "org_unit": "FB20", "translations": {"en": EN},
        "easy_language": "Sie haben einen **Hund**?", "sign_language_video": "https://video.example.org/hund.mp4",
        "life_situations": ["hund"],
    }  # fmt: skip
    record.update(over)
    return record


@pytest.fixture
def document(tenant: Any) -> dict[str, Any]:
    OrgUnitFactory(tenant=tenant, key="FB20", name="Steueramt")
    situation = {"slug": "hund", "name": "Hund", "translations": {"en": {"name": "Dogs"}}}
    return {"life_situations": [situation], "services": [_record()]}


def test_import_stores_translations_and_export_gives_them_back(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    service = Service.objects.for_tenant(tenant).get()
    assert service.translations == {"en": EN}
    assert service.easy_language.startswith("Sie haben") and service.sign_language_video.endswith("hund.mp4")
    exported = export_catalog(tenant)
    assert exported["services"][0]["translations"] == {"en": EN}
    assert exported["life_situations"][0]["translations"] == {"en": {"name": "Dogs"}}
    import_catalog(tenant=tenant, document=exported)  # a round trip changes nothing
    assert Service.objects.for_tenant(tenant).get().translations == {"en": EN}


def test_csv_import_keeps_translations_it_does_not_carry(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    csv_document, labels = parse_csv(export_csv(tenant))
    csv_document["services"][0]["name"] = "Hund anmelden (Hundesteuer)"
    import_catalog(tenant=tenant, document=csv_document, row_labels=labels)
    service = Service.objects.for_tenant(tenant).get()
    assert service.name == "Hund anmelden (Hundesteuer)"
    assert service.translations == {"en": EN} and service.easy_language and service.sign_language_video


@pytest.mark.parametrize(
    "bad",
    [
        {"translations": {"fr": {"name": "Chien"}}},
        {"translations": {"en": {"legal_basis": "x"}}},
        {"translations": {"en": {"keywords": "dog"}}},
        {"translations": {"en": {"name": ""}}},
        {"sign_language_video": "http://video.example.org/x.mp4"},
        {"sign_language_video": "javascript:alert(1)"},
    ],
)
def test_malformed_translations_are_refused_and_nothing_is_stored(
    tenant: Any, document: dict[str, Any], bad: dict[str, Any]
) -> None:
    document["services"] = [_record(**bad)]
    with pytest.raises(ImportRejected):
        import_catalog(tenant=tenant, document=document)
    assert not Service.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize(
    "bad", [[], {"fr": {}}, {"en": []}, {"en": {"name": 3}}, {"en": {"required_documents": [1]}}, {"en": {"x": ""}}]
)
def test_model_validation_refuses_malformed_translations(tenant: Any, bad: Any) -> None:
    service = ServiceFactory(tenant=tenant)
    service.translations = bad
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "translations" in exc.value.message_dict


def test_localized_falls_back_to_german_and_says_so(tenant: Any) -> None:
    service = ServiceFactory(tenant=tenant, name="Hund anmelden", description="Text.", translations={"en": EN})
    assert (localized(service, "name", "en"), localized(service, "name", "en").lang) == ("Register a dog", "")
    assert (localized(service, "description", "en"), localized(service, "description", "en").lang) == ("Text.", "de")
    assert localized(service, "name", "de").lang == "" and localized(service, "name", "de") == "Hund anmelden"
    with translation.override("en"):
        assert localized(service, "name") == "Register a dog"
    assert [t.lang for t in localized(service, "required_documents", "en")] == []


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "hr",
}


def _assert_safe(html: str) -> None:
    for tag, attrs in _elements(html):
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        # As a browser reads it (WHATWG URL): leading controls and spaces stripped, tabs and newlines removed;
        # a scheme is letters, digits, "+", "-", "." before the first ":" - anything else is a relative URL.
        href = re.sub(r"[\t\n\r]", "", (attrs.get("href") or "").lstrip(_C0_AND_SPACE)).lower()
        scheme = re.match(r"([a-z][a-z0-9+.-]*):", href)
        assert scheme is None or scheme.group(1) in ("https", "http", "mailto", "tel"), href


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_markdown_never_fails_and_never_lets_markup_through(source: str) -> None:
    html = render_markdown(source)
    html.encode("utf-8")  # always encodable, even from lone surrogates
    _assert_safe(html)


@given(st.lists(st.sampled_from(["<script>", "[a](", "javascript:", ")", "<img src=x onerror=1>", "# ", "\n", "*"])))
@settings(max_examples=200, deadline=None)
def test_markdown_of_hostile_fragments_is_safe(parts: list[str]) -> None:
    _assert_safe(render_markdown("".join(parts)))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "![x](https://evil.example/x.png)",
        '<img src=x onerror="alert(1)">',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_markdown_refuses_active_content(source: str) -> None:
    html = render_markdown(source)
    _assert_safe(html)
    assert all(tag in ("p", "a") for tag, _ in _elements(html)), html


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = render_markdown("## Kontakt\n\n- [Ombudsstelle](https://www.lbbp.nrw.de/ombudsstelle)\n- <a@b.de>")
    tags = [tag for tag, _ in _elements(html)]
    assert tags == ["h2", "ul", "li", "a", "li", "a"], tags
    assert 'href="mailto:a@b.de"' in html and 'rel="noopener noreferrer"' in html


def test_markdown_shifts_headings_below_the_page_heading() -> None:
    html = render_markdown("# Eins\n\n## Zwei\n\n###### Sechs")
    assert '<h2 class="kern-heading-medium">Eins</h2>' in html and "<h3" in html and "<h1" not in html
    assert "<h6>Sechs</h6>" in html
