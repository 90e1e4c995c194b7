"""The form as a first-time citizen meets it, in headless Chromium with and without JavaScript: follow-up
questions, focus after a failed step, saving with a refused file, deleting, the confirmation — and axe-core
on each of these pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from rathaus.applications.models import Draft

from . import test_applications_browser as applications_browser
from .test_applications_browser import ANSWERS, Axe, answer_yes_no, next_step, sign_in_citizen, submitted_application

hund_portal = applications_browser.hund_portal  # the fixture: »Hund anmelden« with the demo form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_A_PDF: FilePayload = {"name": "brief.txt", "mimeType": "application/pdf", "buffer": b"Nur Text, kein PDF."}


def _draft(hund_portal: dict[str, Any], **fields: Any) -> Draft:
    return Draft.objects.create(
        tenant=hund_portal["tenant"], owner=hund_portal["citizen"], form_version=hund_portal["form"], **fields
    )


def test_without_javascript_weiter_reveals_the_follow_up_questions_on_the_same_step(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_citizen(page, hund_portal["citizen"])
    draft = _draft(hund_portal, answers={}, step="halter")
    page.goto(f"/antraege/entwurf/{draft.uuid}/schritt/halter/")
    expect(page.get_by_label("IBAN")).to_have_count(0)
    expect(page.get_by_text("Nur ausfüllen")).to_have_count(0)
    page.get_by_label("Vorname(n)").fill("Erika")
    page.get_by_label("Familienname").fill("Muster")
    page.get_by_label("Geburtsdatum").fill("1980-04-01")
    page.get_by_label("Straße").fill("Hauptstraße")
    page.get_by_label("Hausnummer").fill("1")
    page.get_by_label("Postleitzahl").fill("12345")
    page.get_by_label("Ort", exact=True).fill("Musterstadt")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    answer_yes_no(page, "Lastschrift", "Ja")
    next_step(page)

    expect(page).to_have_url(re.compile(r"/schritt/halter/$"))
    expect(page.get_by_text("Zu Ihrer Antwort gibt es weitere Fragen.")).to_be_visible()
    expect(page.get_by_label("IBAN")).to_be_visible()
    expect(page.get_by_label("IBAN")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Familienname")).to_have_value("Muster")
    assert page.evaluate("document.activeElement.id") == "weitere-fragen"  # autofocus, no script needed

    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_label("Kontoinhaberin oder Kontoinhaber").fill("Erika Muster")
    next_step(page)
    expect(page).to_have_url(re.compile(r"/schritt/hunde/$"))
    draft.refresh_from_db()
    assert draft.answers["halter"]["zahlung"]["iban"] == "DE89370400440532013000"


def test_with_javascript_follow_up_questions_appear_and_go_at_once(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    page = new_page(bypass_csp=True)
    sign_in_citizen(page, hund_portal["citizen"])
    axe = Axe(page)
    draft = _draft(hund_portal, answers={}, step="halter")
    axe.check(f"/antraege/entwurf/{draft.uuid}/schritt/halter/")
    page.evaluate("window.__samePage = true")
    page.get_by_label("Familienname").fill("Muster")
    answer_yes_no(page, "Lastschrift", "Ja")

    expect(page.get_by_label("IBAN")).to_be_visible()
    assert page.evaluate("window.__samePage === true")  # no page load: the fields were swapped in
    expect(page.get_by_label("Familienname")).to_have_value("Muster")
    assert page.evaluate("document.activeElement.value") == "ja"  # focus stays on the answer
    expect(page.locator("#followup-status")).to_have_text("Zu Ihrer Antwort sind weitere Fragen dazugekommen.")
    axe.check()

    answer_yes_no(page, "Lastschrift", "Nein")
    expect(page.get_by_label("IBAN")).to_have_count(0)
    assert page.evaluate("window.__samePage === true")
    draft.refresh_from_db()
    assert draft.answers == {}  # trying answers out stores nothing

    # A failed step: the error summary has the focus (autofocus works without script as well).
    next_step(page)
    expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben.")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "fehler"
    expect(page.get_by_role("link", name="Bitte geben Sie Ihr Geburtsdatum an, z. B. 31.01.1980.")).to_be_visible()
    axe.check()
    assert not axe.report, "\n".join(axe.report)


def test_saving_with_a_refused_file_deleting_and_the_confirmation_page_are_clear_and_pass_axe(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    page = new_page(bypass_csp=True)
    sign_in_citizen(page, hund_portal["citizen"])
    axe = Axe(page)

    draft = _draft(hund_portal, answers={k: v for k, v in ANSWERS.items() if k != "ermaessigung"}, step="ermaessigung")
    page.goto(f"/antraege/entwurf/{draft.uuid}/schritt/ermaessigung/")
    answer_yes_no(page, "Ermäßigung", "Ja")
    page.get_by_label("Nachweis (Bescheid über die Leistung)").set_input_files(NOT_A_PDF)
    page.get_by_role("button", name="Entwurf speichern und später weitermachen").click()
    expect(page.get_by_text("Ihr Entwurf ist gespeichert – ohne diese Datei:")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Die Datei »brief.txt« wurde nicht übernommen:"))).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "nicht-uebernommen"
    axe.check()

    # Tab order: after "Speichern" comes nothing of the draft (deleting sits above the form and asks first).
    page.get_by_role("button", name="Entwurf speichern und später weitermachen").focus()
    page.keyboard.press("Tab")
    assert "löschen" not in (page.evaluate("document.activeElement.textContent") or "")
    page.get_by_role("link", name="Entwurf löschen …").click()
    expect(page.get_by_role("heading", name="Entwurf wirklich löschen?")).to_be_visible()
    axe.check()
    page.get_by_role("link", name="Nein, zurück zum Antrag").click()
    expect(page).to_have_url(re.compile(r"/schritt/ermaessigung/$"))
    assert Draft.objects.unscoped().filter(pk=draft.pk).exists()

    application = submitted_application(hund_portal)
    axe.check(f"/antraege/{application.number}/eingereicht/")
    expect(page.get_by_role("heading", name="Ihr Antrag ist eingegangen")).to_be_visible()
    expect(page.locator("#antragsnummer")).to_have_text(application.number)
    expect(page.get_by_role("link", name="Eingangsbestätigung herunterladen (PDF)")).to_be_visible()
    assert not axe.report, "\n".join(axe.report)

    # Reflow (WCAG 1.4.10): the new pages need no sideways scrolling at 320 CSS px.
    page.set_viewport_size({"width": 320, "height": 640})
    for path in (
        f"/antraege/{application.number}/eingereicht/",
        f"/antraege/entwurf/{draft.uuid}/verwerfen/",
        f"/antraege/entwurf/{draft.uuid}/schritt/ermaessigung/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
