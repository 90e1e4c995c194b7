"""Request → municipality, by host name, with a path-prefix fallback (/m/<slug>/) on platform hosts."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import get_script_prefix, set_script_prefix
from django.utils.functional import SimpleLazyObject

from rathaus.core.errors import problem

from .models import Domain, Municipality

_PREFIX = re.compile(r"^/m/(?P<slug>[-a-z0-9]+)(?P<rest>/.*)$")
# Paths that do not belong to a municipality: served on every host.
_PLATFORM_PATHS = ("/healthz", "/static/", "/favicon.ico", "/i18n/")


def _host_of(request: HttpRequest) -> str:
    host = request.get_host().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0]


class TenantMiddleware:
    """Sets ``request.tenant`` (a Municipality or None on platform paths) or answers 404.

    An unknown host gets a neutral 404 that names no municipality, so probing host names reveals nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.tenant_prefix = ""  # type: ignore[attr-defined]
        host = _host_of(request)
        domain = Domain.objects.select_related("municipality").filter(host=host).first()
        if domain is not None and domain.municipality.is_active:
            request.tenant = domain.municipality  # type: ignore[attr-defined]
            return self.get_response(request)

        is_platform_host = host in settings.RATHAUS_PLATFORM_HOSTS
        match = _PREFIX.match(request.path_info)
        if match and is_platform_host and settings.RATHAUS_PATH_PREFIX_TENANTS:
            tenant = Municipality.objects.filter(slug=match["slug"], is_active=True).first()
            if tenant is not None:
                request.tenant = tenant  # type: ignore[attr-defined]
                prefix = f"/m/{tenant.slug}"
                request.tenant_prefix = prefix  # type: ignore[attr-defined]
                request.path_info = match["rest"]
                previous = get_script_prefix()
                set_script_prefix(previous.rstrip("/") + prefix + "/")
                try:
                    return self.get_response(request)
                finally:
                    # The prefix is per thread: the next request on this thread may be for another host.
                    set_script_prefix(previous)

        if request.path_info.startswith(_PLATFORM_PATHS):
            return self.get_response(request)
        if is_platform_host and (request.path_info == "/" or request.path_info.startswith("/admin/")):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            body = problem(
                404, "unknown-host", "Unbekannte Adresse", "Unter dieser Adresse wird kein Portal angeboten."
            )
            return JsonResponse(body, status=404, content_type="application/problem+json")
        return render(request, "tenants/unknown_host.html", status=404)


class TenantUserMiddleware:
    """A session is only valid in the municipality its user belongs to (operators: platform hosts only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        original = request.user
        tenant = request.tenant  # type: ignore[attr-defined]

        def resolve() -> object:
            user = original
            if not user.is_authenticated:
                return user
            user_tenant = getattr(user, "tenant_id", None)
            expected = tenant.pk if tenant is not None else None
            if user_tenant != expected:
                return AnonymousUser()
            return user

        request.user = SimpleLazyObject(resolve)  # type: ignore[assignment]
        return self.get_response(request)
