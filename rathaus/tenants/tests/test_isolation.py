"""Tenant isolation: every URL pattern and every API endpoint, walked as users of municipality A (anonymous,
citizen, staff with every role), with municipality B's real identifiers in every parameter, never shows or
changes anything of B.

The world (``world.py``) is complete in both towns: forwarded and paid applications, applications waiting for
their fee, messages with files both ways, payments paid, open and pending, drafts with files. Both towns hand
out the same application numbers, so a number in a path reaches A's own application of that number; B has one
number more, which exists only there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from rathaus.applications import form_review
from rathaus.applications.fim_models import CodeList
from rathaus.catalog.models import Service
from rathaus.identity.services import verification_token
from rathaus.identity.tests.factories import PASSWORD, login_citizen, login_staff
from rathaus.identity.trust import SESSION_KEY as TRUST_SESSION_KEY
from rathaus.records.models import Case, CaseFile, Decision, DisposalRun, Document
from rathaus.records.models_templates import DocumentTemplate

from .world import MARKER, build_town, changes, owned_rows, owned_tables, owner_lookup, pdf_with, readable

# Parameters that name no data of a municipality; everything else must get a real identifier of B.
HARMLESS = {"url": "unbekannt", "app_label": "catalog"}
# Walked last, after the check that every session survived the rest of the walk.
LOGOUT_ROUTES = ("intern/abmelden/", "konto/abmelden/")  # the admin's logout is for operators only
# Bodies that would act if the object were found: pay, correct a payment, write a message, change a status.
FORM_BODIES: tuple[dict[str, str], ...] = (
    {},
    {"status": "paid", "note": "Rundgang", "action": "paid", "body": "Nachricht vom Rundgang"},
    {"_action": "status", "status": "closed", "note": "Rundgang"},
)
PARAMETER = re.compile(r"\(\?P<(?P<group>\w+)>[^)]*\)|<(?:\w+:)?(?P<converter>\w+)>|\{(?P<api>\w+)\}")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def all_routes() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def parameters(route: str) -> list[str]:
    """The parameter names of a URL pattern (converters and regex groups) or an OpenAPI path."""
    return [m["group"] or m["converter"] or m["api"] for m in PARAMETER.finditer(route)]


@pytest.fixture
def world(tenant: Any, other_tenant: Any, fake_scanner: Any) -> dict[str, Any]:
    """Two municipalities with a full set of data; everything of B carries the marker; B has one number more."""
    towns = {
        "alpha": build_town(tenant, "alpha"),
        MARKER: build_town(other_tenant, MARKER, extra_application=True),
    }
    b = towns[MARKER]
    case = Case.objects.for_tenant(other_tenant).order_by("pk").first()
    assert case is not None
    Decision.objects.create(
        tenant=other_tenant, case=case, reference=f"{case.reference}-B1", title=MARKER, body=MARKER,
        remedy_notice=MARKER, author=b["staff"],
    )  # fmt: skip
    # An Aussonderung run of B (its pages name it by uuid).
    DisposalRun.objects.create(tenant=other_tenant, created_by=b["staff"], cutoff=case.opened_at.date())
    # A document template of B (the records administration's pages name it by id).
    DocumentTemplate.objects.create(tenant=other_tenant, title=MARKER, body=MARKER)
    # A form import waiting for review and a code list of B (the internal forms pages name them by uuid).
    b["form_import"] = form_review.import_form(
        service=b["service"], uploads=[("b.json", json.dumps({**b["form"].definition, "title": MARKER}).encode())],
        actor=b["staff"],
    )  # fmt: skip
    b["codelist"] = CodeList.objects.create(
        tenant=other_tenant, canonical_uri=f"urn:{MARKER}:liste", version="1", name=MARKER,
        entries=[["01", MARKER]], sha256="0" * 64,
    )  # fmt: skip
    return towns


def _identifiers(route: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[tuple[str, bool]]]:
    """B's real values for every parameter name, each with whether it exists only in B (not also in A)."""
    only_b = [
        ("slug", b["service"].slug), ("slug", b["situation"].slug), ("provider", b["provider"].slug),
        ("token", verification_token(b["citizen"])), ("draft_uuid", str(b["draft"].uuid)),
        # The staff area names a security key by pk, the operators' admin a TOTP device.
        ("pk", str((b["key"] if route.startswith("intern/") else b["totp"]).pk)),
    ]  # fmt: skip
    if "object_id" in parameters(route):
        only_b.append(("object_id", _admin_object_id(route, b)))
    only_b += [("uuid", str(p.uuid)) for p in b["payments"]]
    # The E-Akte: B's forwarded application is filed as a case with documents (records.consumers).
    only_b += [("case_uuid", str(u)) for u in Case.objects.for_tenant(b["tenant"]).values_list("uuid", flat=True)]
    documents = Document.objects.for_tenant(b["tenant"]).order_by("pk").values_list("uuid", flat=True)[:2]
    only_b += [
        ("decision_uuid", str(u)) for u in Decision.objects.for_tenant(b["tenant"]).values_list("uuid", flat=True)
    ]
    only_b += [("document_uuid", str(u)) for u in documents]
    only_b += [("import_uuid", str(b["form_import"].uuid)), ("codelist_uuid", str(b["codelist"].uuid))]
    only_b += [("run_uuid", str(u)) for u in DisposalRun.objects.for_tenant(b["tenant"]).values_list("uuid", flat=True)]
    # Steering: B's process, project (A's citizen is invited to A's project only) and board decision.
    only_b += [("process_uuid", str(b["process"].uuid)), ("project_uuid", str(b["project"].uuid))]
    only_b.append(("resolution_uuid", str(b["resolution"].uuid)))
    only_b.append(("report_uuid", str(b["report"].uuid)))
    only_b += [("file_uuid", str(u)) for u in CaseFile.objects.for_tenant(b["tenant"]).values_list("uuid", flat=True)]
    templates = DocumentTemplate.objects.for_tenant(b["tenant"]).values_list("pk", flat=True)
    only_b += [("template_id", str(pk)) for pk in templates]
    values: dict[str, list[tuple[str, bool]]] = {}
    for name, value in only_b:
        values.setdefault(name, []).append((value, True))
    values["sha256"] = [(sha, sha not in a["sha256s"]) for sha in b["sha256s"]]
    values["number"] = [(n, n not in a["numbers"]) for n in b["numbers"]]
    # Ids of B's form: the step and file field names are the same in A's form, so they are not B's alone.
    values["step_id"] = [(str(step["id"]), False) for step in b["form"].definition["steps"]]
    values["path"] = [("hunde.nachweis.datei", False)]
    values["version"] = [("1", False)]
    values["key"] = [("ausblick", False)]  # a section of the steering report: every report has it
    values["year"] = [(str(timezone.localdate().year), False)]  # open data of a year: every town has one
    values["content_type_id"] = [(str(ContentType.objects.get_for_model(Service).pk), False)]
    values.update({name: [(value, False)] for name, value in HARMLESS.items()})
    return values


