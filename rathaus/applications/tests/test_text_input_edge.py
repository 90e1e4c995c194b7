"""Any text, in any field type, on the page or over the API, and in messages: it saves or gets a field error —
never a 500, on SQLite and on PostgreSQL (run with DATABASE_URL=postgres://… as well).

PostgreSQL refuses NUL characters in text and jsonb, and no lone UTF-16 surrogate has a UTF-8 form; both used
to reach the database (a 500 on saving) or a page (a 500 on rendering the summary, the receipt, the office
view). Hypothesis draws every code point, lone surrogates included.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, FormVersion
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine.definition import FIELD_TYPES

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
NASTY = ["\x00", "\ud800", "\udfff", "\ud800 x", "\r\n", "\x1b", "\x7f", "\t", "ä", "1", "ja", ",", "DE", "@", "-"]
ANY_TEXT = st.text(ANY_CHAR, max_size=30) | st.lists(st.sampled_from(NASTY), max_size=8).map("".join)

FIELDS: list[dict[str, Any]] = [
    {"id": "text", "label": "Text", "type": "text"},
    {"id": "textarea", "label": "Mehrzeilig", "type": "textarea"},
    {"id": "number", "label": "Zahl", "type": "number", "min": 0, "max": 10},
    {"id": "date", "label": "Datum", "type": "date"},
    {"id": "choice", "label": "Auswahl", "type": "choice", "choices": [{"value": "a", "label": "A"}]},
    {"id": "multichoice", "label": "Mehrfach", "type": "multichoice", "choices": [{"value": "a", "label": "A"}]},
    {"id": "yesno", "label": "Ja oder nein?", "type": "yesno"},
    {"id": "address", "label": "Anschrift", "type": "address"},
    {"id": "iban", "label": "IBAN", "type": "iban"},
    {"id": "email", "label": "E-Mail", "type": "email"},
    {"id": "phone", "label": "Telefon", "type": "phone"},
    {"id": "file", "label": "Datei", "type": "file"},
]
TYPED = [f["id"] for f in FIELDS if f["type"] != "file"]
FORM = {
    "id": "alle-typen",
    "version": 1,
    "title": "Alle Feldtypen",
    "steps": [{"id": "s", "title": "Alles", "groups": [{"id": "g", "title": "Gruppe", "fields": FIELDS}]}],
}
PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def test_the_form_has_every_field_type() -> None:
    assert {f["type"] for f in FIELDS} == set(FIELD_TYPES)


@pytest.fixture
def form(tenant: Any) -> FormVersion:
    service = ServiceFactory(tenant=tenant, slug="alle-typen", name="Alle Feldtypen", trust_level="low")
    return services.publish_form(service=service, definition=FORM)


@pytest.fixture
def draft(mia: Client, form: FormVersion) -> str:
    response = mia.post("/api/v1/applications/drafts", {"service": "alle-typen"}, content_type="application/json")
    assert response.status_code == 201, response.content
    return str(response.json()["uuid"])


def _pages_render(client: Client, draft: str) -> None:
    """What the citizen sees of the draft afterwards renders (and encodes as UTF-8)."""
    for url in (f"/antraege/entwurf/{draft}/schritt/s/", f"/antraege/entwurf/{draft}/zusammenfassung/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(f"/api/v1/applications/drafts/{draft}").status_code == 200


def _value(field: str, text: str) -> Any:
    if field == "address":
        return {"street": text, "house_number": text[:5], "postal_code": text, "city": text}
    if field == "multichoice":
        return [text]
    return text


@PROPERTY
@given(field=st.sampled_from(TYPED), text=ANY_TEXT)
def test_any_text_over_the_api_saves_or_gets_an_error_at_its_field(
    mia: Client, draft: str, field: str, text: str
) -> None:
    body = json.dumps({"answers": {"g": {field: _value(field, text)}}}, ensure_ascii=True)  # \ud800 stays escaped
    response = mia.put(f"/api/v1/applications/drafts/{draft}/steps/s", body, content_type="application/json")
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert {e["field"] for e in response.json()["errors"]} == {f"s.g.{field}"}
    stored = json.dumps(Draft.objects.unscoped().get(uuid=draft).answers, ensure_ascii=False)
    assert "\x00" not in stored
    stored.encode("utf-8")
    _pages_render(mia, draft)


def _form_post(client: Client, url: str, pairs: list[tuple[str, str]]) -> Any:
    # Raw bytes as a browser or a script may send them: a lone surrogate becomes invalid UTF-8.
    body = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


@PROPERTY
@given(field=st.sampled_from(TYPED), text=ANY_TEXT, action=st.sampled_from(["next", "save", "refresh"]))
def test_any_text_on_the_page_saves_or_gets_an_error_at_its_field(
    mia: Client, draft: str, field: str, text: str, action: str
) -> None:
    name = f"s.g.{field}"
    pairs = [(f"{name}.{part}", text) for part in ("street", "postal_code", "city")] if field == "address" else []
    pairs = pairs or [(name, text)]
    response = _form_post(mia, f"/antraege/entwurf/{draft}/schritt/s/", [*pairs, ("_action", action)])
    assert response.status_code in (200, 302, 422)
    if response.status_code == 422:
        assert 'aria-invalid="true"' in response.content.decode()
    stored = json.dumps(Draft.objects.unscoped().get(uuid=draft).answers, ensure_ascii=False)
    assert "\x00" not in stored
    stored.encode("utf-8")
    _pages_render(mia, draft)


@pytest.fixture
def application(mia: Client, citizen: Any, form: FormVersion) -> Application:
    draft = services.start_draft(tenant=form.tenant, service=form.service, owner=citizen, form_version=form)
    return services.submit(draft_uuid=draft.uuid, tenant=form.tenant, actor=citizen, trust_level="low")


@PROPERTY
@given(text=ANY_TEXT)
def test_any_message_text_is_sent_or_refused_with_a_message(mia: Client, application: Application, text: str) -> None:
    number = application.number
    page = _form_post(mia, f"/antraege/{number}/", [("body", text)])
    assert page.status_code in (302, 422)
    api = mia.post(
        f"/api/v1/applications/applications/{number}/messages",
        json.dumps({"body": text}, ensure_ascii=True),
        content_type="application/json",
    )
    assert api.status_code in (201, 422), api.content
    assert mia.get(f"/antraege/{number}/").status_code == 200
    assert mia.get(f"/api/v1/applications/applications/{number}/messages").status_code == 200


def test_nul_and_a_lone_surrogate_are_refused_at_the_field_and_nothing_is_stored(mia: Client, draft: str) -> None:
    for text in ("Bello\x00", "\ud800 x"):
        body = json.dumps({"answers": {"g": {"text": text}}})
        response = mia.put(f"/api/v1/applications/drafts/{draft}/steps/s", body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "field": "s.g.text",
                "messages": [
                    "Die Eingabe enthält unsichtbare Steuerzeichen, die wir nicht speichern können. "
                    "Bitte tippen Sie den Text neu ein."
                ],
            }
        ]
    assert Draft.objects.unscoped().get(uuid=draft).answers.get("s", {}).get("g", {}).get("text") is None


def test_a_message_with_nul_is_refused_and_other_control_characters_are_removed(
    mia: Client, application: Application
) -> None:
    number = application.number
    refused = _form_post(mia, f"/antraege/{number}/", [("body", "Hallo\x00")])
    assert refused.status_code == 422 and "Steuerzeichen" in refused.content.decode()
    sent = _form_post(mia, f"/antraege/{number}/", [("body", "Guten\x1b Tag\r\nZeile 2")])
    assert sent.status_code == 302
    bodies = [m["body"] for m in mia.get(f"/api/v1/applications/applications/{number}/messages").json()]
    assert bodies == ["Guten Tag\nZeile 2"]
