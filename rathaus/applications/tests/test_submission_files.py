"""The files of a submission: WebP goes through the virus scan, the total size is bounded, and only the files
the answers still refer to become the application's attachments."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rathaus.applications import services
from rathaus.applications.models import Application, Attachment, Draft, FormVersion
from rathaus.attachments import storage, testing
from rathaus.attachments.tests import samples
from rathaus.catalog.tests.factories import ServiceFactory

from .conftest import PDF, pdf_upload, png_bytes

UNTERLAGEN_FORM: dict[str, Any] = {
    "id": "unterlagen-test",
    "version": 1,
    "title": "Unterlagen einreichen",
    "steps": [
        {
            "id": "unterlagen",
            "title": "Unterlagen",
            "groups": [
                {
                    "id": "dateien",
                    "title": "Dateien",
                    "fields": [
                        {
                            "id": "ausweis",
                            "label": "Ausweis",
                            "type": "file",
                            "required": True,
                            "file": {"types": ["application/pdf"], "max_bytes": 1048576},
                        },
                        {"id": "mit_foto", "label": "Möchten Sie ein Foto beifügen?", "type": "yesno"},
                        {
                            "id": "foto",
                            "label": "Foto",
                            "type": "file",
                            "file": {"types": ["image/png", "image/webp"], "max_bytes": 1048576},
                            "visible_if": {"field": "unterlagen.dateien.mit_foto", "equals": True},
                        },
                    ],
                }
            ],
        }
    ],
}

STEP = "unterlagen"
AUSWEIS = "unterlagen.dateien.ausweis"
MIT_FOTO = "unterlagen.dateien.mit_foto"
FOTO = "unterlagen.dateien.foto"


@pytest.fixture
def unterlagen_form(tenant: Any) -> FormVersion:
    service = ServiceFactory(tenant=tenant, slug="unterlagen-einreichen", name="Unterlagen", trust_level="low")
    return services.publish_form(service=service, definition=UNTERLAGEN_FORM)


def _webp(**save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (20, 160, 90)).save(out, format="WEBP", quality=90, **save)
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _start(client: Client) -> str:
    response = client.get("/antraege/neu/unterlagen-einreichen/")
    assert response.status_code == 302, response.content[:500]
    match = re.match(r"^/antraege/entwurf/([0-9a-f-]{36})/schritt/unterlagen/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _post_step(client: Client, draft: str, data: dict[str, Any]) -> Any:
    return client.post(f"/antraege/entwurf/{draft}/schritt/{STEP}/", {"_action": "next", **data})


def _draft_files() -> dict[str, Any]:
    return dict(Draft.objects.unscoped().get().files)


# --- WebP through the virus scan ---------------------------------------------------------------------------


def test_webp_uploaded_in_a_form_step_is_scanned_as_uploaded(mia: Client, unterlagen_form: Any, fake_scanner: Any):
    webp = _webp()
    draft = _start(mia)

    response = _post_step(
        mia,
        draft,
        {
            AUSWEIS: pdf_upload(),
            MIT_FOTO: "ja",
            FOTO: _upload("foto.webp", webp, "image/webp"),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert webp in fake_scanner.calls and PDF in fake_scanner.calls
    assert _draft_files()[FOTO]["content_type"] == "image/webp"


def test_webp_uploaded_through_the_api_is_scanned_as_uploaded(mia: Client, unterlagen_form: Any, fake_scanner: Any):
    webp = _webp()
    draft = mia.post(
        "/api/v1/applications/drafts", {"service": "unterlagen-einreichen"}, content_type="application/json"
    )
    uuid = draft.json()["uuid"]

    response = mia.post(f"/api/v1/applications/drafts/{uuid}/files/{FOTO}", {"file": _upload("f.webp", webp, "")})

    assert response.status_code == 201, response.content
    assert fake_scanner.calls == [webp]
    assert response.json()["content_type"] == "image/webp"


def test_webp_with_eicar_is_refused_at_its_field_by_clamd_and_nothing_is_stored(
    mia: Client, unterlagen_form: Any, clamav: Any
) -> None:
    infected = _webp(xmp=b"<x:xmpmeta>" + testing.eicar() + b"</x:xmpmeta>")
    draft = _start(mia)

    response = _post_step(mia, draft, {MIT_FOTO: "ja", FOTO: _upload("foto.webp", infected, "image/webp")})

    body = response.content.decode()
    assert response.status_code == 422
    assert "Schadsoftware" in body and testing.EICAR_SIGNATURE in body
    assert _draft_files() == {}
    assert list(storage.iter_keys()) == []


# --- total size of a submission's files --------------------------------------------------------------------


def test_file_that_would_make_the_total_too_large_is_refused_at_its_field(
    mia: Client, unterlagen_form: Any, fake_scanner: Any, settings: Any
) -> None:
    settings.RATHAUS_MAX_SUBMISSION_BYTES = len(PDF) + 1  # the PDF fits, the PDF and any photo do not
    draft = _start(mia)

    response = _post_step(
        mia, draft, {AUSWEIS: pdf_upload(), MIT_FOTO: "ja", FOTO: _upload("foto.png", png_bytes(), "image/png")}
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "Alle Dateien zusammen sind zu groß" in body
    files = _draft_files()
    assert list(files) == [AUSWEIS]  # the file that fitted stays with the draft
    assert list(storage.iter_keys()) == [files[AUSWEIS]["key"]]  # the refused one was never stored


def test_api_upload_that_would_make_the_total_too_large_is_refused(
    mia: Client, unterlagen_form: Any, fake_scanner: Any, settings: Any
) -> None:
    settings.RATHAUS_MAX_SUBMISSION_BYTES = len(PDF) + 1
    uuid = mia.post(
        "/api/v1/applications/drafts", {"service": "unterlagen-einreichen"}, content_type="application/json"
    ).json()["uuid"]
    assert mia.post(f"/api/v1/applications/drafts/{uuid}/files/{AUSWEIS}", {"file": pdf_upload()}).status_code == 201

    response = mia.post(
        f"/api/v1/applications/drafts/{uuid}/files/{FOTO}", {"file": _upload("f.png", png_bytes(), "image/png")}
    )

    assert response.status_code == 422
    problem = response.json()
    assert "Alle Dateien zusammen sind zu groß" in problem["detail"]
    assert problem["errors"] == [{"field": FOTO, "code": "total_too_large"}]
    assert list(_draft_files()) == [AUSWEIS]


def _fill_with_photo(client: Client) -> str:
    draft = _start(client)
    response = _post_step(
        client, draft, {AUSWEIS: pdf_upload(), MIT_FOTO: "ja", FOTO: _upload("foto.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return draft


def test_submission_over_the_total_limit_is_refused_with_a_clear_message(
    mia: Client, unterlagen_form: Any, fake_scanner: Any, settings: Any
) -> None:
    draft = _fill_with_photo(mia)
    # The limit is checked again on submission (it may have been lowered since, or two uploads raced).
    settings.RATHAUS_MAX_SUBMISSION_BYTES = len(PDF) + 1

    response = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/", follow=True)

    assert response.status_code == 200
    assert "Alle Dateien zusammen sind zu groß" in response.content.decode()
    assert not Application.objects.unscoped().exists()
    assert not Attachment.objects.unscoped().exists()
    assert Draft.objects.unscoped().exists()


def test_api_submission_over_the_total_limit_is_refused_with_a_clear_message(
    mia: Client, unterlagen_form: Any, fake_scanner: Any, settings: Any
) -> None:
    draft = _fill_with_photo(mia)
    settings.RATHAUS_MAX_SUBMISSION_BYTES = len(PDF) + 1

    response = mia.post(f"/api/v1/applications/drafts/{draft}/submit")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "Alle Dateien zusammen sind zu groß" in response.json()["detail"]
    assert not Application.objects.unscoped().exists()


def test_submission_at_the_total_limit_is_accepted(
    mia: Client, unterlagen_form: Any, fake_scanner: Any, settings: Any
) -> None:
    draft = _fill_with_photo(mia)
    settings.RATHAUS_MAX_SUBMISSION_BYTES = sum(ref["size"] for ref in _draft_files().values())

    response = mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")

    assert response.status_code == 302
    assert Attachment.objects.unscoped().count() == 2


# --- only the files the answers refer to are attached ------------------------------------------------------


def _attached() -> dict[str, str]:
    application = Application.objects.unscoped().get()
    return dict(Attachment.objects.for_tenant(application.tenant_id).values_list("field", "sha256"))


def test_a_file_no_longer_referenced_by_the_answers_is_not_attached(
    mia: Client, unterlagen_form: Any, fake_scanner: Any
) -> None:
    draft = _fill_with_photo(mia)
    # The citizen changes their mind: no photo. The field is hidden now, its answer dropped; the file stays
    # with the draft (it might be wanted again) but must not reach the office.
    response = _post_step(mia, draft, {MIT_FOTO: "nein"})
    assert response.status_code == 302, response.content.decode()[:2000]
    files = _draft_files()
    assert set(files) == {AUSWEIS, FOTO}

    assert mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/").status_code == 302

    assert _attached() == {AUSWEIS: files[AUSWEIS]["sha256"]}


def test_a_replaced_file_is_not_attached_and_its_replacement_is(
    mia: Client, unterlagen_form: Any, fake_scanner: Any
) -> None:
    draft = _fill_with_photo(mia)
    first = _draft_files()[AUSWEIS]
    second_pdf = samples.pdf(pages=2)

    response = _post_step(mia, draft, {AUSWEIS: pdf_upload("ausweis-neu.pdf", second_pdf), MIT_FOTO: "ja"})
    assert response.status_code == 302, response.content.decode()[:2000]
    files = _draft_files()
    assert files[AUSWEIS]["sha256"] != first["sha256"]

    assert mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/").status_code == 302

    attached = _attached()
    assert attached == {AUSWEIS: files[AUSWEIS]["sha256"], FOTO: files[FOTO]["sha256"]}
    assert first["sha256"] not in attached.values()
    number = Application.objects.unscoped().get().number
    download = mia.get(f"/antraege/{number}/dateien/{files[AUSWEIS]['sha256']}/")
    assert download.status_code == 200 and download.content == second_pdf
    assert mia.get(f"/antraege/{number}/dateien/{first['sha256']}/").status_code == 404


def test_api_a_hidden_file_is_not_attached(mia: Client, unterlagen_form: Any, fake_scanner: Any) -> None:
    uuid = mia.post(
        "/api/v1/applications/drafts", {"service": "unterlagen-einreichen"}, content_type="application/json"
    ).json()["uuid"]
    ausweis = mia.post(f"/api/v1/applications/drafts/{uuid}/files/{AUSWEIS}", {"file": pdf_upload()}).json()
    foto = mia.post(
        f"/api/v1/applications/drafts/{uuid}/files/{FOTO}", {"file": _upload("f.png", png_bytes(), "image/png")}
    ).json()
    step = mia.put(
        f"/api/v1/applications/drafts/{uuid}/steps/{STEP}",
        {"answers": {"dateien": {"ausweis": ausweis, "mit_foto": False}}},
        content_type="application/json",
    )
    assert step.status_code == 200, step.json()

    submitted = mia.post(f"/api/v1/applications/drafts/{uuid}/submit")

    assert submitted.status_code == 201, submitted.content
    assert _attached() == {AUSWEIS: ausweis["sha256"]}
    assert foto["sha256"] != ausweis["sha256"]
