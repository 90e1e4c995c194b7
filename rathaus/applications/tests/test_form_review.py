"""Import → review → publish: nothing is published on upload, the review shows every step, the importer's
report and the missing code lists; publishing is refused while code lists are missing; staff of the
digitalisation unit only; each municipality sees only its own imports and code lists."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rathaus.applications import codelists, form_review
from rathaus.applications.fim_models import CodeList, FormImport
from rathaus.applications.models import FormVersion
from rathaus.core.errors import ValidationFailed
from rathaus.identity.tests.factories import StaffFactory, login_staff

from .conftest import HUND_FORM

FIM = Path("/work/shared/fim")
PARKING = FIM / "S05000058V1.0_xdf2.xml"  # Bewohnerparkausweis, XDatenfelder 2.0, references 6 code lists
CODELISTS = sorted(FIM.glob("C*_genericode.xml"))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _staff(tenant: Any, role: str = "digitalisation") -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, email=f"{role}@{tenant.slug}.example", roles=[role]))
    return client


def _upload(client: Client, service: Any, *files: tuple[str, bytes]) -> Any:
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post("/intern/formulare/", {"service": service.slug, "file": uploads})


def test_upload_is_not_published_until_reviewed(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant)
    response = _upload(client, hund_service, ("hund.json", json.dumps(HUND_FORM).encode()))
    assert response.status_code == 302 and "/pruefung/" in response["Location"]
    assert not FormVersion.objects.for_tenant(tenant).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Schritt 1 von 2: Halterin oder Halter" in page and "Schritt 2 von 2: Hunde" in page
    assert 'name="halter.person.vorname"' in page  # the step as the citizen sees it
    imp = FormImport.objects.for_tenant(tenant).get()
    published = client.post(f"/intern/formulare/pruefung/{imp.uuid}/veroeffentlichen/")
    assert published.status_code == 302
    version = FormVersion.objects.for_tenant(tenant).get()
    assert version.version == 1 and version.published_at is not None
    imp.refresh_from_db()
    assert (imp.state, imp.published_version_id) == ("published", version.pk)


def test_parking_schema_without_its_code_lists_is_refused_with_the_list(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant)
    response = _upload(client, hund_service, (PARKING.name, PARKING.read_bytes()))
    imp = FormImport.objects.for_tenant(tenant).get()
    page = client.get(response["Location"]).content.decode()
    assert "urn:de:fim:codeliste:zustimmung" in page and "Codelisten fehlen noch" in page
    assert len(imp.missing_codelists) == 6
    refused = client.post(f"/intern/formulare/pruefung/{imp.uuid}/veroeffentlichen/", follow=True)
    assert "Es fehlen noch Codelisten" in refused.content.decode()
    assert not FormVersion.objects.for_tenant(tenant).exists()
    # The code lists arrive on their own page: the waiting import picks them up and can be published.
    assert "urn:de:fim:codeliste:zustimmung" in client.get("/intern/formulare/codelisten/").content.decode()
    stored = client.post(
        "/intern/formulare/codelisten/", {"file": [SimpleUploadedFile(p.name, p.read_bytes()) for p in CODELISTS]}
    )
    assert stored.status_code == 302
    imp.refresh_from_db()
    assert imp.missing_codelists == []
    assert client.post(f"/intern/formulare/pruefung/{imp.uuid}/veroeffentlichen/").status_code == 302
    assert FormVersion.objects.for_tenant(tenant).get().version == 1


def test_fim_zip_with_schema_and_code_lists_imports_both(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant)
    archive = _zip({f"export/{p.name}": p.read_bytes() for p in [PARKING, *CODELISTS]})
    response = _upload(client, hund_service, ("S05000058.zip", archive))
    assert response.status_code == 302
    imp = FormImport.objects.for_tenant(tenant).get()
    assert imp.missing_codelists == [] and imp.fim_id == "S05000058"
    assert CodeList.objects.for_tenant(tenant).count() == len(CODELISTS)
    consent = codelists.resolver(tenant)("urn:de:fim:codeliste:zustimmung", "2021-01-11")
    assert consent == [("01", "Ich stimme zu.")]
    # The select that referenced the consent list is a choice now, not a free-text box.
    fields = [f for step in imp.definition["steps"] for g in step["groups"] for f in g["fields"]]
    assert any(f["type"] == "choice" and f["choices"] == [{"value": "01", "label": "Ich stimme zu."}] for f in fields)
    page = client.get(response["Location"]).content.decode()
    assert "weggelassen" in page and "übernommen" in page
    assert any(r["fim_id"] for r in imp.report if r["kind"] != "translated")  # notes carry the FIM id


def test_a_new_version_shows_added_removed_and_changed_fields(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant)
    _upload(client, hund_service, ("v1.json", json.dumps(HUND_FORM).encode()))
    form_review.publish(form_import=FormImport.objects.for_tenant(tenant).get(), actor=None)
    changed = json.loads(json.dumps(HUND_FORM))
    person = changed["steps"][0]["groups"][0]["fields"]
    person[0]["required"] = False  # changed
    person.pop(1)  # removed: Nachname
    person.append({"id": "geburtsdatum", "label": "Geburtsdatum", "type": "date"})  # added
    response = _upload(client, hund_service, ("v2.json", json.dumps(changed).encode()))
    page = client.get(response["Location"]).content.decode()
    assert "1 Feld hinzugefügt" in page and "Halterin oder Halter › Person › Geburtsdatum" in page
    assert "1 Feld entfernt" in page and "Person › Nachname" in page
    assert "1 Feld geändert" in page and "required: true → false" in page
    assert "Als Version 2 veröffentlichen" in page
    imp = FormImport.objects.for_tenant(tenant).get(state="pending")
    assert form_review.publish(form_import=imp, actor=None).version == 2


def test_publishing_twice_or_after_discarding_is_refused(tenant: Any, hund_service: Any) -> None:
    imp = form_review.import_form(
        service=hund_service, uploads=[("hund.json", json.dumps(HUND_FORM).encode())], actor=None
    )
    form_review.publish(form_import=imp, actor=None)
    imp.refresh_from_db()
    with pytest.raises(ValidationFailed, match="schon veröffentlicht"):
        form_review.publish(form_import=imp, actor=None)
    other = form_review.import_form(
        service=hund_service, uploads=[("hund.json", json.dumps(HUND_FORM).encode())], actor=None
    )
    assert form_review.discard(form_import=other, actor=None)
    other.refresh_from_db()
    with pytest.raises(ValidationFailed):
        form_review.publish(form_import=other, actor=None)
    assert FormVersion.objects.for_tenant(tenant).count() == 1


def test_broken_definition_is_shown_and_cannot_be_published(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant, "tenant_admin")
    broken = {**HUND_FORM, "fees": [{"label": "X", "amount": "viel"}]}
    response = _upload(client, hund_service, ("kaputt.json", json.dumps(broken).encode()))
    page = client.get(response["Location"]).content.decode()
    assert "fehlerhaft" in page and "Vorschau" not in page
    imp = FormImport.objects.for_tenant(tenant).get()
    with pytest.raises(ValidationFailed, match="fehlerhaft"):
        form_review.publish(form_import=imp, actor=None)
    garbage = _upload(client, hund_service, ("x.json", b"\xff\xfe kein json"))
    assert garbage.status_code == 422 and "weder JSON noch XDatenfelder" in garbage.content.decode()


def test_caseworkers_reach_none_of_the_pages(tenant: Any, hund_service: Any) -> None:
    imp = form_review.import_form(
        service=hund_service, uploads=[("hund.json", json.dumps(HUND_FORM).encode())], actor=None
    )
    client = _staff(tenant, "caseworker")
    for url in ("/intern/formulare/", f"/intern/formulare/pruefung/{imp.uuid}/", "/intern/formulare/codelisten/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/intern/formulare/pruefung/{imp.uuid}/veroeffentlichen/").status_code == 403
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_another_municipality_sees_neither_imports_nor_code_lists(
    tenant: Any, other_tenant: Any, hund_service: Any
) -> None:
    imp = form_review.import_form(
        service=hund_service, uploads=[(p.name, p.read_bytes()) for p in [PARKING, *CODELISTS]], actor=None
    )
    stored = CodeList.objects.for_tenant(tenant).first()
    assert stored is not None
    client = _staff(other_tenant)
    assert client.get(f"/intern/formulare/pruefung/{imp.uuid}/").status_code == 404
    assert client.post(f"/intern/formulare/pruefung/{imp.uuid}/veroeffentlichen/").status_code == 404
    assert client.post(f"/intern/formulare/pruefung/{imp.uuid}/verwerfen/").status_code == 404
    assert client.get(f"/intern/formulare/codelisten/{stored.uuid}/").status_code == 404
    assert "zustimmung" not in client.get("/intern/formulare/codelisten/").content.decode()
    assert codelists.resolver(other_tenant)("urn:de:fim:codeliste:zustimmung", "2021-01-11") is None
    imp.refresh_from_db()
    assert imp.state == "pending"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=40))
@example(title="Hund\x00anmelden")
@example(title="Hund \ud800 anmelden")
def test_any_title_is_stored_or_refused_with_a_message(tenant: Any, hund_service: Any, title: str) -> None:
    """NUL and lone surrogates reach the definition through JSON escapes; they are refused, never a 500."""
    upload = json.dumps({**HUND_FORM, "title": title}).encode()
    try:
        imp = form_review.import_form(service=hund_service, uploads=[("t\x00.json", upload)], actor=None)
    except ValidationFailed as exc:
        assert "\x00" in title or any("\ud800" <= c <= "\udfff" for c in title) or not title.strip(), exc.detail
        return
    stored = FormImport.objects.for_tenant(tenant).get(pk=imp.pk)
    assert stored.definition["title"] == title and "\x00" not in stored.source_name


def test_a_json_definition_with_fields_marked_missing_is_not_published(tenant: Any, hund_service: Any) -> None:
    """The definition of an import without its code lists, saved as JSON and uploaded: still refused."""
    xml_import = form_review.import_form(
        service=hund_service, uploads=[(PARKING.name, PARKING.read_bytes())], actor=None
    )
    as_json = json.dumps(xml_import.definition).encode()
    imp = form_review.import_form(service=hund_service, uploads=[("gespeichert.json", as_json)], actor=None)
    assert "urn:de:fim:codeliste:zustimmung" in {m["uri"] for m in imp.missing_codelists}
    with pytest.raises(ValidationFailed, match="Es fehlen noch Codelisten"):
        form_review.publish(form_import=imp, actor=None)
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_a_second_publish_of_the_same_import_from_a_stale_page_makes_no_second_version(
    tenant: Any, hund_service: Any
) -> None:
    imp = form_review.import_form(
        service=hund_service, uploads=[("hund.json", json.dumps(HUND_FORM).encode())], actor=None
    )
    stale = FormImport.objects.for_tenant(tenant).get(pk=imp.pk)  # loaded before the first publish
    first = form_review.publish(form_import=imp, actor=None)
    second = form_review.publish(form_import=stale, actor=None)
    assert second.pk == first.pk and FormVersion.objects.for_tenant(tenant).count() == 1
    stale.refresh_from_db()
    assert stale.state == "published" and stale.published_version_id == first.pk


def test_review_compares_with_the_version_published_since(tenant: Any, hund_service: Any) -> None:
    client = _staff(tenant)
    changed = json.loads(json.dumps(HUND_FORM))
    changed["steps"][0]["groups"][0]["fields"].append({"id": "titel", "label": "Titel", "type": "text"})
    waiting = form_review.import_form(
        service=hund_service, uploads=[("v2.json", json.dumps(changed).encode())], actor=None
    )
    first = form_review.import_form(
        service=hund_service, uploads=[("v1.json", json.dumps(HUND_FORM).encode())], actor=None
    )
    form_review.publish(form_import=first, actor=None)  # published after `waiting` was imported
    page = client.get(f"/intern/formulare/pruefung/{waiting.uuid}/").content.decode()
    assert "1 Feld hinzugefügt" in page and "Person › Titel" in page and "Als Version 2 veröffentlichen" in page
