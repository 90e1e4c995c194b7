"""The JSON API (django-ninja, OpenAPI 3). Every error is an RFC 9457 problem-details document."""

from __future__ import annotations

from typing import Any

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
PROBLEM_JSON = "application/problem+json"

_PROBLEM = {
    "title": "Problem",
    "description": "RFC 9457 Problem Details; »errors« nennt bei ungültigen Eingaben die Felder.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _layer_errors(method: str, operation: dict[str, Any], cookie_schemes: set[str]) -> dict[str, str]:
    """The error answers the API layer gives an operation whatever its handler declares (the exception
    handlers below, ninja's parsing and auth, rathaus.core.middleware): status → description."""
    errors: dict[str, str] = {}
    has_body = "requestBody" in operation
    if has_body:
        errors["400"] = "Der Inhalt der Anfrage ist nicht lesbar"
        errors["413"] = "Die Anfrage ist zu groß"
    if has_body or operation.get("parameters"):
        errors["422"] = "Die Eingaben sind nicht gültig"
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if schemes:
        errors["401"] = "Anmeldung erforderlich"
    if method in _UNSAFE_METHODS and schemes & cookie_schemes:
        errors["403"] = "Keine Berechtigung (auch: CSRF-Prüfung fehlgeschlagen)"
    return errors


class RathausAPI(NinjaAPI):
    """The OpenAPI document says what the handlers below make true: every error answer is problem details,
    and the errors of the API layer itself (unreadable body, invalid input, login, CSRF) are declared."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = _PROBLEM
        cookie_schemes = {
            name for name, scheme in components.get("securitySchemes", {}).items() if scheme.get("in") == "cookie"
        }
        problem_ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status, description in _layer_errors(method, operation, cookie_schemes).items():
                    responses.setdefault(status, {"description": description, "content": {PROBLEM_JSON: problem_ref}})
                for status, response in responses.items():
                    content = response.get("content", {})
                    if str(status)[:1] in "45" and "application/json" in content:
                        response["content"] = {PROBLEM_JSON: content["application/json"]}
        return schema


api = RathausAPI(
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
    response["Content-Type"] = PROBLEM_JSON
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
