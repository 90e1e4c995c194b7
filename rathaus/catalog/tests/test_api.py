"""Catalog API: behaviour, problem details, permissions, and schemathesis against the OpenAPI schema."""

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

from rathaus.catalog.tests.factories import FeeFactory, LifeSituationFactory, ServiceFactory
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff


@pytest.fixture
def catalog(tenant: Any) -> Any:
    situation = LifeSituationFactory(tenant=tenant, slug="umzug", name="Umzug")
    perso = ServiceFactory(tenant=tenant, slug="personalausweis", name="Personalausweis beantragen", keywords=["Perso"])
    wohnsitz = ServiceFactory(tenant=tenant, slug="wohnsitz-anmelden", name="Wohnsitz anmelden", keywords=["Ummeldung"])
    wohnsitz.life_situations.add(situation)
    FeeFactory(service=perso, label="ab 24 Jahre", amount_min="37.00", amount_max="37.00")
    return {"perso": perso, "wohnsitz": wohnsitz}


def test_search_in_plain_words(tclient: Client, catalog: Any) -> None:
    data = tclient.get("/api/v1/catalog/services", {"q": "Perso"}).json()
    assert data["items"][0]["slug"] == "personalausweis"
    assert data["items"][0]["url"] == "http://alpha.testserver/leistungen/personalausweis/"


def test_list_filters_by_life_situation(tclient: Client, catalog: Any) -> None:
    data = tclient.get("/api/v1/catalog/services", {"life_situation": "umzug"}).json()
    assert [i["slug"] for i in data["items"]] == ["wohnsitz-anmelden"] and data["count"] == 1


def test_detail_has_fees(tclient: Client, catalog: Any) -> None:
    data = tclient.get("/api/v1/catalog/services/personalausweis").json()
    assert data["fees"] == [{"label": "ab 24 Jahre", "amount_min": "37.00", "amount_max": "37.00", "legal_basis": ""}]


def test_unknown_service_is_a_problem_document(tclient: Client, catalog: Any) -> None:
    response = tclient.get("/api/v1/catalog/services/gibt-es-nicht")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Nicht gefunden" and body["type"].startswith("https://")


def test_invalid_query_is_a_german_problem_document(tclient: Client, catalog: Any) -> None:
    response = tclient.get("/api/v1/catalog/services", {"limit": "viele"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["message"] == "Muss eine ganze Zahl sein."


def test_export_and_import_need_the_catalog_role(tclient: Client, tenant: Any, catalog: Any) -> None:
    assert tclient.get("/api/v1/catalog/export").status_code == 401
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.CASEWORKER]))
    response = tclient.get("/api/v1/catalog/export")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    assert tclient.get("/api/v1/catalog/export").status_code == 200


def test_api_import_checks_csrf(tenant: Any, catalog: Any) -> None:
    client = Client(HTTP_HOST="alpha.testserver", enforce_csrf_checks=True)
    login_staff(client, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    response = client.post("/api/v1/catalog/import", {"services": []}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_api_import_reports_rows(tclient: Client, tenant: Any, catalog: Any) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    document = tclient.get("/api/v1/catalog/export").json()
    original = document["services"][0]["leika_key"]
    document["services"][0]["leika_key"] = "kaputt"
    response = tclient.post("/api/v1/catalog/import", document, content_type="application/json")
    assert response.status_code == 422, response.json()
    assert response.json()["errors"][0]["row"] == "services[0]", response.json()
    document["services"][0]["leika_key"] = original
    response = tclient.post("/api/v1/catalog/import", document, content_type="application/json")
    assert response.status_code == 200, response.json()


def test_openapi_schema_is_served(tclient: Client, catalog: Any) -> None:
    schema = tclient.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/catalog/services" in schema["paths"]
    # Every error answer is problem details (rathaus/api.py), and the schema says so for every operation.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (path, method, status)
    assert "403" in schema["paths"]["/api/v1/catalog/import"]["post"]["responses"]  # CSRF of a session write
    assert "422" in schema["paths"]["/api/v1/catalog/services/{slug}"]["get"]["responses"]


@pytest.fixture
def api_schema(catalog: Any, wsgi_app: Any) -> Any:
    app = wsgi_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers={"Host": "alpha.testserver"})
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=40, deadline=None)
def test_api_answers_as_its_schema_says(case: Any) -> None:
    case.call_and_validate(headers={"Host": "alpha.testserver"}, checks=CONFORMANCE)


def test_search_count_is_all_hits_and_pages_with_offset(tclient: Client, tenant: Any) -> None:
    unit = ServiceFactory(tenant=tenant, name="Sperrmüll Abholung 00").org_unit
    for n in range(1, 23):
        ServiceFactory(tenant=tenant, org_unit=unit, name=f"Sperrmüll Abholung {n:02d}")
    data = tclient.get("/api/v1/catalog/services", {"q": "Sperrmüll", "limit": 5, "offset": 20}).json()
    assert data["count"] == 23 and len(data["items"]) == 3
    first = tclient.get("/api/v1/catalog/services", {"q": "Sperrmüll", "limit": 5}).json()
    assert len(first["items"]) == 5 and not {i["slug"] for i in first["items"]} & {i["slug"] for i in data["items"]}
