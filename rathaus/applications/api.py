"""Applications API: form schemas (public), drafts, attachments, submission and messages (the citizen's own).

Authentication is the portal session (CSRF checked on writes); another citizen's draft, application, file
or message is answered with 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.http import Http404
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import SessionAuth

from rathaus.catalog import selectors as catalog
from rathaus.core.errors import TrustLevelTooLow, ValidationFailed
from rathaus.formengine import json_schema
from rathaus.identity import selectors as identity
from rathaus.identity.services import session_trust_level
from rathaus.identity.trust import satisfies
from rathaus.mailbox import selectors as mailbox_selectors
from rathaus.mailbox import services as mailbox
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import Application, Draft

if TYPE_CHECKING:
    from rathaus.identity.models import User

router = Router(tags=["Anträge"])


class CitizenAuth(SessionAuth):
    """A logged-in citizen or business of this municipality (not staff)."""

    def authenticate(self, request: TenantRequest, key: str | None) -> Any:  # type: ignore[override]
        user = super().authenticate(request, key)
        if user is None or getattr(user, "is_employee", False):
            return None
        return user


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None


class FormOut(Schema):
    service: str
    version: int
    trust_level: str
    definition: dict[str, Any]
    jsonschema: dict[str, Any]


class FileRefOut(Schema):
    field: str
    name: str
    sha256: str
    size: int
    content_type: str


class DraftOut(Schema):
    uuid: UUID
    service: str
    form_version: int
    step: str
    answers: dict[str, Any]
    files: list[FileRefOut]
    expires_at: dt.datetime


class StepIn(Schema):
    answers: dict[str, Any] = Field(default_factory=dict, description="{Feldgruppe: {Feld: Wert}} dieses Schritts")


class StepOut(Schema):
    ok: bool
    errors: dict[str, list[str]]
    draft: DraftOut


class StatusEventOut(Schema):
    status: str
    note: str
    at: dt.datetime


class FeeLineOut(Schema):
    label: str
    quantity: int
    unit_amount: str
    amount: str


class ApplicationOut(Schema):
    number: str
    service: str
    status: str
    submitted_at: dt.datetime
    fee_total: Decimal
    fee_lines: list[FeeLineOut]
    payment_state: str
    events: list[StatusEventOut]
    organisation: str | None = Field(None, description="Name der antragstellenden Organisation (Unternehmenskonto)")
    submitted_by: str = Field(..., description="Wer eingereicht hat (bei einer Organisation: die handelnde Person)")


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=5000)


class MessageOut(Schema):
    from_office: bool
    body: str
    created_at: dt.datetime
    attachments: list[dict[str, Any]]
    written_by: str | None = Field(None, description="Wer auf Ihrer Seite geschrieben hat (nicht bei der Verwaltung)")

    @staticmethod
    def resolve_written_by(obj: Any) -> str | None:
        sender = getattr(obj, "sender", None)
        if getattr(obj, "from_office", True) or sender is None:
            return None
        return _name(sender)


class DraftIn(Schema):
    service: str = Field(..., max_length=120, pattern=r"^[-a-z0-9]+$", description="Kurzname der Leistung")


def _me(request: TenantRequest) -> User:
    """The citizen ``CitizenAuth`` authenticated."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _draft_out(draft: Draft) -> dict[str, Any]:
    return {
        "uuid": draft.uuid,
        "service": draft.form_version.service.slug,
        "form_version": draft.form_version.version,
        "step": draft.step,
        "answers": draft.answers,
        "files": [{"field": path, **ref} for path, ref in sorted(draft.files.items())],
        "expires_at": draft.expires_at,
    }


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.email)


def _application_out(application: Application) -> dict[str, Any]:
    return {
        "organisation": application.organisation.name if application.organisation is not None else None,
        "submitted_by": _name(application.applicant),
        "number": application.number,
        "service": application.service.slug,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "fee_total": application.fee_total,
        "fee_lines": application.fee_lines,
        "payment_state": application.payment_state,
        "events": list(application.events.all()),
    }


def _acting(request: TenantRequest) -> identity.Acting:
    """Who acts: the authenticated person, for the organisation their business login named (if any)."""
    return identity.Acting(user=_me(request), organisation_id=identity.acting(request).organisation_id)


def _draft(request: TenantRequest, draft_uuid: UUID) -> Draft:
    draft = selectors.draft_of(request.tenant, _acting(request), draft_uuid)
    if draft is None:
        raise Http404
    if not satisfies(session_trust_level(request), selectors.needed_level(draft.form_version.service)):
        raise TrustLevelTooLow("Ihre Anmeldung reicht für diesen Antrag nicht aus.")
    return draft


def _application(request: TenantRequest, number: str) -> Application:
    application = selectors.application_of(request.tenant, _acting(request), number)
    if application is None:
        raise Http404
    if not satisfies(session_trust_level(request), application.trust_level):
        raise TrustLevelTooLow(
            "Dieser Antrag wurde mit einer sichereren Anmeldung gestellt. Bitte melden Sie sich so an."
        )
    return application


@router.get("/forms/{slug}", response={200: FormOut, 404: ProblemOut}, summary="Formular einer Leistung (JSON Schema)")
def get_form(request: TenantRequest, slug: str) -> dict[str, Any]:
    service = catalog.published_service(request.tenant, slug)
    form_version = selectors.current_form(request.tenant, service) if service else None
    if service is None or form_version is None:
        raise Http404
    return {
        "service": service.slug,
        "version": form_version.version,
        "trust_level": selectors.needed_level(service),
        "definition": form_version.definition,
        "jsonschema": json_schema(form_version.parsed()),
    }


