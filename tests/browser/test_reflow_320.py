"""Reflow (WCAG 2.1 SC 1.4.10) on every page the browser tests visit, at 320 CSS pixels, in real Chromium.

320 CSS px is the width of a 1280 px window zoomed to 400 %, the width the success criterion names. A page
reflows when it never scrolls sideways: ``document.documentElement.scrollWidth`` stays at the viewport's
width, and no element reaches past the right edge or is cut at the left one. The one exception WCAG allows is
content that needs two dimensions for its meaning: a data table may scroll inside its own container (KERN's
``kern-table-responsive``), as long as that container itself fits the viewport and can be scrolled by
keyboard (axe's ``scrollable-region-focusable``, checked by the axe scan run on each page at the same width).

The pages are the ones of the axe tests in ``test_portal_browser``, ``test_applications_browser``,
``test_integrations_browser`` and ``test_staff_webauthn_browser``, in the same states (empty, with errors,
filled in, submitted, paid).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.applications.models import Draft
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory

from .conftest import axe_violations, describe_violations
from .test_applications_browser import (
    ANSWERS,
    PDF,
    add_dog,
    answer_yes_no,
    hund_portal,  # noqa: F401  (fixture)
    next_step,
    sign_in,
    sign_in_citizen,
    sign_in_staff,
    staff_member,
)
from .test_portal_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 320
PHONE = {"viewport": {"width": WIDTH, "height": 640}, "bypass_csp": True}  # axe is injected as inline script

# Everything that reaches past the viewport and is not inside a scroll container that itself fits. Elements
# entirely left of the viewport (the skip link before it is focused) do not make a page scroll and are fine.
OVERFLOW_JS = """() => {
    const vw = document.documentElement.clientWidth;
    const scrolls = el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
    const fits = el => { const r = el.getBoundingClientRect(); return r.left >= -0.5 && r.right <= vw + 0.5; };
    const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
    // Inside a scroll container that fits, unless positioned against a box outside it (then it is not clipped
    // by the container and widens the page, like a visually hidden span in the last column of a table).
    const insideScroller = el => {
        const absolute = ["absolute", "fixed"].includes(getComputedStyle(el).position);
        let positioned = !absolute;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            positioned = positioned || getComputedStyle(up).position !== "static";
            if (scrolls(up)) return positioned && fits(up);
        }
        return false;
    };
    const offenders = [];
    for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= 0) continue;
        if (r.right <= vw + 0.5 && r.left >= -0.5) continue;
        if (insideScroller(el)) continue;
        const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
        offenders.push(`${name(el)} [${Math.round(r.left)}..${Math.round(r.right)}] "${text}"`);
    }
    // Text can run out of a box that itself fits (a long word in a narrow cell): measure the text too.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        if (r.width === 0 || r.right <= 0 || (r.right <= vw + 0.5 && r.left >= -0.5)) continue;
        if (insideScroller(node.parentElement)) continue;
        const text = node.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
        offenders.push(`text in ${name(node.parentElement)} [${Math.round(r.left)}..${Math.round(r.right)}] "${text}"`);
    }
    return {width: document.documentElement.scrollWidth, offenders: offenders.slice(0, 8)};
}"""


class Reflow:
    """Checks pages at 320 px for sideways scrolling (and runs axe there), collecting every failure at once."""

    def __init__(self, page: Page) -> None:
        self.page = page
        page.set_default_navigation_timeout(30_000)  # every page also gets an axe scan: a busy machine is slow
        self.report: list[str] = []
        self.checked: list[str] = []

    def check(self, path: str | None = None, status: int | None = 200) -> None:
        """Check ``path`` (or the page as it is); ``status=None`` takes any answer below 500."""
        if path is not None:
            response = self.page.goto(path)
            assert response is not None, path
            assert response.status == status if status else response.status < 500, (path, response.status)
        self.page.wait_for_load_state()
        self.checked.append(self.page.url)
        result = self.page.evaluate(OVERFLOW_JS)
        if result["width"] > WIDTH or result["offenders"]:
            lines = "\n".join(f"    {o}" for o in result["offenders"])
            self.report.append(f"{self.page.url} is {result['width']} px wide at {WIDTH} px:\n{lines}")
        violations = axe_violations(self.page)
        if violations:
            self.report.append(describe_violations(self.page.url, violations))


def test_citizen_pages_reflow_at_320_px(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(**PHONE)
    reflow = Reflow(page)
    for path in (
        "/", "/suche/?q=Perso", "/suche/?q=Raumschiff", "/leistungen/personalausweis/",
        "/leistungen/wohnsitz-anmelden/", "/lebenslagen/umzug/", "/konto/anmelden/", "/konto/registrieren/",
        "/impressum/", "/datenschutz/", "/barrierefreiheit/",
    ):  # fmt: skip
        reflow.check(path)
    reflow.check("/konto/vertrauensniveau/?level=high&next=/", status=403)  # asks for a login at »hoch«

    page.goto("/konto/registrieren/")  # a form showing its errors
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator(".kern-error").first).to_be_visible()
    reflow.check()

    page.goto("/konto/anmelden/")
    log_in(page, "erika@example.org")
    page.wait_for_url(re.compile("/konto/$"))
    reflow.check()  # account page
    reflow.check("/konto/vertrauensniveau/?level=substantial&next=/leistungen/personalausweis/beantragen/", 403)
    reflow.check("/leistungen/wohnsitz-anmelden/beantragen/")
    # The account's own pages (some may first ask for the login the citizen's applications were made with).
    for path in ("/konto/passwort/", "/konto/e-mail/", "/konto/sitzungen/", "/konto/meine-daten/", "/konto/loeschen/"):
        reflow.check(path, status=None)
    anonymous = Reflow(new_page(**PHONE))
    anonymous.check("/konto/passwort-vergessen/")

    assert not reflow.report + anonymous.report, "\n".join(reflow.report + anonymous.report)


def test_application_pages_reflow_at_320_px(
    new_page: Callable[..., Page],
    hund_portal: dict[str, Any],  # noqa: F811  (the fixture imported above)
) -> None:
    tenant, citizen, form = hund_portal["tenant"], hund_portal["citizen"], hund_portal["form"]
    page = new_page(**PHONE)
    sign_in_citizen(page, citizen)
    reflow = Reflow(page)

    empty = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers={}, step="halter")
    for step_id in ("halter", "hunde", "ermaessigung"):
        reflow.check(f"/antraege/entwurf/{empty.uuid}/schritt/{step_id}/")
        next_step(page)
        expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben.")).to_be_visible()
        reflow.check()  # the step with its errors
    page.goto(f"/antraege/entwurf/{empty.uuid}/schritt/hunde/")
    add_dog(page)
    reflow.check()
    reflow.check(f"/antraege/entwurf/{empty.uuid}/zusammenfassung/")
    reflow.check("/antraege/")  # Meine Anträge with a draft

    full = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS, step="ermaessigung")
    for step_id in ("halter", "hunde", "ermaessigung"):
        reflow.check(f"/antraege/entwurf/{full.uuid}/schritt/{step_id}/")
    answer_yes_no(page, "Ermäßigung", "Ja")
    page.get_by_label("Nachweis (Bescheid über die Leistung)").set_input_files(PDF)
    next_step(page)
    expect(page).to_have_url(re.compile("/zusammenfassung/$"))
    reflow.check(f"/antraege/entwurf/{full.uuid}/schritt/ermaessigung/")  # with the uploaded file
    reflow.check(f"/antraege/entwurf/{full.uuid}/zusammenfassung/")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    expect(page).to_have_url(re.compile(r"/antraege/A-\d{4}-\d{6}/"))
    number = re.search(r"A-\d{4}-\d{6}", page.url).group(0)  # type: ignore[union-attr]
    reflow.check()  # the confirmation after submitting
    reflow.check(f"/antraege/{number}/")  # application detail: fee open, attachment

    page.get_by_label("Neue Nachricht").fill("")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Bitte schreiben Sie eine Nachricht.")).to_be_visible()
    reflow.check()  # the message form with its error
    page.get_by_label("Neue Nachricht").fill("Reicht der Bescheid vom letzten Jahr? " + "Hundesteuerermäßigung" * 3)
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist verschickt.")).to_be_visible()
    reflow.check()  # the thread with a message holding one very long word

    page.get_by_role("button", name="60,00 € bezahlen").click()
    expect(page).to_have_url(re.compile("/zahlung/demo/"))
    reflow.check()  # the demo provider's page
    payment_uuid = page.url.split("/zahlung/demo/")[1].split("/")[0]
    page.get_by_role("button", name="Testweise bezahlen").click()
    expect(page.get_by_text("Vielen Dank")).to_be_visible()
    reflow.check()
    reflow.check(f"/zahlung/{payment_uuid}/")
    reflow.check("/antraege/")  # Meine Anträge with a submitted application

    staff = new_page(**PHONE)
    sign_in_staff(
        staff,
        staff_member(
            hund_portal,
            (StaffRole.Role.CASEWORKER, hund_portal["unit"]),
            (StaffRole.Role.TREASURY, hund_portal["unit"]),
            (StaffRole.Role.DIGITALISATION, hund_portal["unit"]),
        ),
    )
    office = Reflow(staff)
    office.check("/intern/antraege/")
    office.check(f"/intern/antraege/{number}/")
    office.check("/intern/kasse/")
    office.check(f"/intern/kasse/{payment_uuid}/")
    office.check("/intern/formulare/")
    office.check("/intern/leistungen/")
    office.check("/intern/")

    report = reflow.report + office.report
    assert not report, "\n".join(report)


def test_staff_pages_reflow_at_320_px(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    from .test_integrations_browser import PAGES, _admin

    page = new_page(**PHONE)
    reflow = Reflow(page)
    reflow.check("/intern/anmelden/")
    admin = _admin(portal)
    # The second factor: a code from the app, and the first login's enrolment with its QR code.
    sign_in(page, admin)
    reflow.check("/intern/zweiter-faktor/")
    newcomer = StaffFactory(tenant=portal["tenant"], roles=[StaffRole.Role.CASEWORKER])
    TOTPDevice.objects.filter(user=newcomer).delete()
    enrolling = Reflow(new_page(**PHONE))
    sign_in(enrolling.page, newcomer)
    enrolling.check("/intern/zweiter-faktor/")
    expect(enrolling.page.locator("img.otp-qr")).to_be_visible()
    sign_in_staff(page, admin)
    for path in (*PAGES, "/intern/", "/intern/sicherheitsschluessel/", "/intern/antraege/", "/intern/kasse/"):
        reflow.check(path)
    page.goto(PAGES[1])
    page.get_by_label("Umgebungsvariable mit dem Passwort").fill("geheim123")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".kern-error").first).to_be_visible()
    reflow.check()  # an integration with its errors
    assert not reflow.report + enrolling.report, "\n".join(reflow.report + enrolling.report)


# --- the header on a phone ---------------------------------------------------------------------------------

# Where the page's own content starts: the top of <main>'s content box (the breadcrumb or the first heading).
CONTENT_TOP_JS = """() => {
    const main = document.querySelector("main");
    return Math.round(main.getBoundingClientRect().top + parseFloat(getComputedStyle(main).paddingTop));
}"""
MAX_HEADER = 130  # CSS px above the content at 320 px wide (the issue measured ~280)


def test_a_phone_sees_content_right_under_a_one_line_header_and_the_menu_works_without_javascript(
    new_page: Callable[..., Page], portal: dict[str, Any]
) -> None:
    page = new_page(viewport={"width": WIDTH, "height": 640}, java_script_enabled=False)
    sign_in_citizen(page, portal["citizen"])
    for path in ("/", "/leistungen/personalausweis/", "/antraege/", "/konto/"):
        page.goto(path)
        top = page.evaluate(CONTENT_TOP_JS)
        assert top <= MAX_HEADER, f"{path}: the content starts {top} px down at {WIDTH} px"

    # The navigation is behind »Menü« (a <details>): closed, its links are not shown; opened, they are.
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav).to_have_count(0)  # the bar is not displayed on a phone, and the menu is closed
    page.locator("summary", has_text="Menü").click()
    expect(nav).to_have_count(1)
    expect(nav.get_by_role("link", name="Meine Anträge")).to_be_visible()
    nav.get_by_role("link", name="Meine Anträge").click()
    expect(page).to_have_url(re.compile("/antraege/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Anträge")

    wide = new_page(viewport={"width": 1280, "height": 800})
    wide.goto("/")
    expect(wide.locator("summary", has_text="Menü")).to_be_hidden()
    bar = wide.get_by_role("navigation", name="Hauptnavigation")
    expect(bar.get_by_role("link", name="Leistungen")).to_be_visible()


def test_staff_on_a_phone_get_their_own_header_and_menu(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    from .test_integrations_browser import _admin

    page = new_page(viewport={"width": WIDTH, "height": 640}, java_script_enabled=False)
    sign_in_staff(page, _admin(portal))
    page.goto("/intern/kasse/")
    top = page.evaluate(CONTENT_TOP_JS)
    assert top <= MAX_HEADER, f"the staff page's content starts {top} px down at {WIDTH} px"
    expect(page.get_by_text("Interner Bereich – Stadt Musterstadt")).to_be_visible()
    page.locator("summary", has_text="Menü").click()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Stadtkasse")).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Anbindungen").click()
    expect(page).to_have_url(re.compile("/intern/anbindungen/$"))
    page.locator("summary", has_text="Menü").click()
    nav.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile("/intern/anmelden/$"))
