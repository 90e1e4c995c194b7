"""A real FIM schema (S00000000392, read in place from shared/fim) imported and published: the citizen meets its
first step without JavaScript, the legal representative's part appears only after answering „Ja“ — and
axe-core finds nothing on either page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications import services
from rathaus.applications.models import Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine.genericode import resolve
from rathaus.formengine.tests.test_fim_real import PLACEHOLDER, SCHEMA_PATHS, _shared_lists
from rathaus.formengine.xdatenfelder import read_xdatenfelder

from .test_applications_browser import Axe, answer_yes_no, next_step, sign_in_citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Vertritt ein gesetzlicher Vertreter den Antragsteller?"
REPRESENTATION = "Gesetzliche Vertretung / Bevollmächtigung"


def test_imported_fim_form_shows_the_representative_only_on_ja(
    new_page: Callable[..., Page], portal: dict[str, Any]
) -> None:
    lists = _shared_lists()
    result = read_xdatenfelder(
        SCHEMA_PATHS["S00000000392.xml"].read_bytes(),
        codelists=lambda uri, version: resolve(lists, uri, version) or PLACEHOLDER,
    )
    service = ServiceFactory(tenant=portal["tenant"], slug="aufenthalt", name="Aufenthaltserlaubnis", trust_level="low")
    form = services.publish_form(service=service, definition=result.definition)
    step = result.definition["steps"][0]["id"]
    draft = Draft.objects.create(
        tenant=portal["tenant"], owner=portal["citizen"], form_version=form, answers={}, step=step
    )
    url = f"/antraege/entwurf/{draft.uuid}/schritt/{step}/"
    page = new_page(java_script_enabled=False)
    sign_in_citizen(page, portal["citizen"])
    page.goto(url)
    expect(page.get_by_role("group", name=re.compile(re.escape(QUESTION)))).to_be_visible()
    expect(page.get_by_text(REPRESENTATION, exact=True)).to_have_count(0)
    answer_yes_no(page, QUESTION, "Ja")
    next_step(page)
    expect(page).to_have_url(re.compile(rf"/schritt/{step}/$"))
    expect(page.get_by_text(REPRESENTATION, exact=True)).to_be_visible()

    scripted = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in_citizen(scripted, portal["citizen"])
    axe = Axe(scripted)
    axe.check(url)
    answer_yes_no(scripted, QUESTION, "Ja")
    next_step(scripted)
    expect(scripted.get_by_text(REPRESENTATION, exact=True)).to_be_visible()
    axe.check()
    assert not axe.report, "\n".join(axe.report)