def _admin_object_id(route: str, b: dict[str, Any]) -> str:
    """B's row of the admin page's model (B's service for the generic redirect, B's citizen for global models)."""
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if match and match[1] != "r":
        model = apps.get_model(match[1], match[2])
        lookup = owner_lookup(model)
        if lookup is not None:
            pk = model._base_manager.filter(**{lookup: b["tenant"].pk}).order_by("pk").values_list("pk", flat=True)
            assert pk, f"{route}: B has no {model._meta.label} to put in it"
            return str(pk[0])
        return str(b["citizen"].pk)
    return str(b["service"].pk)


def concrete_paths(route: str, a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, bool]]:
    """Every combination of B's values for the route's parameters: (path, whether it names something only B has)."""
    values = _identifiers(route, a, b)
    missing = set(parameters(route)) - set(values)
    assert not missing, f"{route}: no value of B for {sorted(missing)}; add one to _identifiers or HARMLESS"
    return [("/" + re.sub(r"\^|\$|\\Z|\\", "", path).lstrip("/"), only) for path, only in _fill(route, values)]


def _fill(route: str, values: dict[str, list[tuple[str, bool]]]) -> list[tuple[str, bool]]:
    match = PARAMETER.search(route)
    if match is None:
        return [(route, False)]
    head, name = route[: match.start()], match["group"] or match["converter"] or match["api"]
    rest = _fill(route[match.end() :], values)
    return [(head + value + tail, only or tail_only) for value, only in values[name] for tail, tail_only in rest]


def _login(who: str, client: Client, a: dict[str, Any]) -> None:
    if who == "citizen":
        login_citizen(client, a["citizen"], level="high")
    elif who == "staff":
        login_staff(client, a["staff"])


