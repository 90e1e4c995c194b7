"""A citizen applies online: steps, repeat groups, upload, draft, summary, submission, receipt, status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Application, Attachment, Draft, StatusEvent
from rathaus.attachments import storage
from rathaus.core.models import Event

from .conftest import STEP_HALTER, STEP_HUNDE, pdf_upload

pytestmark = pytest.mark.usefixtures("fake_scanner")


def _start(client: Client) -> str:
    response = client.get("/antraege/neu/hund-anmelden/")
    assert response.status_code == 302, response.content[:500]
    match = re.match(r"^/antraege/entwurf/([0-9a-f-]{36})/schritt/halter/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _errors(response: Any) -> list[str]:
    """The error texts on a page (for assertion messages)."""
    return re.findall(
        r'class="kern-error"[^>]*>.*?<span class="kern-body">(.*?)</span>', response.content.decode(), re.S
    )


def _fill(client: Client, draft: str, *, upload: bool = True) -> None:
    r = client.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    assert r.status_code == 302 and r["Location"].endswith("/schritt/hunde/")
    data: dict[str, Any] = {**STEP_HUNDE, "_action": "next"}
    if upload:
        data["hunde.nachweis.datei"] = pdf_upload()
    r = client.post(f"/antraege/entwurf/{draft}/schritt/hunde/", data)
    assert r.status_code == 302 and r["Location"].endswith("/zusammenfassung/"), _errors(r)


def test_first_step_is_prefilled_from_the_account(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    body = mia.get(f"/antraege/entwurf/{draft}/schritt/halter/").content.decode()
    assert 'value="Mia"' in body and 'value="Mustermann"' in body
    assert "Schritt 1 von 2" in body


def test_whole_application_is_submitted_with_fee_file_number_and_receipt(
    mia: Client, hund_form: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft = _start(mia)
    _fill(mia, draft)
    summary = mia.get(f"/antraege/entwurf/{draft}/zusammenfassung/").content.decode()
    assert "Bello" in summary and "Hasso" in summary and "192,00" in summary and "nachweis.pdf" in summary

    with django_capture_on_commit_callbacks(execute=True):
        response = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    assert response.status_code == 302
    application = Application.objects.unscoped().get()
    assert response["Location"] == f"/antraege/{application.number}/eingereicht/"
    assert re.fullmatch(r"A-\d{4}-000001", application.number)
    assert application.fee_total == 192 and application.payment_state == "open"
    assert application.forwarded_at is None  # this service wants the fee paid first
    assert application.answers["hunde"]["hund"][1]["name"] == "Hasso"
    attachment = Attachment.objects.unscoped().get(application=application)
    assert attachment.name == "nachweis.pdf" and storage.open_blob(attachment.key).startswith(b"%PDF")
    assert StatusEvent.objects.unscoped().filter(application=application, status="submitted").count() == 1
    events = Event.objects.for_tenant(application.tenant_id).filter(subject=application.number)
    assert list(events.values_list("kind", flat=True)) == ["application.submitted"]  # forwardable once paid
    assert not Draft.objects.unscoped().exists()
    assert len(mail.outbox) == 1 and application.number in mail.outbox[0].subject

    detail = mia.get(response["Location"]).content.decode()
    assert application.number in detail and "Eingegangen" in detail and "192,00 € bezahlen" in detail
    pdf = mia.get(f"/antraege/{application.number}/eingangsbestaetigung.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 2000


def test_receipt_lists_answers_and_attachment_hash(mia: Client, hund_form: Any) -> None:
    from pypdf import PdfReader

    draft = _start(mia)
    _fill(mia, draft)
    mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    application = Application.objects.unscoped().get()
    pdf = mia.get(f"/antraege/{application.number}/eingangsbestaetigung.pdf").content
    import io

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    sha = Attachment.objects.unscoped().get().sha256
    compact = re.sub(r"\s+", "", text)
    assert application.number in text and "Bello" in text and "Hasso" in text
    assert sha in compact and "192,00" in text


def test_double_submit_creates_one_application(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    _fill(mia, draft, upload=False)
    first = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    second = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    assert first["Location"] == second["Location"]
    assert Application.objects.unscoped().count() == 1


def test_invalid_step_keeps_the_answers_and_says_why_in_german(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    response = mia.post(
        f"/antraege/entwurf/{draft}/schritt/halter/", {"halter.person.vorname": "Mia", "halter.person.nachname": ""}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'value="Mia"' in body and 'aria-invalid="true"' in body
    assert "Bitte" in body  # a German message next to the field
    assert Draft.objects.unscoped().get().answers.get("halter", {}).get("person", {}).get("nachname") != ""


def test_repeat_group_add_button_adds_an_item_without_javascript(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    response = mia.post(
        f"/antraege/entwurf/{draft}/schritt/hunde/", {"hunde.hund.0.name": "Bello", "_add:hunde.hund": "1"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="hunde.hund.1.name"' in body and 'value="Bello"' in body


def test_virus_is_refused_at_its_field_and_nothing_is_stored(
    mia: Client, hund_form: Any, clamav: Any, monkeypatch: Any
) -> None:
    from rathaus.attachments import scanner
    from rathaus.attachments.testing import eicar

    monkeypatch.undo()  # the real clamd for this test, not the fake scanner
    assert scanner.scan.__module__ == "rathaus.attachments.scanner"
    draft = _start(mia)
    mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    data = {**STEP_HUNDE, "_action": "next", "hunde.nachweis.datei": pdf_upload("virus.pdf", b"%PDF-1.4\n" + eicar())}
    response = mia.post(f"/antraege/entwurf/{draft}/schritt/hunde/", data)
    body = response.content.decode()
    assert response.status_code == 422 and ("Virus" in body or "Schadsoftware" in body), _errors(response)
    assert Draft.objects.unscoped().get().files == {}
    assert list(storage.iter_keys()) == []


def test_wrong_file_type_is_refused_by_content(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    fake = pdf_upload("nachweis.pdf", b"MZ\x90\x00 this is an exe pretending to be a pdf")
    response = mia.post(
        f"/antraege/entwurf/{draft}/schritt/hunde/", {**STEP_HUNDE, "_action": "next", "hunde.nachweis.datei": fake}
    )
    assert response.status_code == 422
    assert Draft.objects.unscoped().get().files == {}


def test_draft_is_saved_and_resumed(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    response = mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "save"})
    assert response.status_code == 302 and response["Location"] == "/antraege/"
    mine = mia.get("/antraege/").content.decode()
    assert "Hund anmelden" in mine and f"/antraege/entwurf/{draft}/" in mine
    # Starting again resumes the same draft instead of opening a second one.
    assert _start(mia) == draft
    assert Draft.objects.unscoped().count() == 1


def test_summary_of_an_incomplete_draft_cannot_be_submitted(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    assert "noch nicht vollständig" in mia.get(f"/antraege/entwurf/{draft}/zusammenfassung/").content.decode()
    response = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    assert response.status_code == 302 and response["Location"].endswith("/zusammenfassung/")
    assert not Application.objects.unscoped().exists()


def test_anonymous_visitor_is_sent_to_login(tclient: Client, hund_form: Any) -> None:
    response = tclient.get("/antraege/neu/hund-anmelden/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/vertrauensniveau/")


def test_too_low_trust_level_is_sent_to_the_explanation(tclient: Client, citizen: Any, hund_service: Any) -> None:
    from rathaus.applications import services
    from rathaus.identity.tests.factories import login_citizen

    from .conftest import HUND_FORM

    hund_service.trust_level = "substantial"
    hund_service.save()
    services.publish_form(service=hund_service, definition=HUND_FORM)
    login_citizen(tclient, citizen, level="low")
    response = tclient.get("/antraege/neu/hund-anmelden/")
    assert response.status_code == 302 and "level=substantial" in response["Location"]
    assert not Draft.objects.unscoped().exists()


def test_half_filled_invalid_step_can_be_saved_and_is_shown_as_typed(mia: Client, hund_form: Any) -> None:
    draft = _start(mia)
    mia.post(f"/antraege/entwurf/{draft}/schritt/halter/", {**STEP_HALTER, "_action": "next"})
    response = mia.post(f"/antraege/entwurf/{draft}/schritt/hunde/", {"hunde.hund.0.name": "", "_action": "save"})
    assert response.status_code == 302 and response["Location"] == "/antraege/"
    stored = Draft.objects.unscoped().get()
    assert stored.step == "hunde" and stored.answers["halter"]["person"]["vorname"] == "Mia"
    assert f"/antraege/entwurf/{draft}/schritt/hunde/" in mia.get("/antraege/").content.decode()
    summary = mia.get(f"/antraege/entwurf/{draft}/zusammenfassung/")
    assert summary.status_code == 200 and "noch nicht vollständig" in summary.content.decode()
    assert mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/").status_code == 302
    assert not Application.objects.unscoped().exists()


def test_draft_with_an_unknown_step_resumes_at_the_first(
    mia: Client, hund_form: Any, citizen: Any, tenant: Any
) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, step="")
    assert f"/antraege/entwurf/{draft.uuid}/schritt/halter/" in mia.get("/antraege/").content.decode()
