"""Publishing forms: versions never change once published; the command takes JSON or XDatenfelder."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from rathaus.applications import services
from rathaus.applications.models import FormVersion

from .conftest import HUND_FORM


def test_a_published_version_cannot_be_changed(hund_form: FormVersion) -> None:
    hund_form.definition = {**hund_form.definition, "title": "Hund anmelden – geändert"}
    with pytest.raises(ValidationError):
        hund_form.save()
    assert (
        FormVersion.objects.for_tenant(hund_form.tenant_id).get(pk=hund_form.pk).definition["title"] == "Hund anmelden"
    )


def test_a_change_is_a_new_version_and_the_same_definition_is_not(hund_form: FormVersion, hund_service: Any) -> None:
    assert services.publish_form(service=hund_service, definition=HUND_FORM).pk == hund_form.pk
    changed = services.publish_form(service=hund_service, definition={**HUND_FORM, "title": "Hund oder Katze"})
    assert changed.version == 2 and hund_form.version == 1


def test_command_publishes_json(tmp_path: Path, tenant: Any, hund_service: Any) -> None:
    path = tmp_path / "hund.json"
    path.write_text(json.dumps(HUND_FORM), encoding="utf-8")
    out = StringIO()
    call_command("form_publish", tenant.slug, hund_service.slug, str(path), stdout=out)
    assert "Version 1" in out.getvalue()
    assert FormVersion.objects.for_tenant(tenant).filter(service=hund_service).count() == 1


def test_command_refuses_a_broken_definition_and_publishes_nothing(
    tmp_path: Path, tenant: Any, hund_service: Any
) -> None:
    broken = {**HUND_FORM, "steps": [{"id": "x", "title": "X", "groups": [{"id": "g", "title": "G", "fields": [
        {"id": "f", "label": "F", "type": "rakete"}]}]}]}  # fmt: skip
    path = tmp_path / "kaputt.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(CommandError, match="ungültig"):
        call_command("form_publish", tenant.slug, hund_service.slug, str(path), stderr=StringIO())
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_command_imports_xdatenfelder(tmp_path: Path, tenant: Any, hund_service: Any) -> None:
    from rathaus.formengine.tests.test_xdatenfelder import V2

    path = tmp_path / "schema.xml"
    path.write_bytes(V2)
    out, err = StringIO(), StringIO()
    call_command("form_publish", tenant.slug, hund_service.slug, str(path), "--check", stdout=out, stderr=err)
    assert "gültig" in out.getvalue() and "Codeliste fehlt: urn:fim:unbekannt:F60000229" in err.getvalue()
    # Its select names a code list nobody has: the schema is read, but not published.
    with pytest.raises(CommandError, match="Es fehlen noch Codelisten"):
        call_command("form_publish", tenant.slug, hund_service.slug, str(path), stdout=StringIO(), stderr=StringIO())
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_command_does_not_reach_another_municipality(tmp_path: Path, other_tenant: Any, hund_service: Any) -> None:
    path = tmp_path / "hund.json"
    path.write_text(json.dumps(HUND_FORM), encoding="utf-8")
    with pytest.raises(CommandError, match="keine Leistung"):
        call_command("form_publish", other_tenant.slug, hund_service.slug, str(path))


def _staff_client(tenant: Any, role: str) -> Any:
    from django.test import Client

    from rathaus.identity.tests.factories import StaffFactory, login_staff

    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, email=f"{role}@alpha.example", roles=[role]))
    return client


def test_digitalisation_unit_publishes_a_form_in_the_internal_area(tenant: Any, hund_service: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _staff_client(tenant, "digitalisation")
    upload = SimpleUploadedFile("hund.json", json.dumps(HUND_FORM).encode(), content_type="application/json")
    response = client.post("/intern/formulare/", {"service": hund_service.slug, "file": upload})
    assert response.status_code == 302 and not FormVersion.objects.for_tenant(tenant).exists()  # review first
    client.post(response["Location"] + "veroeffentlichen/")
    page = client.get("/intern/formulare/").content.decode()
    assert "Hund anmelden" in page and "Version 1" in page
    download = client.get(f"/intern/formulare/{hund_service.slug}.json")
    assert json.loads(download.content)["id"] == HUND_FORM["id"]


def test_broken_upload_lists_the_problems_and_publishes_nothing(tenant: Any, hund_service: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _staff_client(tenant, "tenant_admin")
    broken = {**HUND_FORM, "fees": [{"label": "X", "amount": "viel"}]}
    upload = SimpleUploadedFile("kaputt.json", json.dumps(broken).encode())
    response = client.post("/intern/formulare/", {"service": hund_service.slug, "file": upload})
    review = client.get(response["Location"]).content.decode()
    assert "nicht veröffentlicht werden" in review and "fees" in review
    refused = client.post(response["Location"] + "veroeffentlichen/", follow=True).content.decode()
    assert "Nicht veröffentlicht" in refused
    garbage = SimpleUploadedFile("x.json", b"\xff\xfe kein json")
    response = client.post("/intern/formulare/", {"service": hund_service.slug, "file": garbage})
    assert response.status_code == 422 and "weder JSON noch XDatenfelder" in response.content.decode()
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_caseworkers_may_not_publish_forms(tenant: Any, hund_service: Any) -> None:
    client = _staff_client(tenant, "caseworker")
    assert client.get("/intern/formulare/").status_code == 403
