"""Files in the message thread between citizen and office: checked like application uploads (virus scan,
type by content, size, at most five), stored only when all pass, and downloadable only by the two sides."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.attachments import storage, testing
from rathaus.attachments.tests import samples
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.mailbox.models import Message, Thread
from rathaus.tenants.tests.factories import OrgUnitFactory

from .conftest import PDF

ANSWERS = {
    "halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}},
    "hunde": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}},
}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _pdf(name: str = "befund.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _distinct_pdfs(n: int) -> list[bytes]:
    pdfs = [samples.pdf(pages=i) for i in range(1, n + 1)]
    assert len(set(pdfs)) == n
    return pdfs


def _client(tenant: Any) -> Client:
    return Client(HTTP_HOST=f"{tenant.slug}.testserver")


def _submitted(tenant: Any, applicant: Any, form_version: Any) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=applicant, form_version=form_version, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=applicant, trust_level="low")
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    return application


@pytest.fixture
def application(tenant: Any, citizen: Any, hund_form: Any) -> Application:
    """Mia's dog application, forwarded to the office."""
    return _submitted(tenant, citizen, hund_form)


@pytest.fixture
def caseworker(tenant: Any, hund_service: Any) -> Any:
    staff = StaffFactory(tenant=tenant, email="sb@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=staff, org_unit=hund_service.org_unit, role="caseworker")
    return staff


@pytest.fixture
def office(tenant: Any, caseworker: Any) -> Client:
    client = _client(tenant)
    login_staff(client, caseworker)
    return client


@pytest.fixture(params=["citizen", "office"])
def side(request: Any, mia: Client, office: Client, application: Application) -> tuple[Client, str]:
    """The citizen on their application page, or the caseworker on the office page: (client, thread URL)."""
    if request.param == "citizen":
        return mia, f"/antraege/{application.number}/"
    return office, f"/intern/antraege/{application.number}/"


def _nothing_stored() -> None:
    assert not Message.objects.unscoped().exists()
    assert not Thread.objects.unscoped().exists()  # not even the thread a first message would open
    assert list(storage.iter_keys()) == []


def _error(response: Any) -> str:
    assert response.status_code == 422, response.status_code
    body = response.content.decode()
    start = body.index('id="nachricht-error"')
    return body[start : body.index("</p>", start)]


# --- what is refused -------------------------------------------------------------------------------------


def test_eicar_is_refused_by_clamd_and_nothing_of_the_message_is_stored(side: Any, clamav: Any) -> None:
    client, url = side
    files = [_pdf("brief.pdf"), _pdf("rechnung.pdf", testing.eicar())]

    response = client.post(url, {"body": "Anbei die Unterlagen.", "files": files})

    error = _error(response)
    assert "Schadsoftware" in error and testing.EICAR_SIGNATURE in error
    assert "Anbei die Unterlagen." in response.content.decode()  # the text is kept for the next try
    _nothing_stored()  # not even the clean PDF


def test_eicar_inside_a_valid_pdf_is_refused_by_clamd(side: Any, clamav: Any) -> None:
    client, url = side
    carrier = PDF + b"%" + testing.eicar() + b"\n%%EOF\n"

    response = client.post(url, {"body": "Anbei.", "files": [_pdf("scan.pdf", carrier)]})

    assert testing.EICAR_SIGNATURE in _error(response)
    _nothing_stored()


def test_clean_file_passes_the_real_scanner(side: Any, clamav: Any) -> None:
    client, url = side

    response = client.post(url, {"body": "Anbei.", "files": [_pdf()]})

    assert response.status_code == 302
    assert [a["sha256"] for a in Message.objects.unscoped().get().attachments] == [hashlib.sha256(PDF).hexdigest()]


@pytest.mark.parametrize("data", [EXE, HTML], ids=["exe", "html"])
def test_file_named_pdf_with_other_content_is_refused(side: Any, fake_scanner: Any, data: bytes) -> None:
    client, url = side

    response = client.post(url, {"body": "Anbei.", "files": [_pdf("bescheid.pdf", data)]})

    assert "Entscheidend ist der Inhalt" in _error(response)
    _nothing_stored()


def test_executable_with_its_own_name_is_refused(side: Any, fake_scanner: Any) -> None:
    client, url = side
    upload = SimpleUploadedFile("setup.exe", EXE, content_type="application/x-msdownload")

    response = client.post(url, {"body": "Anbei.", "files": [upload]})

    assert "Dateityp" in _error(response)
    _nothing_stored()


def test_file_over_the_size_limit_is_refused(side: Any, fake_scanner: Any, settings: Any) -> None:
    client, url = side
    settings.RATHAUS_MAX_ATTACHMENT_BYTES = len(PDF)
    bigger = samples.pdf(pages=3)
    assert len(bigger) > len(PDF)

    response = client.post(url, {"body": "Anbei.", "files": [_pdf("klein.pdf"), _pdf("gross.pdf", bigger)]})

    assert "zu groß" in _error(response)
    _nothing_stored()
    assert bigger not in fake_scanner.calls  # refused by its size before it was read


def test_file_at_the_size_limit_is_accepted(side: Any, fake_scanner: Any, settings: Any) -> None:
    client, url = side
    settings.RATHAUS_MAX_ATTACHMENT_BYTES = len(PDF)

    assert client.post(url, {"body": "Anbei.", "files": [_pdf()]}).status_code == 302

    assert [a["size"] for a in Message.objects.unscoped().get().attachments] == [len(PDF)]


def test_files_too_large_together_are_refused(side: Any, fake_scanner: Any, settings: Any) -> None:
    client, url = side
    pdfs = _distinct_pdfs(3)
    settings.RATHAUS_MAX_SUBMISSION_BYTES = len(pdfs[0]) + len(pdfs[1])

    response = client.post(url, {"body": "Anbei.", "files": [_pdf(f"{i}.pdf", d) for i, d in enumerate(pdfs)]})

    assert "Alle Dateien zusammen sind zu groß" in _error(response)
    _nothing_stored()


def test_six_files_are_refused(side: Any, fake_scanner: Any) -> None:
    client, url = side
    files = [_pdf(f"seite-{i}.pdf", d) for i, d in enumerate(_distinct_pdfs(6), 1)]

    response = client.post(url, {"body": "Anbei.", "files": files})

    assert "Höchstens fünf Dateien" in _error(response)
    _nothing_stored()


def test_five_files_are_accepted_each_scanned_and_downloadable(side: Any, fake_scanner: Any) -> None:
    client, url = side
    pdfs = _distinct_pdfs(5)
    files = [_pdf(f"seite-{i}.pdf", d) for i, d in enumerate(pdfs, 1)]

    response = client.post(url, {"body": "Anbei.", "files": files})

    assert response.status_code == 302
    message = Message.objects.unscoped().get()
    assert [a["name"] for a in message.attachments] == [f"seite-{i}.pdf" for i in range(1, 6)]
    assert fake_scanner.calls == pdfs
    assert len(list(storage.iter_keys())) == 5
    page = client.get(url).content.decode()
    for ref, data in zip(message.attachments, pdfs, strict=True):
        link = f"{url}dateien/{ref['sha256']}/"
        assert f'href="{link}"' in page
        assert client.get(link).content == data


# --- who may download ------------------------------------------------------------------------------------


@pytest.fixture
def thread_files(
    mia: Client, office: Client, application: Application, fake_scanner: Any
) -> dict[str, tuple[str, bytes]]:
    """One file sent by the citizen, one by the office: {sender: (sha256, bytes)}."""
    from_citizen, from_office = _distinct_pdfs(2)
    n = application.number
    assert mia.post(f"/antraege/{n}/", {"body": "Mein Impfpass", "files": [_pdf("impfpass.pdf", from_citizen)]})
    assert office.post(f"/intern/antraege/{n}/", {"body": "Ihr Bescheid", "files": [_pdf("bescheid.pdf", from_office)]})
    refs = {m.from_office: m.attachments for m in Message.objects.unscoped().all()}
    assert len(refs[False]) == len(refs[True]) == 1
    return {
        "citizen": (refs[False][0]["sha256"], from_citizen),
        "office": (refs[True][0]["sha256"], from_office),
    }


@pytest.mark.parametrize("sent_by", ["citizen", "office"])
def test_owner_and_office_download_the_file_with_its_bytes(
    mia: Client, office: Client, application: Application, thread_files: Any, sent_by: str
) -> None:
    sha, data = thread_files[sent_by]
    for client, url in (
        (mia, f"/antraege/{application.number}/dateien/{sha}/"),
        (office, f"/intern/antraege/{application.number}/dateien/{sha}/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content == data
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("sent_by", ["citizen", "office"])
def test_nobody_else_downloads_the_file(
    tenant: Any,
    other_tenant: Any,
    hund_service: Any,
    application: Application,
    thread_files: Any,
    other_citizen_client: Client,
    sent_by: str,
) -> None:
    sha, data = thread_files[sent_by]
    citizen_url = f"/antraege/{application.number}/dateien/{sha}/"
    office_url = f"/intern/antraege/{application.number}/dateien/{sha}/"

    # Another citizen of the same town, and a caseworker of another unit of the town: as if it did not exist.
    assert other_citizen_client.get(citizen_url).status_code == 404
    other_unit = StaffFactory(tenant=tenant, email="fremd@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=other_unit, org_unit=OrgUnitFactory(tenant=tenant), role="caseworker")
    colleague = _client(tenant)
    login_staff(colleague, other_unit)
    assert colleague.get(office_url).status_code == 404

    # Anonymous visitors are sent to the login pages.
    anonymous = _client(tenant)
    for url, login in ((citizen_url, "/konto/anmelden/"), (office_url, "/intern/anmelden/")):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), response.get("Location")

    # People of another municipality: on their own portal the number does not exist ...
    beta_citizen = CitizenFactory(tenant=other_tenant, email="mia@example.org")
    beta_staff = StaffFactory(tenant=other_tenant, email="sb@beta.example")
    beta_unit = OrgUnitFactory(tenant=other_tenant)
    StaffRole.objects.create(tenant=other_tenant, user=beta_staff, org_unit=beta_unit, role="tenant_admin")
    beta_citizen_client, beta_staff_client = _client(other_tenant), _client(other_tenant)
    login_citizen(beta_citizen_client, beta_citizen, level="high")
    login_staff(beta_staff_client, beta_staff)
    assert beta_citizen_client.get(citizen_url).status_code == 404
    assert beta_staff_client.get(office_url).status_code == 404
    # ... and on this portal their session does not count.
    for client, url in ((beta_citizen_client, citizen_url), (beta_staff_client, office_url)):
        client.defaults["HTTP_HOST"] = f"{tenant.slug}.testserver"
        response = client.get(url)
        assert response.status_code == 302 and data not in response.content


def test_a_file_of_another_application_is_not_served_through_ones_own(
    tenant: Any, hund_form: Any, mia: Client, application: Application, fake_scanner: Any
) -> None:
    max_ = CitizenFactory(tenant=tenant, email="max@example.org", first_name="Max")
    theirs = _submitted(tenant, max_, hund_form)
    secret = samples.pdf(pages=4)
    services.send_message(
        application=theirs, sender=max_, body="Privat", from_office=False, uploads=[_pdf("p.pdf", secret)]
    )
    sha = mailbox.messages(tenant, theirs.mailbox_reference).get().attachments[0]["sha256"]

    assert mia.get(f"/antraege/{application.number}/dateien/{sha}/").status_code == 404
    assert mia.get(f"/antraege/{theirs.number}/dateien/{sha}/").status_code == 404


# --- the messages API --------------------------------------------------------------------------------------


def test_api_lists_the_files_of_both_sides(mia: Client, application: Application, thread_files: Any) -> None:
    response = mia.get(f"/api/v1/applications/applications/{application.number}/messages")

    assert response.status_code == 200
    listed = {m["from_office"]: m["attachments"] for m in response.json()}
    for from_office, sent_by, name in ((False, "citizen", "impfpass.pdf"), (True, "office", "bescheid.pdf")):
        sha, data = thread_files[sent_by]
        [ref] = listed[from_office]
        assert (ref["name"], ref["sha256"], ref["size"], ref["content_type"]) == (
            name,
            sha,
            len(data),
            "application/pdf",
        )


def test_api_message_cannot_carry_files_past_the_checks(mia: Client, application: Application, clamav: Any) -> None:
    url = f"/api/v1/applications/applications/{application.number}/messages"

    multipart = mia.post(url, {"body": "Anbei.", "files": [_pdf("rechnung.pdf", testing.eicar())]})

    assert multipart.status_code == 400, multipart.content  # the API takes JSON only: no files at all
    assert multipart["Content-Type"] == "application/problem+json"
    _nothing_stored()


def test_api_message_ignores_file_references_it_did_not_check(
    tenant: Any, hund_form: Any, mia: Client, application: Application, fake_scanner: Any
) -> None:
    max_ = CitizenFactory(tenant=tenant, email="max@example.org", first_name="Max")
    theirs = _submitted(tenant, max_, hund_form)
    services.send_message(
        application=theirs, sender=max_, body="Privat", from_office=False, uploads=[_pdf("p.pdf", PDF)]
    )
    [stolen] = mailbox.messages(tenant, theirs.mailbox_reference).get().attachments
    url = f"/api/v1/applications/applications/{application.number}/messages"

    response = mia.post(url, {"body": "Hallo", "attachments": [stolen]}, content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["attachments"] == []
    assert mailbox.messages(tenant, application.mailbox_reference).get().attachments == []
    assert mia.get(f"/antraege/{application.number}/dateien/{stolen['sha256']}/").status_code == 404
