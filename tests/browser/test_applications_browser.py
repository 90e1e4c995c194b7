"""Online applications in real headless Chromium: the form, drafts, payment, the office, and axe-core on every page.

The demo form »Hund anmelden« has everything the engine renders: prefilled fields, an address, a yes/no with a
field that depends on it, a repeat group and a file upload, and fees that depend on the answers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib import auth
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import FilePayload, Page, expect

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine import load_demo_form
from rathaus.identity import trust
from rathaus.identity.models import StaffRole, User
from rathaus.identity.tests.factories import PASSWORD, StaffFactory
from rathaus.tenants.tests.factories import OrgUnitFactory

from .conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BACKEND = "rathaus.identity.backends.TenantEmailBackend"
NUMBER = re.compile(r"^A-\d{4}-\d{6}$")

# A complete, valid set of answers (one dog, no reduction: 120 € a year) for applications made without the UI.
ANSWERS: dict[str, Any] = {
    "halter": {
        "person": {
            "vorname": "Erika",
            "familienname": "Muster",
            "geburtsdatum": "1980-04-01",
            "email": "erika@example.org",
            "anschrift": {"street": "Hauptstraße", "house_number": "1", "postal_code": "12345", "city": "Musterstadt"},
        },
        "zahlung": {"lastschrift": False},
    },
    "hunde": {
        "hund": [{"name": "Bello", "rasse": "Dackel", "geburtsdatum": "2020-01-01", "haltung_seit": "2020-03-01"}]
    },
    "ermaessigung": {"antrag": {"beantragt": False}},
}


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF: FilePayload = {"name": "bescheid.pdf", "mimeType": "application/pdf", "buffer": _pdf()}


# --- data and sessions -----------------------------------------------------------------------------------


@pytest.fixture
def hund_portal(portal: dict[str, Any], clamav: Any) -> dict[str, Any]:
    """The service »Hund anmelden« of the Ordnungsamt with the demo form; uploads go to the real clamd."""
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    service = ServiceFactory(
        tenant=tenant, slug="hund-anmelden", name="Hund anmelden", org_unit=unit, trust_level="low",
        short_description="Einen Hund zur Hundesteuer anmelden.",
    )  # fmt: skip
    form = services.publish_form(service=service, definition=load_demo_form("hund-anmelden"))
    return {**portal, "unit": unit, "service": service, "form": form}


def submitted_application(hund_portal: dict[str, Any]) -> Application:
    """An application of the portal's citizen with ``ANSWERS``, submitted through the service (not the UI)."""
    tenant, citizen = hund_portal["tenant"], hund_portal["citizen"]
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_portal["form"], answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def staff_member(hund_portal: dict[str, Any], *roles: tuple[str, Any]) -> User:
    """A staff member (with a TOTP device) holding ``(role, org unit)`` pairs."""
    user = StaffFactory(tenant=hund_portal["tenant"], roles=[])
    for role, unit in roles:
        StaffRole.objects.create(tenant=hund_portal["tenant"], user=user, org_unit=unit, role=role)
    return user