def _clients(a: dict[str, Any]) -> dict[str, Client]:
    clients = {who: Client(HTTP_HOST=f"{a['tenant'].slug}.testserver") for who in ("anonymous", "citizen", "staff")}
    for who, client in clients.items():
        _login(who, client, a)
    return clients


def _session(client: Client) -> tuple[Any, ...]:
    """Who the session belongs to, at which trust level, with which second factor."""
    session = client.session
    return session.get("_auth_user_id"), session.get(TRUST_SESSION_KEY), session.get(DEVICE_ID_SESSION_KEY)


HOME = {"citizen": "/konto/", "staff": "/intern/"}


def _assert_still_logged_in(clients: dict[str, Client], a: dict[str, Any]) -> None:
    """After the walk every logged-in client still reaches its home page: the walk really ran logged in."""
    for who, home in HOME.items():
        response = clients[who].get(home)
        assert response.status_code == 200, f"{who} lost the session during the walk ({home}: {response.status_code})"
        assert clients[who].session["_auth_user_id"] == str(a[who].pk)


def _refused_before_reading(response: Any) -> bool:
    """Refused for the method, the path names nothing here, or sent to a login page: all decided before the
    view reads the body (no view here looks its object up by a body field), so a filled body changes nothing."""
    location = response.get("Location", "")
    return response.status_code in (404, 405) or "/anmelden/" in location or "/admin/login/" in location


def _visible(response: Any) -> bytes:
    """The body as the recipient sees it; for a PDF (receipts are compressed) also its text and metadata."""
    return readable(b"".join(response.streaming_content) if response.streaming else response.content).lower()


def _assert_clean(response: Any, what: str, path: str = "") -> None:
    body = _visible(response)
    # A page may echo its own address (language switch, login "next"): that is not B's data.
    for echo in {path, quote(path), quote(path, safe="")}:
        if echo:
            body = body.replace(echo.lower().encode(), b"")
    assert MARKER.encode() not in body, f"{what}: shows data of municipality B"
    assert response.status_code < 500, f"{what}: server error {response.status_code}"


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class Walk:
    """Sends the walk's requests and checks every answer: nothing of B shown, nothing of B changed.

    B's rows (every table that holds a municipality's rows, and the bytes of B's files) are snapshotted
    before the walk and compared after every request that wrote to one of those tables, GETs included
    (reading a thread marks it read). A request that wrote to none of them cannot have changed B's rows.
    """

    def __init__(self, b: dict[str, Any]) -> None:
        self.tenant = b["tenant"]
        self.before = owned_rows(self.tenant)
        self.tables = owned_tables()
        self.requests = 0
        self.compared = 0

    def check(self, what: str, path: str, only_b: bool, send: Any, *args: Any, **kwargs: Any) -> Any:
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks(execute=True):
            response = send(*args, **kwargs)  # with the on-commit work it causes (signals, mails)
        self.requests += 1
        _assert_clean(response, what, path)
        if only_b:
            assert not 200 <= response.status_code < 300, f"{what}: {response.status_code} for an id only B has"
        written = {m[1] for q in queries.captured_queries if (m := WRITE.match(q["sql"]))}
        if written & self.tables:
            self.compared += 1
            self.assert_b_unchanged(what)
        return response

    def assert_b_unchanged(self, what: str) -> None:
        after = owned_rows(self.tenant)
        assert after == self.before, f"{what}: changed data of municipality B: {changes(self.before, after)}"


def test_every_route_parameter_gets_a_real_value_of_the_other_municipality(world: dict[str, Any]) -> None:
    """A new route (or API path) with a parameter nobody filled would be walked with junk: name it here first."""
    a, b = world["alpha"], world[MARKER]
    schema = Client(HTTP_HOST=f"{a['tenant'].slug}.testserver").get("/api/v1/openapi.json").json()
    routes = all_routes() + list(schema["paths"])
    names = {name for route in routes for name in parameters(route)}
    assert {"number", "uuid", "draft_uuid", "sha256", "step_id", "slug"} <= names
    for route in routes:
        values = _identifiers(route, a, b)
        for name in parameters(route):
            assert values.get(name), f"{route}: no value of B for {name!r}; add one to _identifiers"
            placeholders = {value for value, _only_b in values[name]} & {*HARMLESS.values(), MARKER, ""}
            assert name in HARMLESS or not placeholders, f"{route}: {name!r} filled with a placeholder"
        for path, _only_b in concrete_paths(route, a, b):
            assert not PARAMETER.search(path), f"{route} left a parameter in {path}"
    assert set(HARMLESS) <= names, "a harmless parameter is gone: drop it from HARMLESS"


