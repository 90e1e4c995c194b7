"""Pages of the digitalisation projects, the action fields, the maturity self-assessment, and the page an
invited (external) participant sees: their one project, where they can comment.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rathaus.catalog.selectors import published_service, published_services
from rathaus.core.errors import ValidationFailed
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING
from rathaus.tenants.http import TenantRequest

from . import maturity, projects, selectors, services
from .fields import FieldError, Spec, parse_date
from .models import Project

steering_staff = staff_required(*STEERING)


def _page(request: TenantRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"steering_all": True, **context}, status=status)


def _errors(exc: ValidationFailed) -> dict[str, str]:
    return {e.get("field", ""): e["message"] for e in exc.errors} or {"": str(exc)}


def _project_form_context(request: TenantRequest, project: Project | None) -> dict[str, Any]:
    return {
        "action_fields": selectors.action_fields(request.tenant),
        "owners": selectors.project_owners(request.tenant),
        "statuses": Project.Status.choices,
        "all_processes": selectors.processes_visible_to(request.user, request.tenant).order_by("key"),
        "all_services": selectors.service_choices(request.tenant),
        "chosen_processes": {str(u) for u in project.processes.values_list("uuid", flat=True)} if project else set(),
        "chosen_services": set(project.services.values_list("leika_key", flat=True)) if project else set(),
    }


@steering_staff
@require_http_methods(["GET", "POST"])
def project_list(request: TenantRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            project = projects.save_project(
                tenant=request.tenant,
                raw=request.POST,
                lists={"processes": request.POST.getlist("processes"), "services": request.POST.getlist("services")},
            )
        except ValidationFailed as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"Das Projekt »{project.name}« wurde angelegt.")
            return redirect("steering:project", project_uuid=project.uuid)
    rows = []
    for p in selectors.projects(request.tenant):
        totals = [
            sum((getattr(b, f) for b in p.budgets.all()), Decimal(0))
            for f in ("planned_teur", "committed_teur", "spent_teur")
        ]
        next_milestone = next((m for m in p.milestones.all() if m.done_on is None), None)
        rows.append({"project": p, "totals": totals, "next": next_milestone})
    context = {
        "rows": rows,
        "errors": errors,
        "form": request.POST if errors else {},
        **_project_form_context(request, None),
    }
    return _page(request, "steering/project_list.html", context, status=422 if errors else 200)


def _project_or_404(request: TenantRequest, project_uuid: uuid.UUID) -> Project:
    project = selectors.project(request.tenant, project_uuid)
    if project is None:
        raise Http404
    return project


@steering_staff
@require_http_methods(["GET", "POST"])
def project_detail(request: TenantRequest, project_uuid: uuid.UUID) -> HttpResponse:
    project = _project_or_404(request, project_uuid)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("_action", "")
        try:
            if action == "update":
                projects.save_project(
                    tenant=request.tenant,
                    raw=request.POST,
                    project=project,
                    lists={
                        "processes": request.POST.getlist("processes"),
                        "services": request.POST.getlist("services"),
                    },
                )
            elif action == "budget":
                projects.set_budget(tenant=request.tenant, project=project, raw=request.POST)
            elif action == "milestone":
                projects.add_milestone(tenant=request.tenant, project=project, raw=request.POST)
            elif action == "milestone_done":
                projects.complete_milestone(
                    tenant=request.tenant,
                    project=project,
                    milestone_id=request.POST.get("milestone", ""),
                    done_on=timezone.localdate(),
                )
            elif action == "invite":
                projects.invite(
                    tenant=request.tenant, project=project, email=request.POST.get("email", ""), actor=request.user
                )
            elif action == "comment":
                projects.comment(
                    tenant=request.tenant, project=project, author=request.user, body=request.POST.get("body", "")
                )
            else:
                raise ValidationFailed("Unbekannte Aktion.")
        except ValidationFailed as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "Gespeichert.")
            return redirect("steering:project", project_uuid=project.uuid)
        project = _project_or_404(request, project_uuid)
    context = {
        "project": project,
        "errors": errors,
        "form": request.POST if errors else {},
        "this_year": timezone.localdate().year,
        "participants": project.participants.select_related("user"),
        "comments": project.comments.select_related("author"),
        **_project_form_context(request, project),
    }
    return _page(request, "steering/project_detail.html", context, status=422 if errors else 200)


@steering_staff
@require_http_methods(["GET", "POST"])
def action_fields(request: TenantRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            field = projects.save_action_field(tenant=request.tenant, raw=request.POST)
        except ValidationFailed as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"Das Handlungsfeld »{field.name}« wurde angelegt.")
            return redirect("steering:action_fields")
    context = {
        "fields": selectors.action_fields(request.tenant),
        "errors": errors,
        "form": request.POST if errors else {},
    }
    return _page(request, "steering/action_fields.html", context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
def participation(request: TenantRequest, project_uuid: uuid.UUID) -> HttpResponse:
    """An invited person's view of their one project: status, milestones, comments; they may comment."""
    user = request.user
    if not user.is_authenticated:
        return redirect(f"{reverse('identity:login')}?{urlencode({'next': request.get_full_path()})}")
    if getattr(user, "is_employee", False) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('staff:otp')}?{urlencode({'next': request.get_full_path()})}")
    project = selectors.project_for_participant(user, request.tenant, project_uuid)
    if project is None:
        raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            projects.comment(tenant=request.tenant, project=project, author=user, body=request.POST.get("body", ""))  # type: ignore[arg-type]
        except ValidationFailed as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "Ihr Kommentar wurde gespeichert.")
            return redirect("steering:participation", project_uuid=project.uuid)
    context = {"project": project, "comments": project.comments.select_related("author"), "errors": errors}
    return _page(request, "steering/participation.html", context, status=422 if errors else 200)


