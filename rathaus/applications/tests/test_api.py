"""The applications API: the same rules as the pages, as JSON with problem details."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rathaus.applications.models import Application

from .conftest import pdf_upload

pytestmark = pytest.mark.usefixtures("fake_scanner")


def test_form_schema_is_public_json_schema(tclient: Client, hund_form: Any) -> None:
    data = tclient.get("/api/v1/applications/forms/hund-anmelden").json()
    assert data["version"] == 1 and data["trust_level"] == "low"
    assert data["jsonschema"]["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert tclient.get("/api/v1/applications/forms/gibt-es-nicht").status_code == 404


def test_whole_application_through_the_api(mia: Client, hund_form: Any) -> None:
    draft = mia.post("/api/v1/applications/drafts", {"service": "hund-anmelden"}, content_type="application/json")
    assert draft.status_code == 201, draft.content
    uuid = draft.json()["uuid"]
    assert draft.json()["answers"]["halter"]["person"]["vorname"] == "Mia"  # prefilled

    bad = mia.put(
        f"/api/v1/applications/drafts/{uuid}/steps/halter",
        {"answers": {"person": {"vorname": "Mia", "nachname": ""}}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["halter.person.nachname"]
    ok = mia.put(
        f"/api/v1/applications/drafts/{uuid}/steps/halter",
        {"answers": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["ok"]
    upload = mia.post(f"/api/v1/applications/drafts/{uuid}/files/hunde.nachweis.datei", {"file": pdf_upload()})
    assert upload.status_code == 201, upload.content
    ref = upload.json()
    step = mia.put(
        f"/api/v1/applications/drafts/{uuid}/steps/hunde",
        {"answers": {"hund": [{"name": "Bello"}], "nachweis": {"datei": ref}}},
        content_type="application/json",
    )
    assert step.status_code == 200, step.json()
    first = mia.post(f"/api/v1/applications/drafts/{uuid}/submit")
    again = mia.post(f"/api/v1/applications/drafts/{uuid}/submit")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Application.objects.unscoped().count() == 1
    assert first.json()["fee_total"] == "96.00"
    listed = mia.get("/api/v1/applications/applications").json()
    assert [a["number"] for a in listed] == [first.json()["number"]]


def test_upload_to_a_field_that_does_not_exist_is_404(mia: Client, hund_form: Any) -> None:
    uuid = mia.post(
        "/api/v1/applications/drafts", {"service": "hund-anmelden"}, content_type="application/json"
    ).json()["uuid"]
    response = mia.post(f"/api/v1/applications/drafts/{uuid}/files/halter.person.vorname", {"file": pdf_upload()})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_api_needs_a_citizen_session(tclient: Client, hund_form: Any) -> None:
    response = tclient.post(
        "/api/v1/applications/drafts", {"service": "hund-anmelden"}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["status"] == 401


CSRF_SECRET = "s" * 32
CITIZEN_HEADERS: dict[str, str] = {}
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def citizen_api(mia: Client, hund_form: Any, tenant: Any, citizen: Any, wsgi_app: Any) -> Any:
    """The API schema, called as Mia with a session, a CSRF token, one open draft and one application."""
    from rathaus.applications import services
    from rathaus.applications.models import Draft

    from .test_submission_rules import ANSWERS

    done = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    services.submit(draft_uuid=done.uuid, tenant=tenant, actor=citizen, trust_level="low")
    Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    session = mia.cookies["sessionid"].value
    headers = {"Host": "alpha.testserver", "X-CSRFToken": CSRF_SECRET}
    CITIZEN_HEADERS.clear()
    CITIZEN_HEADERS.update(headers)
    django_app = wsgi_app

    def with_session(environ: dict[str, Any], start_response: Any) -> Any:
        # The WSGI test client drops a hand-set Cookie header, so the session goes in here.
        environ["HTTP_COOKIE"] = f"sessionid={session}; csrftoken={CSRF_SECRET}"
        return django_app(environ, start_response)

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", with_session, headers=headers)
    return schema.include(path_regex="^/api/v1/applications/")


citizen_schema = schemathesis.pytest.from_fixture("citizen_api")


@citizen_schema.parametrize()
@settings(max_examples=15, deadline=None)
def test_applications_api_as_a_logged_in_citizen_answers_as_its_schema_says(case: Any) -> None:
    case.call_and_validate(headers=CITIZEN_HEADERS, checks=CONFORMANCE)
