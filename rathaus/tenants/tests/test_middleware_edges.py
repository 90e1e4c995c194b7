"""The tenant middlewares on their own: what reaches the view (tenant, prefix, path) and what is answered 404.

The view is a stand-in that records the request it was handed, so each test sees exactly what the
middleware decided, without the URL configuration in between.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import get_script_prefix, reverse, set_script_prefix

from rathaus.identity.tests.factories import CitizenFactory, UserFactory
from rathaus.tenants.middleware import TenantMiddleware, TenantUserMiddleware
from rathaus.tenants.models import Domain


class RecordingView:
    """Stands in for the rest of the stack: remembers the request and what the URL prefix was during it."""

    def __init__(self) -> None:
        self.request: HttpRequest | None = None
        self.script_prefix: str | None = None
        self.link: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.request = request
        self.script_prefix = get_script_prefix()
        self.link = reverse("portal:search") if getattr(request, "tenant", None) is not None else None
        return HttpResponse("view reached", status=299)


def run(host: str, path: str = "/") -> tuple[HttpResponse, RecordingView]:
    view = RecordingView()
    response = TenantMiddleware(view)(RequestFactory(HTTP_HOST=host).get(path))
    return response, view


@pytest.fixture
def restore_script_prefix() -> Any:
    before = get_script_prefix()
    yield
    set_script_prefix(before)


# --------------------------------------------------------------------------- host names


def test_a_municipality_host_hands_the_municipality_to_the_view_without_prefix(tenant: Any) -> None:
    response, view = run("alpha.testserver", "/suche/")
    assert response.status_code == 299
    assert view.request is not None
    assert view.request.tenant == tenant  # type: ignore[attr-defined]
    assert view.request.tenant_prefix == ""  # type: ignore[attr-defined]
    assert view.request.path_info == "/suche/"
    assert view.link == "/suche/"


def test_domain_and_municipality_are_read_in_one_query(tenant: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        _response, view = run("alpha.testserver")
        assert view.request is not None
        assert view.request.tenant.name == "Stadt Alpha"  # type: ignore[attr-defined]


@pytest.mark.parametrize("host", ["[::1]", "[::1]:8000", "[2001:DB8::5]", "[2001:db8::5]:443"])
def test_ipv6_host_names_are_recognised_with_and_without_port(tenant: Any, host: str) -> None:
    Domain.objects.create(host="[::1]", municipality=tenant)
    Domain.objects.create(host="[2001:db8::5]", municipality=tenant)
    response, view = run(host)
    assert response.status_code == 299
    assert view.request is not None and view.request.tenant == tenant  # type: ignore[attr-defined]


def test_a_municipality_host_serves_its_pages_even_if_it_is_also_a_platform_host(
    tenant: Any, settings: Any, other_tenant: Any
) -> None:
    settings.RATHAUS_PLATFORM_HOSTS = ["alpha.testserver"]
    _response, view = run("alpha.testserver", "/m/beta/suche/")
    assert view.request is not None
    assert view.request.tenant == tenant  # type: ignore[attr-defined]
    assert view.request.path_info == "/m/beta/suche/"


# --------------------------------------------------------------------------- path prefix on platform hosts


def test_prefix_sets_tenant_prefix_path_and_links(tenant: Any, restore_script_prefix: Any) -> None:
    response, view = run("platform.testserver", "/m/alpha/suche/")
    assert response.status_code == 299
    assert view.request is not None
    assert view.request.tenant == tenant  # type: ignore[attr-defined]
    assert view.request.tenant_prefix == "/m/alpha"  # type: ignore[attr-defined]
    assert view.request.path_info == "/suche/"
    assert view.script_prefix == "/m/alpha/"
    assert view.link == "/m/alpha/suche/"
    assert get_script_prefix() == "/"


@pytest.mark.parametrize("sub_path", ["/rathaus/", "/STADT-X/"])
def test_prefix_is_added_below_the_script_prefix_of_a_sub_path_deployment(
    tenant: Any, restore_script_prefix: Any, sub_path: str
) -> None:
    # Only the trailing slash of the deployment's prefix is replaced, whatever its last letter.
    set_script_prefix(sub_path)
    _response, view = run("platform.testserver", "/m/alpha/suche/")
    assert view.script_prefix == f"{sub_path}m/alpha/"
    assert view.link == f"{sub_path}m/alpha/suche/"
    assert get_script_prefix() == sub_path


def test_script_prefix_is_restored_when_the_view_raises(tenant: Any, restore_script_prefix: Any) -> None:
    def failing(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        TenantMiddleware(failing)(RequestFactory(HTTP_HOST="platform.testserver").get("/m/alpha/suche/"))
    assert get_script_prefix() == "/"


def test_prefix_of_an_inactive_municipality_is_not_served(tenant: Any) -> None:
    tenant.is_active = False
    tenant.save()
    response, view = run("platform.testserver", "/m/alpha/suche/")
    assert response.status_code == 404 and view.request is None


def test_prefix_is_not_served_when_path_prefix_tenants_is_off(tenant: Any, settings: Any) -> None:
    settings.RATHAUS_PATH_PREFIX_TENANTS = False
    response, view = run("platform.testserver", "/m/alpha/suche/")
    assert response.status_code == 404 and view.request is None


def test_prefix_on_an_unknown_host_is_not_served(tenant: Any) -> None:
    response, view = run("unbekannt.example", "/m/alpha/suche/")
    assert response.status_code == 404 and view.request is None


def test_unknown_prefix_on_platform_host_is_not_handed_on(tenant: Any) -> None:
    response, view = run("platform.testserver", "/m/gibtesnicht/suche/")
    assert response.status_code == 404 and view.request is None


# --------------------------------------------------------------------------- paths without a municipality


@pytest.mark.parametrize("path", ["/healthz", "/static/kern/kern.css", "/favicon.ico", "/i18n/setlang/"])
def test_platform_paths_reach_the_view_on_any_host_without_a_tenant(db: Any, path: str) -> None:
    response, view = run("irgendwas.example", path)
    assert response.status_code == 299
    assert view.request is not None
    assert view.request.tenant is None  # type: ignore[attr-defined]
    assert view.request.tenant_prefix == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/login/"])
def test_platform_host_serves_its_start_page_and_admin_without_a_tenant(db: Any, path: str) -> None:
    response, view = run("platform.testserver", path)
    assert response.status_code == 299
    assert view.request is not None and view.request.tenant is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/suche/", "/adminx/", "/admin"])
def test_platform_host_answers_404_elsewhere(db: Any, path: str) -> None:
    response, view = run("platform.testserver", path)
    assert response.status_code == 404 and view.request is None


@pytest.mark.parametrize("path", ["/", "/admin/"])
def test_unknown_host_gets_no_start_page_and_no_admin(db: Any, path: str) -> None:
    response, view = run("unbekannt.example", path)
    assert response.status_code == 404 and view.request is None
    assert response["Content-Type"].startswith("text/html")


def test_unknown_host_api_problem_names_the_reason(db: Any) -> None:
    response, view = run("unbekannt.example", "/api/v1/catalog/services")
    assert view.request is None
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    import json

    assert json.loads(response.content) == {
        "type": "https://rathaus.dev/probleme/unknown-host",
        "title": "Unbekannte Adresse",
        "status": 404,
        "detail": "Unter dieser Adresse wird kein Portal angeboten.",
    }


def test_unknown_host_page_is_rendered_for_the_request(db: Any) -> None:
    """The page is rendered with the request: its language switch posts with a CSRF token and comes back here."""
    response, _view = run("unbekannt.example", "/suche/")
    assert response.status_code == 404
    body = response.content.decode()
    assert body.count("<html") == 1
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<input name="next" type="hidden" value="/suche/">' in body


# --------------------------------------------------------------------------- sessions across municipalities


def user_seen(user: Any, tenant: Any) -> Any:
    """The user a view sees after TenantUserMiddleware, for a session of ``user`` on ``tenant``'s host."""
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["user"] = request.user
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = user
    request.tenant = tenant  # type: ignore[attr-defined]
    TenantUserMiddleware(view)(request)
    return seen["user"]


def test_a_citizen_is_logged_in_in_their_own_municipality(tenant: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    seen = user_seen(citizen, tenant)
    assert seen.is_authenticated and seen.pk == citizen.pk


def test_a_citizen_is_anonymous_in_another_municipality(tenant: Any, other_tenant: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    seen = user_seen(citizen, other_tenant)
    assert not seen.is_authenticated


def test_a_citizen_is_anonymous_on_platform_paths(tenant: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    assert not user_seen(citizen, None).is_authenticated


def test_an_operator_is_logged_in_on_the_platform_only(tenant: Any) -> None:
    operator = UserFactory(tenant=None, kind="operator")
    assert user_seen(operator, None).pk == operator.pk
    assert not user_seen(operator, tenant).is_authenticated


def test_anonymous_stays_anonymous(tenant: Any) -> None:
    assert not user_seen(AnonymousUser(), tenant).is_authenticated
    assert not user_seen(AnonymousUser(), None).is_authenticated