# ----------------------------------------------------------------------------------------------- maturity


@steering_staff
@require_GET
def maturity_list(request: TenantRequest) -> HttpResponse:
    latest = selectors.latest_assessments(request.tenant)
    rows = [(s, latest.get(s.pk)) for s in published_services(request.tenant).order_by("name")]
    per_level = {level: 0 for level, _label in maturity.STAGES}
    for _service, assessment in rows:
        if assessment is not None:
            per_level[assessment.level] += 1
    context = {
        "rows": rows,
        "per_level": [(label, per_level[level]) for level, label in maturity.STAGES],
        "unassessed": sum(1 for _s, a in rows if a is None),
    }
    return _page(request, "steering/maturity_list.html", context)


@steering_staff
@require_http_methods(["GET", "POST"])
def maturity_service(request: TenantRequest, slug: str) -> HttpResponse:
    service = published_service(request.tenant, slug)
    if service is None:
        raise Http404
    errors: dict[str, str] = {}
    history = list(selectors.assessments_of(request.tenant, service.pk))
    current: dict[str, Any] = dict(history[0].criteria) if history else {}
    if request.method == "POST":
        current = {key: request.POST.get(key, "") for key in maturity.CRITERION_KEYS}
        try:
            assessed_on = parse_date(request.POST.get("assessed_on", ""), Spec("assessed_on", "Datum", "date"))
            services.assess_maturity(
                tenant=request.tenant,
                actor=request.user,
                service_id=service.pk,
                raw=request.POST,
                note=request.POST.get("note", ""),
                assessed_on=assessed_on or timezone.localdate(),
            )
        except FieldError as exc:
            errors = {"assessed_on": str(exc)}
        except ValidationFailed as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "Die Bewertung wurde gespeichert.")
            return redirect("steering:maturity_service", slug=service.slug)
    labels = dict(maturity.CRITERIA)
    context = {
        "service": service,
        "criteria": [(key, label, str(current.get(key, "")), errors.get(key)) for key, label in maturity.CRITERIA],
        "stages": maturity.STAGES,
        "history": [(a, maturity.weakest(a.criteria)) for a in history],
        "labels": labels,
        "errors": errors,
        "today": timezone.localdate(),
    }
    return _page(request, "steering/maturity_service.html", context, status=422 if errors else 200)
