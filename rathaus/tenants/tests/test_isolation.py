"""Tenant isolation: every URL pattern and every API endpoint, walked as users of municipality A,
with municipality B's identifiers filled in, never shows anything of B."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from rathaus.core.testing import (
    CitizenFactory,
    FeeFactory,
    IdentityProviderFactory,
    LifeSituationFactory,
    OrgUnitFactory,
    ServiceFactory,
    StaffFactory,
    login_citizen,
    login_staff,
)
from rathaus.identity.models import StaffRole
from rathaus.identity.services import verification_token

MARKER = "betageheim"
ALL_ROLES = [r.value for r in StaffRole.Role]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def all_routes() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


@pytest.fixture
def world(tenant: Any, other_tenant: Any) -> dict[str, Any]:
    """Two municipalities with a full set of data; everything of B carries the marker."""
    data: dict[str, Any] = {}
    for t, tag in ((tenant, "alpha"), (other_tenant, MARKER)):
        unit = OrgUnitFactory(tenant=t, key=f"FB-{tag}", name=f"Fachbereich {tag}")
        situation = LifeSituationFactory(tenant=t, slug=f"{tag}-lage", name=f"Lebenslage {tag}")
        service = ServiceFactory(
            tenant=t, org_unit=unit, slug=f"{tag}-dienst", name=f"Dienst {tag}", short_description=f"Kurz {tag}",
            keywords=[f"{tag}wort"], trust_level="none",
        )  # fmt: skip
        service.life_situations.add(situation)
        FeeFactory(service=service, label=f"Gebühr {tag}")
        provider = IdentityProviderFactory(tenant=t, slug=f"{tag}-idp", name=f"Konto {tag}")
        citizen = CitizenFactory(tenant=t, email=f"buerger@{tag}.example", last_name=tag)
        staff = StaffFactory(tenant=t, email=f"amt@{tag}.example", last_name=tag, roles=ALL_ROLES)
        data[tag] = {
            "tenant": t, "unit": unit, "situation": situation, "service": service, "provider": provider,
            "citizen": citizen, "staff": staff, **_applications_of(t, tag, service, citizen),
        }  # fmt: skip
    return data


def _applications_of(tenant: Any, tag: str, service: Any, citizen: Any) -> dict[str, Any]:
    """A published form, an open draft, a submitted application with a file and a message, and a payment."""
    import hashlib
    from decimal import Decimal

    from rathaus.applications import services as applications
    from rathaus.applications.models import Draft
    from rathaus.applications.tests.conftest import HUND_FORM
    from rathaus.attachments import storage
    from rathaus.payments import services as payments

    form = applications.publish_form(service=service, definition=HUND_FORM)
    content = f"%PDF-1.4 Nachweis {tag}".encode()
    sha = hashlib.sha256(content).hexdigest()
    ref = {"key": storage.store(content, sha), "name": f"{tag}.pdf", "sha256": sha, "size": len(content),
           "content_type": "application/pdf"}  # fmt: skip
    answers = {
        "halter": {"person": {"vorname": tag, "nachname": tag}},
        "hunde": {"hund": [{"name": f"Hund {tag}"}], "nachweis": {"datei": ref}},
    }
    submitted = Draft.objects.create(
        tenant=tenant, owner=citizen, form_version=form, answers=answers, files={"hunde.nachweis.datei": ref}
    )
    application = applications.submit(draft_uuid=submitted.uuid, tenant=tenant, actor=citizen, trust_level="high")
    applications.send_message(application=application, sender=citizen, body=f"Frage von {tag}", from_office=False)
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=answers, step="halter")
    payment = payments.start_payment(
        tenant=tenant, reference=application.number, purpose=f"Gebühr {tag}", amount=Decimal("96.00"), lines=[],
        payer=citizen, return_url="/antraege/",
    )  # fmt: skip
    return {"application": application, "draft": draft, "payment": payment, "sha256": sha}


def _values_for(route: str, b: dict[str, Any]) -> list[str]:
    """Concrete paths for a route, with B's identifiers in every parameter."""
    candidates = {
        "slug": [b["service"].slug, b["situation"].slug],
        "provider": [b["provider"].slug],
        "token": [verification_token(b["citizen"])],
        "object_id": [str(b["service"].pk), str(b["citizen"].pk), str(b["unit"].pk), str(b["provider"].pk)],
        "app_label": ["catalog", "identity", "tenants"],
        "number": [b["application"].number],
        "draft_uuid": [str(b["draft"].uuid)],
        "uuid": [str(b["payment"].uuid)],
        "sha256": [b["sha256"]],
        "step_id": ["halter"],
        "path": ["hunde.nachweis.datei"],
    }
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    paths = [route]
    for name in params:
        values = candidates.get(name, [MARKER])
        paths = [re.sub(r"<(?:\w+:)?" + name + ">", v, p, count=1) for p in paths for v in values]
    out = []
    for p in paths:
        if p.startswith("^") or "(?P" in p:  # regex routes (admin): fill the groups with B's ids
            p = re.sub(r"\(\?P<object_id>[^)]*\)", str(b["service"].pk), p)
            p = re.sub(r"\(\?P<app_label>[^)]*\)", "catalog", p)
            p = re.sub(r"\(\?P<\w+>[^)]*\)", MARKER, p)
            p = p.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        out.append("/" + p.lstrip("/"))
    return out