@router.post(
    "/drafts",
    auth=CitizenAuth(),
    response={201: DraftOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Antrag beginnen (oder offenen Entwurf fortsetzen)",
)
def create_draft(request: TenantRequest, payload: DraftIn) -> Status[dict[str, Any]]:
    service = catalog.published_service(request.tenant, payload.service)
    form_version = selectors.current_form(request.tenant, service) if service else None
    if service is None or form_version is None:
        raise Http404
    if not satisfies(session_trust_level(request), selectors.needed_level(service)):
        raise TrustLevelTooLow("Ihre Anmeldung reicht für diesen Antrag nicht aus.")
    acting = _acting(request)
    draft = services.start_draft(
        tenant=request.tenant,
        service=service,
        owner=acting.user,
        form_version=form_version,
        organisation_id=acting.organisation_id,
    )
    return Status(201, _draft_out(draft))


@router.get(
    "/drafts/{draft_uuid}",
    auth=CitizenAuth(),
    response={200: DraftOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut},
    summary="Entwurf lesen",
)
def get_draft(request: TenantRequest, draft_uuid: UUID) -> dict[str, Any]:
    return _draft_out(_draft(request, draft_uuid))


@router.put(
    "/drafts/{draft_uuid}/steps/{step_id}",
    auth=CitizenAuth(),
    response={200: StepOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Einen Schritt speichern (wird immer auf dem Server geprüft)",
)
def put_step(request: TenantRequest, draft_uuid: UUID, step_id: str, payload: StepIn) -> Status[dict[str, Any]]:
    draft = _draft(request, draft_uuid)
    definition = draft.form_version.parsed()
    if step_id not in {s.id for s in definition.steps}:
        raise Http404
    result = services.save_step(draft=draft, step_id=step_id, data=payload.answers)
    if result.errors:
        raise ValidationFailed(
            "Bitte prüfen Sie die markierten Angaben; gespeichert wurde dieser Schritt nicht.",
            errors=[{"field": path, "messages": messages} for path, messages in result.errors.items()],
        )
    return Status(200, {"ok": result.ok, "errors": {}, "draft": _draft_out(draft)})


@router.post(
    "/drafts/{draft_uuid}/files/{path}",
    auth=CitizenAuth(),
    response={201: FileRefOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Datei zu einem Dateifeld hochladen (Typ nach Inhalt, Größe, Virenprüfung)",
)
def upload_file(
    request: TenantRequest,
    draft_uuid: UUID,
    path: str,
    file: UploadedFile = File(...),  # noqa: B008
) -> Status[dict[str, Any]]:
    draft = _draft(request, draft_uuid)
    ref = services.upload_to_draft(draft=draft, path=path, upload=file)
    return Status(201, {"field": path, **ref})


@router.post(
    "/drafts/{draft_uuid}/submit",
    auth=CitizenAuth(),
    response={201: ApplicationOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Antrag verbindlich einreichen (idempotent je Entwurf)",
)
def submit(request: TenantRequest, draft_uuid: UUID) -> Status[dict[str, Any]]:
    acting = _acting(request)
    try:
        _draft(request, draft_uuid)  # trust level of this session still enough for the service
    except Http404:
        # An earlier click may have committed in the meantime: answer with its number.
        done = services.submitted(
            tenant=request.tenant, actor=_me(request), draft_uuid=draft_uuid, organisation_id=acting.organisation_id
        )
        if done is None:
            raise
    application = services.submit(
        draft_uuid=draft_uuid,
        tenant=request.tenant,
        actor=_me(request),
        trust_level=session_trust_level(request),
        organisation_id=acting.organisation_id,
    )
    return Status(201, _application_out(application))


@router.get("/applications", auth=CitizenAuth(), response={200: list[ApplicationOut], 401: ProblemOut})
def list_applications(request: TenantRequest) -> list[dict[str, Any]]:
    """Meine Anträge."""
    qs = selectors.applications_of(request.tenant, _acting(request)).prefetch_related("events")[:200]
    level = session_trust_level(request)  # those submitted at a higher level stay hidden, as on »Meine Anträge«
    return [_application_out(a) for a in qs if satisfies(level, a.trust_level)]


@router.get(
    "/applications/{number}",
    auth=CitizenAuth(),
    response={200: ApplicationOut, 401: ProblemOut, 404: ProblemOut},
    summary="Ein Antrag mit Verlauf",
)
def get_application(request: TenantRequest, number: str) -> dict[str, Any]:
    return _application_out(_application(request, number))


@router.get(
    "/applications/{number}/messages",
    auth=CitizenAuth(),
    response={200: list[MessageOut], 401: ProblemOut, 404: ProblemOut},
    summary="Nachrichten zu einem Antrag",
)
def list_messages(request: TenantRequest, number: str) -> Any:
    application = _application(request, number)
    mailbox.mark_read(tenant=request.tenant, reference=application.mailbox_reference, reader_is_office=False)
    return list(mailbox_selectors.messages(request.tenant, application.mailbox_reference))


@router.post(
    "/applications/{number}/messages",
    auth=CitizenAuth(),
    response={201: MessageOut, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Nachricht an die zuständige Stelle",
)
def post_message(request: TenantRequest, number: str, payload: MessageIn) -> Status[Any]:
    application = _application(request, number)
    message = services.send_message(application=application, sender=_me(request), body=payload.body, from_office=False)
    return Status(201, message)