def sign_in(page: Page, user: User, **session: Any) -> None:
    """Give the page's browser context the session cookie the login views would have set for ``user``."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[auth.SESSION_KEY] = str(user.pk)
    store[auth.BACKEND_SESSION_KEY] = BACKEND
    store[auth.HASH_SESSION_KEY] = user.get_session_auth_hash()
    for key, value in session.items():
        store[key] = value
    store.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key or "", "domain": "localhost", "path": "/"}]
    )


def sign_in_citizen(page: Page, user: User, level: str = "low") -> None:
    sign_in(page, user, **{trust.SESSION_KEY: level})


def sign_in_staff(page: Page, user: User) -> None:
    """Password and second factor done, as after the TOTP step (see rathaus.identity.tests.factories.login_staff)."""
    device = TOTPDevice.objects.get(user=user, name="rathaus")
    sign_in(page, user, **{DEVICE_ID_SESSION_KEY: device.persistent_id})


# --- the UI ----------------------------------------------------------------------------------------------


def log_in(page: Page, email: str = "erika@example.org") -> None:
    form = page.locator("main form[method=post]")
    form.get_by_label("E-Mail-Adresse").fill(email)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()


def main_nav(page: Page) -> Any:
    return page.get_by_role("navigation", name="Hauptnavigation")


def expect_step(page: Page, step_id: str, heading: str, number: int) -> None:
    expect(page).to_have_url(re.compile(rf"/schritt/{step_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text(f"Schritt {number} von 3")).to_be_visible()


def answer_yes_no(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=re.compile(re.escape(question))).get_by_label(answer, exact=True).check()


def fill_holder(page: Page, *, family_name: str = "Muster") -> None:
    """Step 1; first name and e-mail address come prefilled from the account."""
    expect(page.get_by_label("Vorname(n)")).to_have_value("Erika")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("erika@example.org")
    page.get_by_label("Familienname").fill(family_name)
    page.get_by_label("Geburtsdatum").fill("1980-04-01")
    page.get_by_label("Straße").fill("Hauptstraße")
    page.get_by_label("Hausnummer").fill("1")
    page.get_by_label("Postleitzahl").fill("12345")
    page.get_by_label("Ort", exact=True).fill("Musterstadt")
    answer_yes_no(page, "Lastschrift", "Nein")


def fill_dog(page: Page, index: int, name: str, breed: str) -> None:
    prefix = f"#f-hunde-hund-{index}"
    page.locator(f"{prefix}-name").fill(name)
    page.locator(f"{prefix}-rasse").fill(breed)
    page.locator(f"{prefix}-geburtsdatum").fill("2020-01-01")
    page.locator(f"{prefix}-haltung_seit").fill("2020-03-01")


def add_dog(page: Page) -> None:
    page.get_by_role("button", name="„Hund“ hinzufügen").click()
    expect(page.get_by_role("group", name="Hund 2", exact=True)).to_be_visible()


def next_step(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Weiter")).click()


def submit_summary(page: Page) -> str:
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    expect(page).to_have_url(re.compile(r"/antraege/A-\d{4}-\d{6}/eingereicht/$"))  # the confirmation
    number = page.locator("#antragsnummer").inner_text()
    assert NUMBER.match(number), number
    page.get_by_role("link", name="Zum Antrag: Stand, Nachrichten und Anlagen").click()
    expect(page).to_have_url(re.compile(r"/antraege/A-\d{4}-\d{6}/$"))
    expect(page.locator("#status")).to_have_text("Eingegangen")
    return number


# --- the citizen ------------------------------------------------------------------------------------------


def test_citizen_applies_online_from_the_service_page_to_the_message_thread(
    page: Page, hund_portal: dict[str, Any]
) -> None:
    page.goto("/konto/anmelden/")
    log_in(page)
    expect(page).to_have_url(re.compile("/konto/$"))
    page.goto("/leistungen/hund-anmelden/")
    page.get_by_role("link", name="Online beantragen").click()
    expect_step(page, "halter", "Halterin oder Halter", 1)

    # A required field left empty: a German message next to it, the other answers as typed.
    fill_holder(page, family_name="")
    next_step(page)
    expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben.")).to_be_visible()
    family_name = page.get_by_label("Familienname")
    expect(family_name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-halter-person-familienname-error")).to_have_text("Bitte geben Sie Ihren Familiennamen an.")
    expect(page.get_by_label("Vorname(n)")).to_have_value("Erika")
    expect(page.get_by_label("Geburtsdatum")).to_have_value("1980-04-01")
    expect(page.get_by_label("Straße")).to_have_value("Hauptstraße")
    expect(page.get_by_label("Nein", exact=True)).to_be_checked()
    family_name.fill("Muster")
    next_step(page)

    expect_step(page, "hunde", "Ihre Hunde", 2)
    fill_dog(page, 0, "Bello", "Dackel")
    add_dog(page)
    expect(page.locator("#f-hunde-hund-0-name")).to_have_value("Bello")
    fill_dog(page, 1, "Hasso", "Schäferhund")
    next_step(page)

    expect_step(page, "ermaessigung", "Ermäßigung", 3)
    answer_yes_no(page, "Ermäßigung", "Ja")
    page.get_by_label("Nachweis (Bescheid über die Leistung)").set_input_files(PDF)
    page.get_by_role("button", name="Weiter zur Zusammenfassung").click()

    expect(page).to_have_url(re.compile(r"/zusammenfassung/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Angaben prüfen und absenden")
    main = page.locator("main")
    for answer in ("Erika", "Muster", "Hauptstraße", "Bello", "Hasso", "Schäferhund", "bescheid.pdf"):
        expect(main).to_contain_text(answer)
    fees = page.locator("main table")
    expect(fees).to_contain_text("Hundesteuer je Jahr, ermäßigt: erster Hund")
    expect(fees).to_contain_text("Hundesteuer je Jahr, ermäßigt: jeder weitere Hund")
    expect(page.locator("#summe")).to_have_text("150,00 €")
    number = submit_summary(page)
    expect(page.locator("#zahlung")).to_contain_text("150,00 €")
    expect(page.get_by_role("link", name="bescheid.pdf")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Eingangsbestätigung herunterladen (PDF)").click()
    assert download.value.suggested_filename == f"Eingangsbestaetigung-{number}.pdf"
    with open(download.value.path(), "rb") as receipt:
        assert receipt.read(5) == b"%PDF-"

    page.get_by_label("Neue Nachricht").fill("Bello ist inzwischen kastriert. Ändert das etwas?")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist verschickt.")).to_be_visible()
    thread = page.get_by_role("list", name="Nachrichten")
    expect(thread).to_contain_text("Bello ist inzwischen kastriert. Ändert das etwas?")
    expect(thread).to_contain_text("Antragstellende Person")

    main_nav(page).get_by_role("link", name="Meine Anträge").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text("Hund anmelden")
    expect(row).to_contain_text("Eingegangen")
    expect(page.get_by_role("heading", name="Angefangene Anträge")).to_have_count(0)  # the draft is gone

    application = Application.objects.unscoped().get(number=number)
    assert [dog["name"] for dog in application.answers["hunde"]["hund"]] == ["Bello", "Hasso"]
    assert application.attachments.get().name == "bescheid.pdf"


def test_the_form_works_without_javascript(new_page: Callable[..., Page], hund_portal: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/konto/anmelden/?next=/leistungen/hund-anmelden/beantragen/")
    log_in(page)
    expect_step(page, "halter", "Halterin oder Halter", 1)
    fill_holder(page)
    next_step(page)

    expect_step(page, "hunde", "Ihre Hunde", 2)
    fill_dog(page, 0, "Bello", "Dackel")
    add_dog(page)  # a submit button: the server adds the item and shows the step again
    expect(page.locator("#f-hunde-hund-0-rasse")).to_have_value("Dackel")
    fill_dog(page, 1, "Hasso", "Schäferhund")
    next_step(page)

    expect_step(page, "ermaessigung", "Ermäßigung", 3)
    answer_yes_no(page, "Ermäßigung", "Nein")
    next_step(page)
    expect(page.locator("#summe")).to_have_text("300,00 €")  # 120 € for the first dog, 180 € for the second
    number = submit_summary(page)

    application = Application.objects.unscoped().get(number=number)
    assert [dog["rasse"] for dog in application.answers["hunde"]["hund"]] == ["Dackel", "Schäferhund"]


def test_draft_is_saved_and_resumed_on_another_device(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    laptop = new_page()
    laptop.goto("/konto/anmelden/?next=/antraege/neu/hund-anmelden/")
    log_in(laptop)
    fill_holder(laptop)
    next_step(laptop)
    expect_step(laptop, "hunde", "Ihre Hunde", 2)
    fill_dog(laptop, 0, "Bello", "Dackel")
    laptop.get_by_role("button", name="Entwurf speichern und später weitermachen").click()
    expect(laptop).to_have_url(re.compile("/antraege/$"))
    expect(laptop.get_by_text("Ihr Entwurf ist gespeichert.")).to_be_visible()
    main_nav(laptop).get_by_role("button", name="Abmelden").click()
    expect(laptop.get_by_text("Sie haben sich abgemeldet.")).to_be_visible()

    phone = new_page()  # own cookies: nothing of the first session
    phone.goto("/konto/anmelden/")
    log_in(phone)
    main_nav(phone).get_by_role("link", name="Meine Anträge").click()
    drafts = phone.get_by_role("list", name="Angefangene Anträge")
    expect(drafts).to_contain_text("wird am")
    drafts.get_by_role("link", name="Hund anmelden").click()
    expect_step(phone, "hunde", "Ihre Hunde", 2)
    expect(phone.locator("#f-hunde-hund-0-name")).to_have_value("Bello")
    expect(phone.locator("#f-hunde-hund-0-rasse")).to_have_value("Dackel")
    phone.get_by_role("button", name="Zurück").click()
    expect(phone.get_by_label("Familienname")).to_have_value("Muster")


def test_fee_is_paid_with_the_demo_provider(page: Page, hund_portal: dict[str, Any]) -> None:
    application = submitted_application(hund_portal)
    sign_in_citizen(page, hund_portal["citizen"])
    page.goto(f"/antraege/{application.number}/")
    expect(page.locator("#zahlung")).to_have_text("120,00 € – Offen")
    page.get_by_role("button", name="120,00 € bezahlen").click()

    expect(page).to_have_url(re.compile(r"/zahlung/demo/[0-9a-f-]{36}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("TESTZAHLUNG – es fließt kein Geld")
    expect(page.get_by_text("Dies ist keine echte Bezahlseite.")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("120,00 €")
    page.get_by_role("button", name="Testweise bezahlen").click()

    expect(page).to_have_url(re.compile(rf"/antraege/{application.number}/$"))
    expect(page.get_by_text("Vielen Dank – Ihre Zahlung über 120,00 € ist eingegangen.")).to_be_visible()
    expect(page.locator("#zahlung")).to_have_text("120,00 € – Bezahlt")
    expect(page.get_by_role("button", name=re.compile("bezahlen"))).to_have_count(0)
    application.refresh_from_db()
    assert application.payment_state == "paid"


# --- the office -------------------------------------------------------------------------------------------


def test_caseworker_answers_and_changes_the_status_and_the_citizen_sees_it(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    application = submitted_application(hund_portal)
    caseworker = staff_member(hund_portal, (StaffRole.Role.CASEWORKER, hund_portal["unit"]))
    elsewhere = staff_member(
        hund_portal, (StaffRole.Role.CASEWORKER, OrgUnitFactory(tenant=hund_portal["tenant"], name="Bauamt"))
    )

    other = new_page()
    sign_in_staff(other, elsewhere)
    other.goto("/intern/antraege/")
    expect(other.get_by_text("Keine Anträge.")).to_be_visible()

    office = new_page()
    sign_in_staff(office, caseworker)
    office.goto("/intern/antraege/")
    row = office.get_by_role("row").filter(has=office.get_by_role("link", name=application.number))
    expect(row).to_contain_text("Eingegangen")
    row.get_by_role("link", name=application.number).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"{application.number}: Hund anmelden")
    expect(office.locator("main")).to_contain_text("Bello")

    office.get_by_label("Neue Nachricht").fill("Bitte senden Sie uns noch den Impfpass.")
    office.get_by_role("button", name="Nachricht senden").click()
    expect(office.get_by_text("Die Nachricht ist im Postfach der antragstellenden Person.")).to_be_visible()
    office.get_by_label("Neuer Status").select_option(label="In Bearbeitung")
    office.get_by_label("Hinweis für die antragstellende Person").fill("Wir prüfen Ihre Angaben.")
    office.get_by_role("button", name="Status speichern").click()
    expect(office.get_by_text("Der Status ist geändert")).to_be_visible()
    expect(office.get_by_role("list", name="Verlauf")).to_contain_text("In Bearbeitung – Wir prüfen Ihre Angaben.")

    citizen = new_page()
    sign_in_citizen(citizen, hund_portal["citizen"])
    citizen.goto("/antraege/")
    row = citizen.get_by_role("row").filter(has=citizen.get_by_role("link", name=application.number))
    expect(row).to_contain_text("In Bearbeitung")
    expect(row.get_by_role("cell").last).to_have_text("1")  # one unread message
    row.get_by_role("link", name=application.number).click()
    expect(citizen.locator("#status")).to_have_text("In Bearbeitung")
    expect(citizen.get_by_role("list", name="Verlauf")).to_contain_text("Wir prüfen Ihre Angaben.")
    thread = citizen.get_by_role("list", name="Nachrichten")
    expect(thread).to_contain_text("Bitte senden Sie uns noch den Impfpass.")
    expect(thread).to_contain_text("Ordnungsamt")


# --- accessibility and small screens ----------------------------------------------------------------------


DUPLICATE_IDS_JS = """() => {
    const seen = {};
    document.querySelectorAll("[id]").forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
    return Object.keys(seen).filter(id => seen[id] > 1);
}"""


class Axe:
    """Runs axe-core on pages and collects the violations, so one test reports every page at once.

    Duplicate ids are checked too: axe only lists them "for review", yet an aria-describedby pointing at a
    duplicated id reads the wrong error message to a screen reader user.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.report: list[str] = []

    def check(self, path: str | None = None) -> None:
        if path is not None:
            response = self.page.goto(path)
            assert response is not None and response.status == 200, (path, response and response.status)
        self.page.wait_for_load_state()
        violations = axe_violations(self.page)
        if violations:
            self.report.append(describe_violations(self.page.url, violations))
        duplicates = self.page.evaluate(DUPLICATE_IDS_JS)
        if duplicates:
            self.report.append(f"duplicate ids on {self.page.url}: {', '.join(duplicates)}")


