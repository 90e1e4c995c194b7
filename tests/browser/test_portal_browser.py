"""Citizen journeys through the portal in real headless Chromium, with and without JavaScript, and axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.identity.tests.factories import PASSWORD

from .conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def collect_page_errors(page: Page) -> list[str]:
    """Script errors, CSP refusals and failed sub-resources (stylesheets, fonts, scripts, images) from now on.

    Pages answering 403/404 on purpose are not errors; only what a page *loads* must succeed.
    """
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.request.resource_type != "document" else None
        ),
    )
    page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
    return errors


def search_for(page: Page, words: str) -> None:
    page.get_by_label("Was möchten Sie erledigen?").fill(words)
    page.get_by_role("button", name="Suchen").click()


def log_in(page: Page, email: str) -> None:
    form = page.locator("main form[method=post]")
    form.get_by_label("E-Mail-Adresse").fill(email)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()


def test_citizen_finds_a_service_and_learns_which_login_it_needs(page: Page, portal: dict[str, Any]) -> None:
    errors = collect_page_errors(page)
    page.goto("/")
    expect(page).to_have_title(re.compile("Stadt Musterstadt"))
    # KERN's stylesheet and fonts are served and applied.
    css = page.request.get("/static/vendor/kern/kern.min.css")
    assert css.ok, f"KERN stylesheet not served ({css.status}): is rathaus/static in STATICFILES_DIRS?"
    button_bg = page.get_by_role("button", name="Suchen").evaluate("b => getComputedStyle(b).backgroundColor")
    assert button_bg not in ("rgba(0, 0, 0, 0)", "transparent", "rgb(239, 239, 239)")
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px \"Fira Sans\"'))")

    search_for(page, "Perso")
    expect(page).to_have_url(re.compile(r"/suche/\?q=Perso$"))
    expect(page.locator("#ergebnisse")).to_contain_text("Ergebnis")
    result = page.get_by_role("link", name="Personalausweis beantragen")
    expect(result).to_be_visible()
    result.click()

    expect(page).to_have_url(re.compile("/leistungen/personalausweis/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Personalausweis beantragen")
    fees = page.locator("section[aria-labelledby=gebuehren] table")
    expect(fees).to_contain_text("ab 24 Jahre")
    expect(fees).to_contain_text(re.compile(r"37[,.]00 €"))
    expect(page.get_by_text("melden Sie sich mit ELSTER-Zertifikat oder Online-Ausweis an.")).to_be_visible()
    apply = page.get_by_role("link", name="Online beantragen")
    expect(apply).to_have_attribute("href", "/leistungen/personalausweis/beantragen/")

    # Anonymous: the apply link explains the needed login instead of showing the form.
    apply.click()
    expect(page).to_have_url(re.compile(r"/konto/vertrauensniveau/\?level=substantial"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Für diesen Antrag brauchen Sie eine sicherere Anmeldung")
    expect(page.get_by_text("Sie sind noch nicht angemeldet.")).to_be_visible()

    # Logged in with a local account (trust level »niedrig«): still not enough, and the page says so.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anmelden").click()
    expect(page).to_have_url(re.compile("/konto/anmelden/"))
    log_in(page, "erika@example.org")
    expect(page).to_have_url(re.compile("/konto/$"))
    expect(page.locator("#vertrauensniveau")).to_have_text("niedrig")

    page.goto("/leistungen/personalausweis/")
    page.get_by_role("link", name="Online beantragen").click()
    expect(page).to_have_url(re.compile(r"/konto/vertrauensniveau/\?level=substantial"))
    expect(page.get_by_text("Melden Sie sich dafür mit ELSTER-Zertifikat oder Online-Ausweis an.")).to_be_visible()
    expect(page.get_by_text("Jetzt sind Sie mit Benutzername und Passwort angemeldet.", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile("Mit Ihrem ELSTER-Zertifikat .* melden Sie sich"))).to_be_visible()
    assert errors == []


def test_registration_shows_german_errors_next_to_the_fields(page: Page, portal: dict[str, Any]) -> None:
    page.goto("/konto/registrieren/")
    page.get_by_label("Nachname").fill("Muster")
    page.get_by_label("E-Mail-Adresse").fill("keine-adresse")
    page.get_by_label("Passwort", exact=True).fill("geheim-123")
    page.get_by_label("Passwort wiederholen").fill("anders-456")
    page.get_by_role("button", name="Konto anlegen").click()

    expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben.")).to_be_visible()
    first_name = page.get_by_label("Vorname")
    expect(first_name).to_have_attribute("aria-invalid", "true")
    first_name_error = page.locator(f"#{first_name.get_attribute('id')}-error")
    expect(first_name_error).to_contain_text("Dieses Feld ist zwingend erforderlich.")
    email = page.get_by_label("E-Mail-Adresse")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("keine-adresse")  # kept, so it can be corrected
    expect(page.locator(f"#{email.get_attribute('id')}-error")).to_contain_text("gültige E-Mail-Adresse")
    expect(page.get_by_text("Die beiden Passwörter stimmen nicht überein.")).to_be_visible()
    expect(page.get_by_text("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben.")).to_be_visible()


def test_search_and_login_work_without_javascript(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/")
    search_for(page, "Ummeldung")
    expect(page.get_by_role("link", name="Wohnsitz anmelden")).to_be_visible()

    page.goto("/konto/anmelden/?next=/leistungen/wohnsitz-anmelden/beantragen/")
    log_in(page, "erika@example.org")
    expect(page).to_have_url(re.compile("/leistungen/wohnsitz-anmelden/beantragen/$"))
    expect(page.get_by_text("Ihre Anmeldung reicht für diesen Antrag aus.")).to_be_visible()

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie haben sich abgemeldet.")).to_be_visible()


def test_phone_layout_has_no_horizontal_scrolling(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, device_scale_factor=2)
    for path in ("/", "/suche/?q=Perso", "/leistungen/personalausweis/", "/konto/anmelden/", "/konto/registrieren/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways: {width}px wide on a 375px screen"

    page.goto("/")
    field = page.get_by_label("Was möchten Sie erledigen?")
    button = page.get_by_role("button", name="Suchen")
    for element in (field, button):
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    field.tap()
    field.fill("Perso")
    button.tap()
    expect(page.get_by_role("link", name="Personalausweis beantragen")).to_be_visible()


def test_every_citizen_page_passes_axe_wcag_21_aa(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    report: list[str] = []

    def check(path: str | None = None) -> None:
        if path is not None:
            response = page.goto(path)
            assert response is not None and response.status < 500, path
        violations = axe_violations(page)
        if violations:
            report.append(describe_violations(page.url, violations))

    for path in (
        "/", "/suche/?q=Perso", "/suche/?q=Raumschiff", "/leistungen/personalausweis/",
        "/leistungen/wohnsitz-anmelden/", "/lebenslagen/umzug/", "/konto/anmelden/", "/konto/registrieren/",
        "/konto/vertrauensniveau/?level=high&next=/", "/impressum/", "/datenschutz/", "/barrierefreiheit/",
        "/intern/anmelden/",
    ):  # fmt: skip
        check(path)

    page.goto("/konto/registrieren/")  # a form showing its errors
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_load_state()
    check()

    page.goto("/konto/anmelden/")
    log_in(page, "erika@example.org")
    page.wait_for_url(re.compile("/konto/$"))
    check()  # account page
    check("/konto/vertrauensniveau/?level=substantial&next=/leistungen/personalausweis/beantragen/")
    check("/leistungen/wohnsitz-anmelden/beantragen/")

    assert not report, "\n".join(report)
