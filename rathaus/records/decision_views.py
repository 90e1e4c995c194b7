"""Decision pages: staff (/intern/bescheide/) and the public seal check (/bescheid-pruefen/).

Staff find a decision only through ``decisions.decisions_visible_to`` (the case permission in SQL); anything
else is a 404, journaled as a refused access. Every read, step and verification request is journaled.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from rathaus.core import ratelimit
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import RECORDS, Role, units_with_role
from rathaus.tenants.http import TenantRequest

from . import decisions, journal, sealing
from .journal import Actor
from .models import Decision, DecisionTemplate
from .selectors import cases_visible_to

ROLE = "caseworker"
MAX_UPLOAD = 10 * 1024 * 1024  # a sealed decision is a few hundred kB at most
VERIFY_LIMIT = 30  # checks per address and hour

REASONS = {
    "not_pdf": gettext_lazy("Die Datei ist kein lesbares PDF-Dokument."),
    "no_signature": gettext_lazy("Das Dokument trägt kein elektronisches Siegel."),
    "tampered": gettext_lazy(
        "Das Siegel ist ungültig: das Dokument wurde nach dem Siegeln verändert oder das Siegel ist beschädigt."
    ),
    "foreign_seal": gettext_lazy("Das Siegel stammt nicht von dieser Verwaltung."),
    "partial": gettext_lazy("Das Dokument wurde nach dem Siegeln ergänzt; das Siegel deckt nicht das ganze Dokument."),
    "unknown": gettext_lazy("Das Siegel ist echt, aber zu diesem Dokument ist kein Bescheid verzeichnet."),
    "tampered_timestamp": gettext_lazy(
        "Der Zeitstempel des Siegels ist beschädigt oder gehört nicht zu diesem Siegel; der Zeitpunkt des Siegelns "
        "ist nicht belegt."
    ),
    "untrusted_timestamp": gettext_lazy(
        "Der Zeitstempel des Siegels stammt von keinem Zeitstempeldienst, dem diese Verwaltung vertraut; der "
        "Zeitpunkt des Siegelns ist nicht belegt."
    ),
}


def _actor(request: TenantRequest) -> Actor:
    return Actor.of_request(request, ROLE)


def _refused(request: TenantRequest, action: str, object_id: str) -> None:
    journal.record(
        tenant_id=request.tenant.pk,
        actor=_actor(request),
        action=action,
        object_type="decision",
        object_id=object_id[:100],
        outcome="refused",
        detail={"method": request.method, "path": request.path[:200]},
    )


def _decision_or_404(request: TenantRequest, decision_uuid: uuid.UUID, action: str) -> Decision:
    decision = decisions.decisions_visible_to(request.user, request.tenant).filter(uuid=decision_uuid).first()
    if decision is None:
        _refused(request, action, str(decision_uuid))
        raise Http404
    return decision


@staff_required(*RECORDS)
@require_http_methods(["GET"])
def index(request: TenantRequest) -> HttpResponse:
    visible = decisions.decisions_visible_to(request.user, request.tenant)
    led_units = units_with_role(request.user, request.tenant, Role.UNIT_LEAD)
    awaiting = visible.filter(status=Decision.Status.SUBMITTED, case__owner_unit__in=led_units).exclude(
        author=request.user
    )
    recent = list(visible[:50])
    journal.record(
        tenant_id=request.tenant.pk,
        actor=_actor(request),
        action="decision.list",
        object_type="decision",
        object_id="-",
        detail={"decisions": [d.reference for d in recent]},
    )
    return render(
        request,
        "records/decisions/index.html",
        {
            "awaiting": list(awaiting[:50]),
            "recent": recent,
            "may_manage": decisions.can_manage_templates(request.user, request.tenant),
        },
    )


@staff_required(*RECORDS)
@require_http_methods(["GET", "POST"])
def new(request: TenantRequest, case_uuid: uuid.UUID) -> HttpResponse:
    case = cases_visible_to(request.user, request.tenant).filter(uuid=case_uuid).first()
    if case is None:
        journal.record(
            tenant_id=request.tenant.pk,
            actor=_actor(request),
            action="decision.drafted",
            object_type="case",
            object_id=str(case_uuid),
            outcome="refused",
            detail={"method": request.method, "path": request.path[:200]},
        )
        raise Http404
    templates = decisions.templates_for(request.tenant, case.service_key)
    error = ""
    if request.method == "POST":
        template = templates.filter(pk=_int(request.POST.get("vorlage"))).first()
        if template is None:
            error = _("Bitte wählen Sie eine Vorlage.")
        else:
            try:
                decision = decisions.draft(case=case, template=template, author=request.user, actor=_actor(request))
            except decisions.DecisionError as exc:
                error = exc.message
            else:
                messages.success(request, _("Der Entwurf ist angelegt. Bitte prüfen und bearbeiten Sie den Text."))
                return redirect("decisions:detail", decision_uuid=decision.uuid)
    journal.record(
        tenant_id=request.tenant.pk,
        actor=_actor(request),
        action="case.read",
        object_type="case",
        object_id=case.reference,
        detail={"page": "decision.new"},
    )
    return render(
        request,
        "records/decisions/new.html",
        {"case": case, "templates": templates, "error": error},
        status=400 if error else 200,
    )


def _int(value: Any) -> int:
    """The number typed, or 0 (no row has it) for anything else."""
    try:
        return int(str(value)[:20])
    except (TypeError, ValueError):
        return 0


STEPS = {"edit", "submit", "approve", "send_back", "seal", "supersede"}


@staff_required(*RECORDS)
@require_http_methods(["GET", "POST"])
def detail(request: TenantRequest, decision_uuid: uuid.UUID) -> HttpResponse:
    decision = _decision_or_404(request, decision_uuid, "decision.read")
    errors: list[str] = []
    if request.method == "POST":
        step = request.POST.get("_action", "")
        if step not in STEPS:
            errors.append(_("Unbekannte Aktion."))
        else:
            try:
                result = _do(request, decision, step)
            except decisions.DecisionError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("Erledigt."))
                return redirect("decisions:detail", decision_uuid=result.uuid)
        decision = _decision_or_404(request, decision_uuid, "decision.read")
    journal.record(
        tenant_id=request.tenant.pk,
        actor=_actor(request),
        action="decision.read",
        object_type="decision",
        object_id=decision.reference,
        detail={"case": decision.case.reference},
    )
    superseded_by = Decision.objects.for_tenant(request.tenant).filter(supersedes=decision).first()
    return render(
        request,
        "records/decisions/detail.html",
        {
            "decision": decision,
            "errors": errors,
            "may_approve": decision.status == Decision.Status.SUBMITTED
            and decisions.can_approve(request.user, request.tenant, decision),
            "superseded_by": superseded_by,
        },
        status=400 if errors else 200,
    )


def _do(request: TenantRequest, decision: Decision, step: str) -> Decision:
    actor = _actor(request)
    if step == "edit":
        return decisions.edit(
            decision=decision,
            actor=actor,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            remedy_notice=request.POST.get("remedy_notice", ""),
        )
    if step == "submit":
        return decisions.submit(decision=decision, actor=actor)
    if step == "approve":
        return decisions.approve(decision=decision, user=request.user, tenant=request.tenant, actor=actor)
    if step == "send_back":
        return decisions.send_back(decision=decision, actor=actor)
    if step == "seal":
        return decisions.seal(decision=decision, user=request.user, tenant=request.tenant, actor=actor)
    return decisions.supersede(decision=decision, author=request.user, actor=actor)


@staff_required(*RECORDS)
@require_http_methods(["GET", "POST"])
def templates(request: TenantRequest) -> HttpResponse:
    may_manage = decisions.can_manage_templates(request.user, request.tenant)
    errors: list[str] = []
    if request.method == "POST":
        if not may_manage:
            _refused(request, "decision_template.created", "-")
            return render(request, "staff/forbidden.html", status=403)
        try:
            decisions.create_template(
                tenant=request.tenant,
                actor=_actor(request),
                service_key=request.POST.get("service_key", ""),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                remedy_notice=request.POST.get("remedy_notice", ""),
                four_eyes=request.POST.get("four_eyes") == "1",
                fee_amount=request.POST.get("fee_amount", "") or "0",
                fee_label=request.POST.get("fee_label", ""),
            )
        except decisions.DecisionError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, _("Die Vorlage ist gespeichert."))
            return redirect("decisions:templates")
    return render(
        request,
        "records/decisions/templates.html",
        {
            "templates": DecisionTemplate.objects.for_tenant(request.tenant),
            "may_manage": may_manage,
            "errors": errors,
            "form": request.POST if errors else {},
            "placeholders": sorted(decisions.PLACEHOLDERS),
        },
        status=400 if errors else 200,
    )


# --- public ------------------------------------------------------------------------------------------------


def _client_addr(request: TenantRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@require_http_methods(["GET", "POST"])
def verify(request: TenantRequest) -> HttpResponse:
    """Upload a PDF: does it carry a valid seal of this municipality, and which decision is it?"""
    context: dict[str, Any] = {"max_mb": MAX_UPLOAD // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("datei")
        if not ratelimit.allow("decision-verify", _client_addr(request), limit=VERIFY_LIMIT, window_seconds=3600):
            context["error"] = _(
                "Zu viele Prüfungen von Ihrem Anschluss. Bitte versuchen Sie es in einer Stunde erneut."
            )
            status = 429
        elif upload is None:
            context["error"] = _("Bitte wählen Sie die PDF-Datei des Bescheids aus.")
            status = 400
        elif upload.size is None or upload.size > MAX_UPLOAD:
            context["error"] = _("Die Datei ist zu groß (höchstens %(n)s MB).") % {"n": context["max_mb"]}
            status = 400
        else:
            verdict = sealing.verify(tenant=request.tenant, pdf=upload.read(MAX_UPLOAD + 1))
            found = decisions.find_sealed(request.tenant, verdict.signed_sha256) if verdict.valid else None
            reason = verdict.reason if not verdict.valid else ("valid" if found else "unknown")
            context.update(checked=True, valid=found is not None, decision=found, reason=REASONS.get(reason, ""))
            context["timestamp"] = verdict.timestamp if found is not None else None
        journal.record(
            tenant_id=request.tenant.pk,
            actor=Actor.of_request(request, "public"),
            action="decision.verified",
            object_type="decision",
            object_id=context["decision"].reference if context.get("decision") else "-",
            outcome="refused" if status == 429 else "done",
            detail={"valid": bool(context.get("valid")), "status": status, "reason": context.get("reason", "")[:100]},
        )
    return render(request, "records/decisions/verify.html", context, status=status)
