"""Structured request log (structlog), one line per request, without personal data."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import problem

log = structlog.get_logger("rathaus.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        started = time.perf_counter()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        response["X-Request-ID"] = request_id
        if response.status_code >= 500:
            tenant = getattr(request, "tenant", None)
            log.error(
                "request_failed",
                method=request.method,
                path=request.path,
                status=response.status_code,
                tenant=getattr(tenant, "slug", None),
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
        return response


class ApiProblemMiddleware:
    """Every error answer under /api/ is RFC 9457 problem details, also those Django or ninja produce
    before our handlers run (405 Method Not Allowed, 404 for unknown API paths, CSRF failures)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith(("application/problem+json", "application/json"))
        ):
            titles = {403: "Keine Berechtigung", 404: "Nicht gefunden", 405: "Methode nicht erlaubt"}
            title = titles.get(response.status_code, getattr(response, "reason_phrase", "") or "Fehler")
            converted = JsonResponse(
                problem(response.status_code, f"http-{response.status_code}", title),
                status=response.status_code,
                content_type="application/problem+json",
            )
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            return converted
        return response


class RequestSizeLimitMiddleware:
    """Refuse request bodies over ``RATHAUS_MAX_REQUEST_BYTES`` before Django spools them to disk.

    Uploads are checked per file later; this stops a single huge body from filling the disk when no
    reverse proxy limits it (the embedded mode). Answers 413 in German (problem details under /api/).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.RATHAUS_MAX_REQUEST_BYTES:
            title = "Die Anfrage ist zu groß"
            limit = settings.RATHAUS_MAX_REQUEST_BYTES // (1024 * 1024)
            per_file = settings.RATHAUS_MAX_ATTACHMENT_BYTES // (1024 * 1024)
            detail = f"Höchstens {limit} MB je Anfrage; einzelne Dateien höchstens {per_file} MB."
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    problem(413, "too-large", title, detail), status=413, content_type="application/problem+json"
                )
            response = HttpResponse(f"{title}. {detail}", status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"
            return response
        return self.get_response(request)