def _clients(a: dict[str, Any]) -> dict[str, Client]:
    host = {"HTTP_HOST": f"{a['tenant'].slug}.testserver"}
    anonymous = Client(**host)
    citizen = Client(**host)
    login_citizen(citizen, a["citizen"], level="high")
    staff = Client(**host)
    login_staff(staff, a["staff"])
    return {"anonymous": anonymous, "citizen": citizen, "staff": staff}


def _assert_clean(response: Any, what: str, path: str = "") -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    body = body.lower()
    # A page may echo its own address (language switch, login "next"): that is not B's data.
    for echo in {path, quote(path), quote(path, safe="")}:
        if echo:
            body = body.replace(echo.lower().encode(), b"")
    assert MARKER.encode() not in body, f"{what}: shows data of municipality B"
    assert response.status_code < 500, f"{what}: server error {response.status_code}"


def test_every_url_pattern_hides_other_municipality(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    routes = all_routes()
    assert len(routes) > 15, routes  # the walk really found the URL conf
    checked = 0
    for who, client in _clients(a).items():
        for route in routes:
            for path in _values_for(route, b):
                for method in ("get", "post"):
                    response = getattr(client, method)(path)
                    _assert_clean(response, f"{who} {method.upper()} {path}", path)
                    checked += 1
    assert checked > 100


def test_other_municipality_objects_are_not_found(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    client = _clients(a)["citizen"]
    assert client.get(f"/leistungen/{b['service'].slug}/").status_code == 404
    assert client.get(f"/lebenslagen/{b['situation'].slug}/").status_code == 404
    assert client.get(f"/konto/anmelden/{b['provider'].slug}/").status_code == 404
    assert client.get(f"/api/v1/catalog/services/{b['service'].slug}").status_code == 404
    # The same paths with A's own identifiers work: the 404s above are about tenancy, not routing.
    assert client.get(f"/leistungen/{a['service'].slug}/").status_code == 200
    assert client.get(f"/lebenslagen/{a['situation'].slug}/").status_code == 200
    assert client.get(f"/api/v1/catalog/services/{a['service'].slug}").status_code == 200


def test_verification_link_of_other_municipality_is_refused(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    b["citizen"].email_verified_at = None
    b["citizen"].save()
    client = _clients(a)["anonymous"]
    response = client.get(f"/konto/bestaetigen/{verification_token(b['citizen'])}/")
    assert response.status_code == 400
    b["citizen"].refresh_from_db()
    assert b["citizen"].email_verified_at is None


def test_every_api_endpoint_hides_other_municipality(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    clients = _clients(a)
    schema = clients["anonymous"].get("/api/v1/openapi.json").json()
    assert schema["paths"], "no API paths found"
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{slug\}", b["service"].slug, path)
        concrete = re.sub(r"\{\w+\}", MARKER, concrete)
        for method in operations:
            for who, client in clients.items():
                response = client.generic(method.upper(), concrete, data=b"{}", content_type="application/json")
                _assert_clean(response, f"{who} {method.upper()} {concrete}", concrete)
    listing = clients["anonymous"].get("/api/v1/catalog/services?limit=100").json()
    assert [item["slug"] for item in listing["items"]] == [a["service"].slug]
    assert MARKER not in str(clients["anonymous"].get(f"/api/v1/catalog/services?q={MARKER}wort").json()).lower()


def test_catalog_export_contains_only_own_municipality(world: dict[str, Any]) -> None:
    staff = _clients(world["alpha"])["staff"]
    for path in ("/intern/leistungen/export.json", "/intern/leistungen/export.csv", "/api/v1/catalog/export"):
        response = staff.get(path)
        assert response.status_code == 200, path
        assert b"alpha-dienst" in response.content
        assert MARKER.encode() not in response.content.lower()


def test_session_of_one_municipality_is_not_valid_in_another(world: dict[str, Any]) -> None:
    a = world["alpha"]
    client = _clients(a)["citizen"]
    assert client.get("/konto/").status_code == 200
    client.defaults["HTTP_HOST"] = f"{world[MARKER]['tenant'].slug}.testserver"
    response = client.get("/konto/")
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


def test_staff_session_of_one_municipality_is_not_valid_in_another(world: dict[str, Any]) -> None:
    client = _clients(world["alpha"])["staff"]
    assert client.get("/intern/").status_code == 200
    client.defaults["HTTP_HOST"] = f"{world[MARKER]['tenant'].slug}.testserver"
    response = client.get("/intern/")
    assert response.status_code == 302 and "/intern/anmelden/" in response["Location"]


def test_password_login_only_finds_accounts_of_this_municipality(world: dict[str, Any]) -> None:
    from rathaus.core.testing import PASSWORD

    client = Client(HTTP_HOST="alpha.testserver")
    response = client.post("/konto/anmelden/", {"username": f"buerger@{MARKER}.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "nicht richtig" in response.content.decode()
    assert "_auth_user_id" not in client.session
