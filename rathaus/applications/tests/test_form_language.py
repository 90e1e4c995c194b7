"""A form on an English page: step titles in English where the form's overlay has them, German ones marked
``lang="de"`` (WCAG 3.1.2), on the steps and on the summary; German pages unchanged."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Draft
from rathaus.formengine.tests.demo_answers import DEMO_ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")

DEMO = json.loads((Path(services.__file__).parents[1] / "formengine/data/forms/hund-anmelden.json").read_text())
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}
DE = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}


@pytest.fixture
def draft(hund_service: Any, citizen: Any) -> Draft:
    definition = copy.deepcopy(DEMO)
    del definition["i18n"]["en"]["steps"]["ermaessigung"]  # one step left untranslated
    form = services.publish_form(service=hund_service, definition=definition)
    filled = DEMO_ANSWERS["hund-anmelden"]
    return Draft.objects.create(
        tenant=hund_service.tenant, owner=citizen, form_version=form, answers=filled["answers"], files=filled["files"]
    )


def _html(client: Client, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def test_an_english_step_page_shows_translated_titles_and_marks_german_ones(mia: Client, draft: Draft) -> None:
    html = _html(mia, f"/antraege/entwurf/{draft.uuid}/schritt/halter/", EN)

    assert re.search(r'<h1 class="kern-heading-large">Dog owner</h1>', html), html[:3000]
    assert "Your dogs" in html
    assert re.search(r'lang="de">Ermäßigung<', html)
    assert "Halterin oder Halter" not in html


def test_the_untranslated_current_step_is_headed_in_german_marked_as_such(mia: Client, draft: Draft) -> None:
    html = _html(mia, f"/antraege/entwurf/{draft.uuid}/schritt/ermaessigung/", EN)

    assert re.search(r'<h1 class="kern-heading-large" lang="de">Ermäßigung</h1>', html)
    assert re.search(r'aria-current="step" lang="de">Ermäßigung<', html)


def test_the_english_summary_heads_its_sections_in_english(mia: Client, draft: Draft) -> None:
    html = _html(mia, f"/antraege/entwurf/{draft.uuid}/zusammenfassung/", EN)

    assert re.search(r'<h2 class="kern-heading-medium">Dog owner</h2>', html), html[:3000]
    assert re.search(r'<h2 class="kern-heading-medium" lang="de">Ermäßigung</h2>', html)
    assert "Halterin oder Halter" not in html


def test_a_german_page_is_german_without_language_marks(mia: Client, draft: Draft) -> None:
    html = _html(mia, f"/antraege/entwurf/{draft.uuid}/schritt/halter/", DE)

    assert '<h1 class="kern-heading-large">Halterin oder Halter</h1>' in html
    assert "Dog owner" not in html
    assert 'lang="de">Ermäßigung' not in html
