"""The JSON API (django-ninja, OpenAPI 3). Every error is an RFC 9457 problem-details document."""

from __future__ import annotations

import structlog
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rathaus.applications.api import router as applications_router
from rathaus.catalog.api import router as catalog_router
from rathaus.core.errors import DomainError, problem
from rathaus.core.validation import german_errors
from rathaus.payments.api import router as payments_router

log = structlog.get_logger("rathaus.api")

api = NinjaAPI(
    title="Rathaus API",
    version="1",
    description="Programmierschnittstelle des digitalen Rathauses. Fehler als RFC 9457 Problem Details.",
    urls_namespace="api",
    docs_url=None,
)


def _problem(
    request: HttpRequest, status: int, code: str, title: str, detail: str = "", **extra: object
) -> HttpResponse:
    response = api.create_response(request, problem(status, code, title, detail, **extra), status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {"errors": exc.errors} if exc.errors else {}
    return _problem(request, exc.status, exc.code, str(exc.title), str(exc.detail), **extra)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _problem(
        request, 422, "validation-failed", "Die Eingaben sind nicht gültig", errors=german_errors(exc.errors)
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _problem(request, 401, "unauthenticated", "Anmeldung erforderlich")


# django-ninja's own messages are English; the citizen-facing API answers in German.
_HTTP_TITLES = {
    400: "Die Anfrage konnte nicht gelesen werden",
    401: "Anmeldung erforderlich",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    413: "Die Anfrage ist zu groß",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    title = _HTTP_TITLES.get(exc.status_code, str(exc.message))
    return _problem(request, exc.status_code, "http-error", title)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(UnreadablePostError)
@api.exception_handler(SuspiciousOperation)
def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django cannot parse (broken multipart, oversized, cut off): the client's fault, never a 500."""
    if isinstance(exc, RequestDataTooBig):
        return _problem(request, 413, "too-large", _HTTP_TITLES[413])
    return _problem(request, 400, "bad-request", _HTTP_TITLES[400])


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem(request, 404, "not-found", "Nicht gefunden")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("api_error", path=request.path)
    return _problem(request, 500, "internal-error", "Interner Fehler", "Bitte versuchen Sie es später erneut.")


api.add_router("/catalog/", catalog_router)
api.add_router("/applications/", applications_router)
api.add_router("/payments/", payments_router)
