"""The citizen's form pages as a first-time user meets them (Django test client, i.e. without JavaScript):
follow-up questions appear only when they apply, errors say what is missing and where, "Zurück" and "später
weitermachen" keep what was typed, deleting asks first, and submitting ends on a confirmation page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, FormVersion
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine import load_demo_form
from rathaus.tenants.tests.factories import OrgUnitFactory

from .conftest import pdf_upload

PERSON = {
    "halter.person.vorname": "Mia",
    "halter.person.familienname": "Mustermann",
    "halter.person.geburtsdatum": "1980-05-17",
    "halter.person.anschrift.street": "Musterweg",
    "halter.person.anschrift.house_number": "12",
    "halter.person.anschrift.postal_code": "40210",
    "halter.person.anschrift.city": "Musterstadt",
    "halter.person.email": "mia@example.org",
}
IBAN = "DE89370400440532013000"
FOLLOW_UPS = ["halter.zahlung.iban", "halter.zahlung.kontoinhaber"]


@pytest.fixture
def hund(tenant: Any) -> FormVersion:
    office = OrgUnitFactory(tenant=tenant, name="Steueramt", email="steuern@alpha.example", phone="0211 99 00")
    service = ServiceFactory(
        tenant=tenant, slug="hund-anmelden", name="Hund anmelden", trust_level="low", org_unit=office,
        processing_time="etwa zwei Wochen",
    )  # fmt: skip
    return services.publish_form(service=service, definition=load_demo_form("hund-anmelden"))


@pytest.fixture
def draft(mia: Client, hund: FormVersion) -> str:
    response = mia.get("/antraege/neu/hund-anmelden/")
    match = re.search(r"/entwurf/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _step(draft: str, step: str = "halter") -> str:
    return f"/antraege/entwurf/{draft}/schritt/{step}/"


def _answers(draft: str) -> dict[str, Any]:
    return dict(Draft.objects.unscoped().get(uuid=draft).answers)


# --- follow-up questions ------------------------------------------------------------------------------------


def test_follow_up_questions_are_not_shown_before_the_answer_that_asks_for_them(mia: Client, draft: str) -> None:
    page = mia.get(_step(draft)).content.decode()
    assert 'name="halter.zahlung.lastschrift"' in page
    assert "halter.zahlung.iban" not in page and "Kontoinhaber" not in page
    assert "Nur ausfüllen" not in page


def test_weiter_reveals_the_follow_up_questions_on_the_same_step_and_keeps_what_was_typed(
    mia: Client, draft: str
) -> None:
    response = mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "ja", "_action": "next"})
    page = response.content.decode()
    assert response.status_code == 200  # not an error: the citizen has not seen these questions yet
    assert 'name="halter.zahlung.iban"' in page and 'name="halter.zahlung.kontoinhaber"' in page
    assert "Zu Ihrer Antwort gibt es weitere Fragen." in page
    assert 'aria-invalid="true"' not in page and 'id="fehler"' not in page
    assert 'value="Mia"' in page and 'value="ja" checked' in page
    assert Draft.objects.unscoped().get(uuid=draft).step == "halter"

    # Now they were on the page: left empty, they are errors.
    posted = {**PERSON, "halter.zahlung.lastschrift": "ja", "_action": "next", "_shown": FOLLOW_UPS}
    again = mia.post(_step(draft), posted)
    assert again.status_code == 422
    assert "Bitte geben Sie bei „IBAN“ die IBAN an" in again.content.decode()

    done = mia.post(
        _step(draft),
        {**PERSON, "halter.zahlung.lastschrift": "ja", "halter.zahlung.iban": IBAN,
         "halter.zahlung.kontoinhaber": "Mia Mustermann", "_action": "next", "_shown": FOLLOW_UPS},
    )  # fmt: skip
    assert done.status_code == 302 and done["Location"] == _step(draft, "hunde")
    assert _answers(draft)["halter"]["zahlung"] == {"lastschrift": True, "iban": IBAN, "kontoinhaber": "Mia Mustermann"}


def test_follow_ups_the_stored_answers_already_showed_are_not_revealed_again(mia: Client, draft: str) -> None:
    mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "ja", "_action": "save"})
    assert 'name="halter.zahlung.iban"' in mia.get(_step(draft)).content.decode()
    # Posted without the page's list of shown questions (an old page, a script): still an error, not a reveal.
    response = mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "ja", "_action": "next"})
    page = response.content.decode()
    assert response.status_code == 422 and "Zu Ihrer Antwort gibt es weitere Fragen." not in page
    assert "Bitte geben Sie bei „IBAN“ die IBAN an" in page


def test_answering_no_hides_the_follow_ups_and_they_are_neither_required_nor_stored(mia: Client, draft: str) -> None:
    response = mia.post(
        _step(draft),
        {**PERSON, "halter.zahlung.lastschrift": "nein", "halter.zahlung.iban": "kaputt", "_action": "next",
         "_shown": FOLLOW_UPS},
    )  # fmt: skip
    assert response.status_code == 302
    assert _answers(draft)["halter"]["zahlung"] == {"lastschrift": False}


def test_refresh_renders_the_follow_ups_of_what_is_typed_and_stores_nothing(mia: Client, draft: str) -> None:
    before = _answers(draft)
    response = mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "ja", "_action": "refresh"})
    page = response.content.decode()
    assert response.status_code == 200 and 'name="halter.zahlung.iban"' in page
    assert 'aria-invalid="true"' not in page
    assert _answers(draft) == before
    hidden = mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "nein", "_action": "refresh"})
    assert "halter.zahlung.iban" not in hidden.content.decode()


def test_the_step_tells_the_script_which_answers_decide_follow_ups(mia: Client, draft: str) -> None:
    page = mia.get(_step(draft)).content.decode()
    assert 'data-followups="halter.zahlung.lastschrift"' in page
    assert "/static/rathaus/followups.js" in page


# --- errors ----------------------------------------------------------------------------------------------


def test_a_failed_step_moves_focus_to_the_error_summary_with_messages_naming_the_fields(
    mia: Client, draft: str
) -> None:
    response = mia.post(_step(draft), {"halter.person.anschrift.postal_code": "123", "_action": "next"})
    page = response.content.decode()
    assert response.status_code == 422
    assert '<div class="kern-alert kern-alert--danger" role="alert" tabindex="-1" id="fehler" autofocus>' in page
    assert "Bitte geben Sie Ihren Vornamen an." in page
    assert "Bitte geben Sie die Postleitzahl mit 5 Ziffern an" in page
    assert "Bitte füllen Sie dieses Feld aus" not in page
    assert "Bitte beantworten Sie die Frage „Möchten Sie die Hundesteuer per Lastschrift zahlen?“" in page


def test_the_error_of_a_radio_group_is_under_its_legend_and_described_by_the_fieldset(mia: Client, draft: str) -> None:
    page = mia.post(_step(draft), {**PERSON, "_action": "next"}).content.decode()
    fieldset = re.search(
        r'<fieldset class="kern-fieldset kern-fieldset--error" aria-describedby="([^"]*)">\s*<legend[^>]*>'
        r"Möchten Sie die Hundesteuer per Lastschrift zahlen\?.*?</legend>(.*?)</fieldset>",
        page,
        re.S,
    )
    assert fieldset, page
    assert "f-halter-zahlung-lastschrift-error" in fieldset.group(1).split()
    inner = fieldset.group(2)
    assert inner.index('id="f-halter-zahlung-lastschrift-error"') < inner.index('type="radio"')


# --- back, save, progress -----------------------------------------------------------------------------------


def test_zurueck_does_not_validate_and_keeps_what_was_typed(mia: Client, draft: str) -> None:
    mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "nein", "_action": "next"})
    response = mia.post(
        _step(draft, "hunde"),
        {"hunde.hund.0._item": "1", "hunde.hund.0.name": "Bello", "hunde.hund.0.geburtsdatum": "32.13.2020",
         "_action": "back"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == _step(draft)
    page = mia.get(_step(draft, "hunde")).content.decode()
    assert 'value="Bello"' in page and 'value="32.13.2020"' in page
    assert "Bitte geben Sie ein gültiges Datum an" in page  # the typed date comes back with its error
    assert "Bitte geben Sie bei „Rasse“" not in page  # untouched fields are not errors yet


def test_steps_are_named_with_the_current_one_marked(mia: Client, draft: str) -> None:
    page = mia.get(_step(draft)).content.decode()
    assert '<progress id="schritt-fortschritt" max="3" value="1">' in page
    assert '<strong aria-current="step">Halterin oder Halter</strong>' in page
    assert "Ihre Hunde" in page and "Ermäßigung" in page and "Angaben prüfen und absenden" in page


def test_saving_keeps_an_invalid_answer_as_typed_and_the_summary_shows_it_with_its_error(
    mia: Client, tenant: Any, citizen: Any
) -> None:
    service = ServiceFactory(tenant=tenant, slug="zahl", name="Zahl", trust_level="low")
    form = {
        "id": "zahl", "version": 1, "title": "Zahl",
        "steps": [{"id": "s", "title": "Schritt", "groups": [{"id": "g", "title": "G", "fields": [
            {"id": "anzahl", "label": "Anzahl", "type": "number", "required": True},
            {"id": "jahr", "label": "Jahr", "type": "yesno"},
        ]}]}],
    }  # fmt: skip
    services.publish_form(service=service, definition=form)
    draft = re.search(r"/entwurf/([0-9a-f-]{36})/", mia.get("/antraege/neu/zahl/")["Location"]).group(1)  # type: ignore[union-attr]
    saved = mia.post(_step(draft, "s"), {"s.g.anzahl": "zwölf", "s.g.jahr": "ja", "_action": "save"})
    assert saved.status_code == 302 and saved["Location"] == "/antraege/"
    assert _answers(draft) == {"s": {"g": {"anzahl": "zwölf", "jahr": True}}}  # valid answers cleaned
    summary = mia.get(f"/antraege/entwurf/{draft}/zusammenfassung/")
    text = summary.content.decode()
    assert summary.status_code == 200
    assert "zwölf" in text and "Bitte geben Sie eine Zahl an" in text
    assert '<dd class="kern-description-list-item__value">Ja' in text
    assert "Antrag verbindlich absenden" not in text
    step = mia.get(_step(draft, "s")).content.decode()
    assert 'value="zwölf"' in step and 'aria-invalid="true"' in step and 'id="fehler" autofocus' in step


def test_a_refused_upload_while_saving_says_so_and_does_not_claim_everything_is_saved(
    mia: Client, draft: str, fake_scanner: Any
) -> None:
    bad = SimpleUploadedFile("brief.txt", b"Nur Text, kein PDF.", content_type="application/pdf")
    response = mia.post(
        _step(draft, "ermaessigung"),
        {"ermaessigung.antrag.beantragt": "ja", "ermaessigung.antrag.nachweis": bad, "_action": "save"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Die Datei »brief.txt« wurde nicht übernommen:" in page
    assert "Ihr Entwurf ist gespeichert – ohne diese Datei:" in page
    assert "Ihr Entwurf ist gespeichert. Sie finden ihn" not in page
    assert _answers(draft)["ermaessigung"] == {"antrag": {"beantragt": True}}
    assert Draft.objects.unscoped().get(uuid=draft).files == {}


# --- deleting a draft ------------------------------------------------------------------------------------


def test_deleting_a_draft_asks_first_and_is_not_next_to_the_save_button(mia: Client, draft: str) -> None:
    page = mia.get(_step(draft)).content.decode()
    assert page.index("Entwurf löschen") < page.index('<form method="post" enctype="multipart/form-data"')
    after_save = page[page.index('value="save"') :]
    assert "Entwurf löschen" not in after_save
    confirm = mia.get(f"/antraege/entwurf/{draft}/verwerfen/?schritt=halter")
    assert confirm.status_code == 200 and "Entwurf wirklich löschen?" in confirm.content.decode()
    assert Draft.objects.unscoped().filter(uuid=draft).exists()  # asking deletes nothing
    deleted = mia.post(f"/antraege/entwurf/{draft}/verwerfen/")
    assert deleted.status_code == 302 and not Draft.objects.unscoped().filter(uuid=draft).exists()


# --- confirmation --------------------------------------------------------------------------------------


def test_submitting_ends_on_a_confirmation_page_with_number_next_steps_time_contact_and_receipt(
    mia: Client, draft: str, fake_scanner: Any, other_citizen_client: Client
) -> None:
    mia.post(_step(draft), {**PERSON, "halter.zahlung.lastschrift": "nein", "_action": "next"})
    mia.post(
        _step(draft, "hunde"),
        {"hunde.hund.0._item": "1", "hunde.hund.0.name": "Bello", "hunde.hund.0.rasse": "Mischling",
         "hunde.hund.0.geburtsdatum": "2020-01-01", "hunde.hund.0.haltung_seit": "2021-01-01", "_action": "next"},
    )  # fmt: skip
    mia.post(
        _step(draft, "ermaessigung"),
        {"ermaessigung.antrag.beantragt": "ja", "ermaessigung.antrag.nachweis": pdf_upload(), "_action": "next"},
    )
    response = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    application = Application.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == f"/antraege/{application.number}/eingereicht/"
    page = mia.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Ihr Antrag ist eingegangen" in text and f'<strong id="antragsnummer">{application.number}</strong>' in text
    assert "Wie es weitergeht" in text and "Steueramt prüft Ihren Antrag." in text
    assert "Die Bearbeitung dauert in der Regel: etwa zwei Wochen." in text
    assert "mailto:steuern@alpha.example" in text and "0211 99 00" in text
    assert f'href="/antraege/{application.number}/eingangsbestaetigung.pdf"' in text
    assert 'class="kern-alert kern-alert--success' in text
    # Reloading shows the page again and submits nothing twice.
    assert mia.get(response["Location"]).status_code == 200
    assert Application.objects.unscoped().count() == 1
    assert other_citizen_client.get(response["Location"]).status_code == 404