def test_every_url_pattern_hides_other_municipality(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    routes = all_routes()
    assert len(routes) > 15, routes  # the walk really found the URL conf
    assert set(LOGOUT_ROUTES) <= set(routes), "a logout route moved: update LOGOUT_ROUTES"
    walk = Walk(b)
    clients = _clients(a)
    query = {"t": b["token"]}  # the signed token of B's payment without payer account (read by /zahlung/ pages)
    for who, client in clients.items():
        session = _session(client)
        for route in [r for r in routes if r not in LOGOUT_ROUTES]:
            for path, only_b in concrete_paths(route, a, b):
                walk.check(f"{who} GET {path}", path, only_b, client.get, path, query)
                assert _session(client) == session, f"{who} GET {path} ended or changed the session"
                for body in FORM_BODIES:
                    response = walk.check(
                        f"{who} POST {path} {body}", path, only_b, client.post, path, {**query, **body}
                    )
                    assert _session(client) == session, f"{who} POST {path} {body} ended or changed the session"
                    if _refused_before_reading(response):
                        break  # the other bodies would be refused at the same door
    _assert_still_logged_in(clients, a)
    for who, client in clients.items():
        for route in LOGOUT_ROUTES:  # logged in again after each, so every one is walked with a session
            walk.check(f"{who} POST /{route}", f"/{route}", False, client.post, f"/{route}")
            if who != "anonymous":  # listed here, so spared the session check above: it must really log out
                assert _session(client)[0] is None, f"/{route} is not a logout"
            _login(who, client, a)
    walk.assert_b_unchanged("the walk")
    assert walk.requests > 1000 and walk.compared > 10, (walk.requests, walk.compared)


def _api_requests(
    client: Client, method: str, path: str, operation: dict[str, Any], a: dict[str, Any], b: dict[str, Any]
) -> list[tuple[Any, tuple[Any, ...]]]:
    """(send, arguments): a read as it is; a JSON body empty and filled (with B's ids); an upload with a file."""
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        upload = SimpleUploadedFile("rundgang.pdf", pdf_with("Rundgang"), content_type="application/pdf")
        return [(client.post, (path, {"file": upload}))]
    if "application/json" not in content:
        return [(client.generic, (method, path))]
    filled = {
        "body": "Nachricht vom Rundgang",
        "service": b["service"].slug,
        "answers": {"person": {"vorname": "Rundgang", "nachname": "Rundgang"}},
        # A catalogue import that matched services by LeiKa key across municipalities would rewrite B's.
        "services": [{"leika_key": b["service"].leika_key, "slug": "rundgang", "name": "Rundgang",
                      "short_description": "Rundgang", "org_unit": a["unit"].key}],
    }  # fmt: skip
    return [(client.generic, (method, path, body, "application/json")) for body in ("{}", json.dumps(filled))]


def test_every_api_endpoint_hides_other_municipality(world: dict[str, Any]) -> None:
    a, b = world["alpha"], world[MARKER]
    clients = _clients(a)
    schema = clients["anonymous"].get("/api/v1/openapi.json").json()
    assert schema["paths"], "no API paths found"
    walk = Walk(b)
    for path, operations in schema["paths"].items():
        for concrete, only_b in concrete_paths(path, a, b):
            for method, operation in operations.items():
                for who, client in clients.items():
                    session = _session(client)
                    for send, args in _api_requests(client, method.upper(), concrete, operation, a, b):
                        what = f"{who} {method.upper()} {concrete} {args[2:]}"
                        walk.check(what, concrete, only_b, send, *args)
                        assert _session(client) == session, f"{what} ended or changed the session"
    _assert_still_logged_in(clients, a)
    walk.assert_b_unchanged("the API walk")
    assert walk.requests > 50 and walk.compared > 0, (walk.requests, walk.compared)
    listing = clients["anonymous"].get("/api/v1/catalog/services?limit=100").json()
    assert MARKER not in str(listing).lower() and a["service"].slug in [item["slug"] for item in listing["items"]]
    assert MARKER not in str(clients["anonymous"].get(f"/api/v1/catalog/services?q={MARKER}wort").json()).lower()


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
    client = Client(HTTP_HOST="alpha.testserver")
    response = client.post("/konto/anmelden/", {"username": f"buerger@{MARKER}.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "nicht richtig" in response.content.decode()
    assert "_auth_user_id" not in client.session