def test_every_application_page_passes_axe_wcag_21_aa(
    new_page: Callable[..., Page], hund_portal: dict[str, Any]
) -> None:
    tenant, citizen, form = hund_portal["tenant"], hund_portal["citizen"], hund_portal["form"]
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in_citizen(page, citizen)
    axe = Axe(page)

    # Every step empty, then with its errors shown; the repeat group also with two items.
    empty = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers={}, step="halter")
    for step_id in ("halter", "hunde", "ermaessigung"):
        axe.check(f"/antraege/entwurf/{empty.uuid}/schritt/{step_id}/")
        next_step(page)
        expect(page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben.")).to_be_visible()
        axe.check()
    page.goto(f"/antraege/entwurf/{empty.uuid}/schritt/hunde/")
    add_dog(page)
    axe.check()
    axe.check(f"/antraege/entwurf/{empty.uuid}/zusammenfassung/")  # "noch nicht vollständig"
    axe.check("/antraege/")  # Meine Anträge with a draft

    # A complete draft: every step filled in, a reduction with its proof uploaded, the summary, submitted.
    full = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS, step="ermaessigung")
    for step_id in ("halter", "hunde", "ermaessigung"):
        axe.check(f"/antraege/entwurf/{full.uuid}/schritt/{step_id}/")
    answer_yes_no(page, "Ermäßigung", "Ja")
    page.get_by_label("Nachweis (Bescheid über die Leistung)").set_input_files(PDF)
    next_step(page)
    expect(page).to_have_url(re.compile("/zusammenfassung/$"))
    axe.check(f"/antraege/entwurf/{full.uuid}/schritt/ermaessigung/")
    expect(page.get_by_text("Hochgeladen: bescheid.pdf")).to_be_visible()
    axe.check(f"/antraege/entwurf/{full.uuid}/zusammenfassung/")
    number = submit_summary(page)
    axe.check()  # application detail: fee open, attachment

    page.get_by_label("Neue Nachricht").fill("")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Bitte schreiben Sie eine Nachricht.")).to_be_visible()
    axe.check()  # the message form with its error
    page.get_by_label("Neue Nachricht").fill("Reicht der Bescheid vom letzten Jahr?")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text("Ihre Nachricht ist verschickt.")).to_be_visible()
    axe.check()  # the thread with a message

    page.get_by_role("button", name="60,00 € bezahlen").click()
    expect(page).to_have_url(re.compile("/zahlung/demo/"))
    axe.check()  # the demo provider's page
    payment_uuid = page.url.split("/zahlung/demo/")[1].split("/")[0]
    page.get_by_role("button", name="Testweise bezahlen").click()
    expect(page.get_by_text("Vielen Dank")).to_be_visible()
    axe.check()  # back from the provider: the result on the application page
    axe.check(f"/zahlung/{payment_uuid}/")  # the payment's own page, paid
    axe.check("/antraege/")  # Meine Anträge with a submitted application

    staff = new_page(bypass_csp=True)
    sign_in_staff(
        staff,
        staff_member(
            hund_portal,
            (StaffRole.Role.CASEWORKER, hund_portal["unit"]),
            (StaffRole.Role.TREASURY, hund_portal["unit"]),
            (StaffRole.Role.DIGITALISATION, hund_portal["unit"]),
        ),
    )
    office = Axe(staff)
    office.check("/intern/antraege/")
    office.check(f"/intern/antraege/{number}/")
    staff.get_by_label("Neue Nachricht").fill("Ja, der reicht.")
    staff.get_by_role("button", name="Nachricht senden").click()
    expect(staff.get_by_text("Die Nachricht ist im Postfach der antragstellenden Person.")).to_be_visible()
    office.check()  # the thread with the office's answer
    office.check("/intern/kasse/")
    office.check(f"/intern/kasse/{payment_uuid}/")
    office.check("/intern/formulare/")
    office.check("/intern/")  # the dashboard with its links

    report = axe.report + office.report
    assert not report, "\n".join(report)


def test_form_step_and_summary_fit_a_phone_screen(new_page: Callable[..., Page], hund_portal: dict[str, Any]) -> None:
    tenant, citizen, form = hund_portal["tenant"], hund_portal["citizen"], hund_portal["form"]
    page = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, device_scale_factor=2)
    sign_in_citizen(page, citizen)
    answers = {
        **ANSWERS,
        "hunde": {"hund": [*ANSWERS["hunde"]["hund"], {**ANSWERS["hunde"]["hund"][0], "name": "Hasso"}]},
    }
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=answers, step="ermaessigung")
    for path in (
        f"/antraege/entwurf/{draft.uuid}/schritt/halter/",
        f"/antraege/entwurf/{draft.uuid}/schritt/hunde/",
        f"/antraege/entwurf/{draft.uuid}/zusammenfassung/",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways: {width}px wide on a 375px screen"
    page.goto(f"/antraege/entwurf/{draft.uuid}/schritt/halter/")
    page.get_by_label("Familienname").fill("")
    page.get_by_role("button", name="Weiter", exact=True).tap()
    expect(page.locator("#f-halter-person-familienname-error")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the step with errors scrolls sideways: {width}px wide on a 375px screen"
