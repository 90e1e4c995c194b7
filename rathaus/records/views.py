"""The caseworkers' work area (/intern/akten/): work queues, the due list, the case page with its actions.

Every case is found through ``queues.case_for`` (``selectors.cases_visible_to``: the permission is in the
SQL). A case that is not found — another unit's, another municipality's, a made-up UUID, or a visitor who is
not a logged-in staff member — answers 404 (or the login) and is journaled as a refused access; every read
and write that succeeds is journaled too (``work.py`` for writes, here for reads).

A read is opening a case or a document: what the journal must show is who saw a file's contents. The queues
and the search are lists (reference, subject, unit, dates — the register a Registratur keeps openly inside the
administration) and are not journaled: a journal entry per list view would take the municipality's journal
head lock on every page a caseworker pages through, serialising all staff on one row, and record nothing an
auditor asks for that the ``case.read`` of the case opened from the list does not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathaus import formengine
from rathaus.applications import selectors as applications
from rathaus.attachments import storage
from rathaus.catalog.selectors import published_services
from rathaus.core.errors import ValidationFailed
from rathaus.identity.decorators import staff_required
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import RECORDS, has_role
from rathaus.mailbox import selectors as mailbox
from rathaus.payments import selectors as payments
from rathaus.tenants.http import TenantRequest
from rathaus.tenants.selectors import org_units

from . import document_templates, journal, queues, services, work
from .forms import DatesForm, HandOverForm
from .journal import Actor
from .models import Case, Document, DocumentVersion
from .selectors import CASE_ROLES

ROLE = "caseworker"


def _actor(request: TenantRequest) -> Actor:
    return Actor.of_request(request, ROLE)


def _is_verified_staff(request: TenantRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and getattr(user, "is_employee", False) and user.is_verified())  # type: ignore[attr-defined]


def _refused(request: TenantRequest, action: str, object_id: str) -> None:
    journal.record(
        tenant_id=request.tenant.pk,
        actor=_actor(request),
        action=action,
        object_type="case",
        object_id=object_id,
        outcome="refused",
        detail={"method": request.method, "path": request.path[:200]},
    )


def _login_or_otp(request: TenantRequest) -> HttpResponse:
    """What staff_required answers to a visitor who is not (yet) a verified staff member."""

    def never(_request: TenantRequest) -> HttpResponse:  # pragma: no cover - only reached by verified staff
        raise Http404

    return staff_required()(never)(request)


def case_view(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Find the visible case of the URL or refuse (journaled); the view gets the case instead of its UUID."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: TenantRequest, case_uuid: uuid.UUID, **kwargs: Any) -> HttpResponse:
            allowed = _is_verified_staff(request)
            case = queues.case_for(request.user, request.tenant, case_uuid) if allowed else None
            if case is None:
                _refused(request, action, str(case_uuid))
                if not allowed:
                    return _login_or_otp(request)
                raise Http404
            return view(request, case, **kwargs)

        return wrapped

    return decorator


@staff_required(*RECORDS)
@require_GET
def queue(request: TenantRequest) -> HttpResponse:
    f = queues.QueueFilter.from_query(request.GET)
    cases = queues.filtered(request.user, request.tenant, f)
    counts = queues.counts(request.user, request.tenant)
    page = queues.page_of(cases, f, total=f.menu_count(counts))
    params = request.GET.copy()
    params.pop("seite", None)
    context = {
        "f": f,
        "page": page,
        "counts": counts,
        "today": timezone.localdate(),
        "statuses": [(value, label, counts.by_status[value]) for value, label in Case.Status.choices],
        "services": list(published_services(request.tenant).values_list("leika_key", "name")),
        "sorts": [
            ("frist", _("Frist")),
            ("eingang", _("Eingang, neueste zuerst")),
            ("eingang_alt", _("Eingang, älteste zuerst")),
            ("aktenzeichen", _("Aktenzeichen")),
            ("wiedervorlage", _("Wiedervorlage")),
        ],
        "base_query": params.urlencode(),
    }
    return render(request, "records/queue.html", context, status=422 if f.errors else 200)


@staff_required(*RECORDS)
@require_GET
def due(request: TenantRequest) -> HttpResponse:
    cases = list(queues.due_list(request.user, request.tenant)[: queues.PAGE_SIZE * 4])
    return render(request, "records/due.html", {"cases": cases, "today": timezone.localdate()})


def _assignable(case: Case) -> list[tuple[int, str]]:
    """Caseworkers and leads holding a role on the case's unit (``work.assign`` checks again)."""
    roles = (
        StaffRole.objects.for_tenant(case.tenant_id)
        .filter(org_unit_id=case.owner_unit_id, role__in=CASE_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    seen: dict[int, str] = {}
    for role in roles:
        seen.setdefault(role.user_id, role.user.get_full_name() or role.user.email)
    return list(seen.items())


def _run(request: TenantRequest, case: Case, action: str) -> None:
    """Carry out one posted action (ValidationFailed on bad input)."""
    post, actor, user = request.POST, _actor(request), request.user
    if action == "claim":
        work.claim(case=case, user=user, actor=actor)  # type: ignore[arg-type]
        messages.success(request, _("Sie bearbeiten diesen Vorgang jetzt."))
    elif action == "assign":
        raw = post.get("assignee", "")
        assignee = None
        if raw:
            ids = dict(_assignable(case))
            if not raw.isdigit() or int(raw) not in ids:
                raise ValidationFailed(_("Bitte wählen Sie eine Person aus der Liste."), errors=[{"field": "assignee"}])
            assignee = get_user_model().objects.get(pk=int(raw))
        work.assign(case=case, assignee=assignee, actor=actor)  # type: ignore[arg-type]
        messages.success(request, _("Die Zuständigkeit ist gespeichert."))
    elif action == "dates":
        form = DatesForm(post)
        if not form.is_valid():
            raise ValidationFailed(
                _("Bitte geben Sie gültige Daten im Format TT.MM.JJJJ an."), errors=[{"field": "due_on"}]
            )
        work.set_dates(
            case=case, due_on=form.cleaned_data["due_on"], resubmit_on=form.cleaned_data["resubmit_on"], actor=actor
        )
        messages.success(request, _("Frist und Wiedervorlage sind gespeichert."))
    elif action == "note":
        work.add_note(case=case, title=post.get("title", ""), text=post.get("text", ""), actor=actor)
        messages.success(request, _("Der Vermerk ist zur Akte genommen."))
    elif action == "upload":
        work.upload_document(
            case=case,
            title=post.get("title", ""),
            upload=request.FILES.get("file"),
            kind=post.get("kind", Document.Kind.INCOMING),
            actor=actor,
        )
        messages.success(request, _("Das Dokument ist zur Akte genommen."))
    elif action == "from_template":
        document_templates.file_from_template(case=case, template_id=post.get("template", ""), actor=actor)
        messages.success(request, _("Das Schreiben aus der Vorlage ist zur Akte genommen."))
    elif action == "handover":
        handover = HandOverForm(post, units=_units(request, case))
        if not handover.is_valid():
            raise ValidationFailed(
                _("Bitte wählen Sie eine Organisationseinheit aus und schreiben Sie den Grund ohne Steuerzeichen."),
                errors=[{"field": "unit"}],
            )
        work.hand_over(
            case=case, unit_id=handover.cleaned_data["unit"], actor=actor, reason=handover.cleaned_data["reason"]
        )
        messages.success(request, _("Der Vorgang ist abgegeben."))
    elif action == "status":
        work.change_status(
            case=case,
            status=post.get("status", ""),
            user=user,
            actor=actor,
            note=post.get("note", ""),  # type: ignore[arg-type]
        )
        messages.success(request, _("Der Status ist geändert; die antragstellende Person sieht ihn."))
    elif action == "request":
        work.request_documents(case=case, body=post.get("body", ""), user=user, actor=actor)  # type: ignore[arg-type]
        messages.success(request, _("Die Nachforderung ist im Postfach der antragstellenden Person."))
    else:
        raise ValidationFailed(_("Unbekannte Aktion."))


def _units(request: TenantRequest, case: Case) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.key} {u.name}") for u in org_units(request.tenant).exclude(pk=case.owner_unit_id)]


@require_http_methods(["GET", "POST"])
@case_view("case.read")
def case_detail(request: TenantRequest, case: Case) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        try:
            _run(request, case, request.POST.get("_action", ""))
        except ValidationFailed as exc:
            errors.append(str(exc.detail))
        else:
            still_visible = queues.case_for(request.user, request.tenant, case.uuid)
            if still_visible is None:  # handed over to a unit the caseworker does not work in
                return redirect("records:queue")
            return redirect("records:case", case_uuid=case.uuid)
        case = queues.case_for(request.user, request.tenant, case.uuid) or case
    journal.record(
        tenant_id=case.tenant_id,
        actor=_actor(request),
        action="case.read",
        object_type="case",
        object_id=case.reference,
    )
    application = (
        applications.application_by_number(case.tenant_id, case.application_number) if case.application_number else None
    )
    summary, payment_rows, thread = [], [], []
    if application is not None:
        summary = formengine.summary(application.form_version.parsed(), application.answers)
        payment_rows = list(payments.payments_for_reference(request.tenant, application.number)[:10])
        thread = list(mailbox.messages(request.tenant, application.mailbox_reference))
    context = {
        "case": case,
        "application": application,
        "summary": summary,
        "payments": payment_rows,
        "thread": thread,
        "documents": queues.documents_of(case),
        "history": queues.history_of(case),
        "statuses": Case.Status.choices,
        "assignable": _assignable(case),
        "units": _units(request, case),
        "upload_kinds": [
            (Document.Kind.INCOMING, Document.Kind.INCOMING.label),
            (Document.Kind.OUTGOING, Document.Kind.OUTGOING.label),
            (Document.Kind.ATTACHMENT, Document.Kind.ATTACHMENT.label),
        ],
        "dates": DatesForm(initial={"due_on": case.due_on, "resubmit_on": case.resubmit_on}),
        "errors": errors,
        "is_mine": case.assignee_id == request.user.pk,
        "pdf_pending": application is not None and not services.has_application_pdf(case),
        "doc_templates": document_templates.templates_for(case.tenant_id, case.service_key),
        "manages_templates": document_templates.can_manage(request.user, request.tenant),
        "may_hand_over": has_role(request.user, request.tenant, *CASE_ROLES),
    }
    return render(request, "records/case.html", context, status=422 if errors else 200)


@require_GET
@case_view("document.read")
def document_version(request: TenantRequest, case: Case, document_uuid: uuid.UUID, version: int) -> HttpResponse:
    found = (
        DocumentVersion.objects.for_tenant(case.tenant_id)
        .filter(document__case=case, document__uuid=document_uuid, version=version, destroyed_at__isnull=True)
        .select_related("document")
        .first()
    )
    if found is None:
        _refused(request, "document.read", str(document_uuid))
        raise Http404
    journal.record(
        tenant_id=case.tenant_id,
        actor=_actor(request),
        action="document.read",
        object_type="document",
        object_id=str(found.document.uuid),
        detail={"version": found.version, "case": case.reference},
    )
    response = HttpResponse(storage.open_blob(found.key), content_type=found.content_type)
    name = found.name.encode("ascii", "replace").decode().replace('"', "_")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
