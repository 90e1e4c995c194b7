"""Pages of the process catalog and the prioritisation (/intern/steuerung/).

The digitalisation unit and the administration see and edit everything; unit leads the processes of their
units (``selectors.processes_visible_to``). A process another person may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.core.errors import ImportRejected, ValidationFailed
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING, STEERING_UNITS
from rathaus.tenants.http import TenantRequest

from . import chart, scoring, selectors, services, sheets
from .fields import FIELDS, FieldError, Spec, export_cell, parse_date
from .models import Level, Process, ProcessType, TargetGroup

catalog_staff = staff_required(*STEERING, *STEERING_UNITS)
steering_staff = staff_required(*STEERING)


def _page(request: TenantRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render with what the area's navigation needs (whether the person sees priorities and projects)."""
    context.setdefault("steering_all", selectors.edits_everything(request.user, request.tenant))
    return render(request, template, context, status=status)


def _raw_from_post(request: TenantRequest) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.kind in ("choices", "services"):
            raw[spec.key] = request.POST.getlist(spec.key)
        elif spec.kind == "bool":
            raw[spec.key] = "ja" if request.POST.get(spec.key) else "nein"
        else:
            raw[spec.key] = request.POST.get(spec.key, "")
    return raw


def _values_of(process: Process | None) -> dict[str, Any]:
    if process is None:
        return {"process_type": ProcessType.SERVICE, "target_groups": [TargetGroup.CITIZENS.value], "services": []}
    values = services.snapshot(process)
    values.update({spec.key: getattr(process, spec.key) for spec in FIELDS if spec.key not in ("org_unit", "services")})
    return values


def _form_fields(
    request: TenantRequest, values: dict[str, Any], errors: dict[str, str], units: dict[str, int]
) -> list[dict[str, Any]]:
    """What the form template needs per field: spec, current value (as text), choices, error."""
    choices: dict[str, list[tuple[str, str]]] = {
        "level": [(str(v), str(label)) for v, label in Level.choices],
        "choice": [(v, str(label)) for v, label in ProcessType.choices],
        "choices": [(v, str(label)) for v, label in TargetGroup.choices],
        "unit": [(key, key) for key in units],
        "services": selectors.service_choices(request.tenant),
    }
    out = []
    for spec in FIELDS:
        value = values.get(spec.key)
        if isinstance(value, dt.date):
            shown: Any = value.isoformat()
        elif spec.kind in ("choices", "services"):
            shown = [str(v) for v in (value or [])]
        elif value is None:
            shown = ""
        else:
            shown = str(value)
        out.append({"spec": spec, "value": shown, "choices": choices.get(spec.kind, []), "error": errors.get(spec.key)})
    return out


def _render_form(
    request: TenantRequest, process: Process | None, values: dict[str, Any], errors: list[dict[str, str]], status: int
) -> HttpResponse:
    units = selectors.unit_keys_for(request.user, request.tenant)
    by_field = {e.get("field", ""): e["message"] for e in errors}
    context = {
        "process": process,
        "fields": _form_fields(request, values, by_field, units),
        "errors": errors,
        "version": process.version if process else None,
    }
    return _page(request, "steering/process_form.html", context, status=status)


@catalog_staff
@require_GET
def process_list(request: TenantRequest) -> HttpResponse:
    processes = selectors.processes_visible_to(request.user, request.tenant)
    unit = request.GET.get("einheit", "")[:30]
    query = request.GET.get("suche", "")[:100].strip()
    if unit:
        processes = processes.filter(org_unit__key=unit)
    if query:
        processes = processes.filter(name__icontains=query) | processes.filter(key__icontains=query)
    context = {
        "processes": processes.order_by("key")[:500],
        "total": processes.count(),
        "units": selectors.unit_keys_for(request.user, request.tenant),
        "unit": unit,
        "query": query,
        "steering_all": selectors.edits_everything(request.user, request.tenant),
    }
    return _page(request, "steering/process_list.html", context)


@catalog_staff
@require_http_methods(["GET", "POST"])
def process_new(request: TenantRequest) -> HttpResponse:
    if request.method == "POST":
        raw = _raw_from_post(request)
        try:
            process = services.save_process(
                tenant=request.tenant,
                actor=request.user,
                raw=raw,
                allowed_units=selectors.unit_keys_for(request.user, request.tenant),
            )
        except ValidationFailed as exc:
            return _render_form(request, None, raw, exc.errors or [{"field": "", "message": str(exc)}], 422)
        messages.success(request, f"Der Prozess {process.key} wurde angelegt.")
        return redirect("steering:process", process_uuid=process.uuid)
    return _render_form(request, None, _values_of(None), [], 200)


def _visible_process(request: TenantRequest, process_uuid: uuid.UUID) -> Process:
    process = selectors.process_for(request.user, request.tenant, process_uuid)
    if process is None:
        raise Http404
    return process


@catalog_staff
@require_GET
def process_detail(request: TenantRequest, process_uuid: uuid.UUID) -> HttpResponse:
    process = _visible_process(request, process_uuid)
    values = _values_of(process)
    rows = [(spec, _shown(spec, values.get(spec.key))) for spec in FIELDS]
    titles = {spec.key: spec.title for spec in FIELDS}
    sources = {"form": "Formular", "import": "Tabellen-Import", "demo": "Demo-Daten"}
    history = [
        (version, sources.get(version.source, version.source),
         [(titles.get(k, k), old, new) for k, (old, new) in version.changes.items()])
        for version in selectors.history(process)
    ]  # fmt: skip
    context = {
        "process": process,
        "rows": rows,
        "history": history,
        "projects": process.projects.all() if selectors.edits_everything(request.user, request.tenant) else [],
    }
    return _page(request, "steering/process_detail.html", context)


def _shown(spec: Spec, value: Any) -> str:
    if value in (None, "", []):
        return "–"
    if spec.kind == "teur":
        return f"{str(value).replace('.', ',')} T€"
    if spec.kind == "decimal":
        return str(value).replace(".", ",")
    if spec.kind == "date":
        return value.strftime("%d.%m.%Y") if isinstance(value, dt.date) else str(value)
    return str(export_cell(spec, value))


@catalog_staff
@require_http_methods(["GET", "POST"])
def process_edit(request: TenantRequest, process_uuid: uuid.UUID) -> HttpResponse:
    process = _visible_process(request, process_uuid)
    if request.method == "POST":
        raw = _raw_from_post(request)
        version = request.POST.get("version", "")
        try:
            services.save_process(
                tenant=request.tenant,
                actor=request.user,
                raw=raw,
                process=process,
                expected_version=int(version) if version.isdigit() else -1,
                allowed_units=selectors.unit_keys_for(request.user, request.tenant),
            )
        except ValidationFailed as exc:
            return _render_form(request, process, raw, exc.errors or [{"field": "", "message": str(exc)}], 422)
        messages.success(request, "Die Änderungen wurden gespeichert.")
        return redirect("steering:process", process_uuid=process.uuid)
    return _render_form(request, process, _values_of(process), [], 200)


@catalog_staff
@require_http_methods(["GET", "POST"])
def import_view(request: TenantRequest) -> HttpResponse:
    context: dict[str, Any] = {"columns": FIELDS, "max_rows": sheets.MAX_ROWS}
    status = 200
    if request.method == "POST":
        try:
            rows = sheets.read_rows(sheets.uploaded_bytes(request.FILES.get("datei")))
            result = services.import_processes(
                tenant=request.tenant,
                actor=request.user,
                rows=rows,
                allowed_units=selectors.unit_keys_for(request.user, request.tenant),
            )
        except ImportRejected as exc:
            context.update(summary=str(exc), errors=exc.errors)
            status = 422
        else:
            messages.success(
                request,
                f"Import abgeschlossen: {result.created} neu, {result.updated} geändert, "
                f"{result.unchanged} unverändert.",
            )
            return redirect("steering:processes")
    return _page(request, "steering/import.html", context, status=status)


@catalog_staff
@require_GET
def export(request: TenantRequest, fmt: str) -> HttpResponse:
    processes = list(selectors.processes_visible_to(request.user, request.tenant).order_by("key"))
    rows = services.export_rows(processes)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(sheets.write_xlsx(rows), content_type=sheets.XLSX_TYPE)
    else:
        response = HttpResponse(sheets.write_csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="prozesskatalog-{stamp}.{fmt}"'
    return response


# ------------------------------------------------------------------------------------------ prioritisation


@steering_staff
@require_GET
def priorities(request: TenantRequest) -> HttpResponse:
    """The ranking under the stored weights, or under the weights of the query (a preview, nothing saved)."""
    stored = selectors.current_weights(request.tenant)
    errors: list[dict[str, str]] = []
    weights = stored
    preview = any(key in request.GET for key in scoring.DEFAULT_WEIGHTS)
    if preview:
        asked, errors = scoring.parse_weights(request.GET)
        if not errors:
            weights = asked
    today = timezone.localdate()
    ranked = selectors.ranking(request.tenant, weights, today=today)
    shown_weights = {k: request.GET.get(k, str(v)) for k, v in stored.items()} if preview else stored
    context = {
        "ranked": ranked,
        "chart": mark_safe(chart.scatter(ranked)),  # built by chart.scatter, every text escaped
        "summary": chart.summary(ranked),
        "benefit": [(k, label, shown_weights[k]) for k, label in scoring.BENEFIT],
        "feasibility": [(k, label, shown_weights[k]) for k, label in scoring.FEASIBILITY],
        "weights": weights,
        "unsaved": preview and not errors and weights != stored,
        "errors": errors,
        "costliest": selectors.costliest(request.tenant),
        "decisions": selectors.decisions(request.tenant)[:20],
        "today": today,
    }
    return _page(request, "steering/priorities.html", context, status=422 if errors else 200)


@steering_staff
@require_POST
def save_weights(request: TenantRequest) -> HttpResponse:
    try:
        services.save_weights(tenant=request.tenant, actor=request.user, raw=request.POST)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e["message"])
        return redirect("steering:priorities")
    messages.success(request, "Die Gewichte wurden gespeichert.")
    return redirect("steering:priorities")


@steering_staff
@require_POST
def record_decision(request: TenantRequest) -> HttpResponse:
    try:
        decided_on = parse_date(request.POST.get("decided_on", ""), Spec("decided_on", "Datum", "date"))
        if decided_on is None:
            raise FieldError("Bitte das Datum des Beschlusses angeben (TT.MM.JJJJ).")
        decision = services.record_decision(
            tenant=request.tenant,
            actor=request.user,
            decided_on=decided_on,
            note=request.POST.get("note", ""),
            today=timezone.localdate(),
        )
    except (FieldError, ValidationFailed) as exc:
        messages.error(request, str(exc))
        return redirect(reverse("steering:priorities") + "#beschluss")
    messages.success(request, "Die Rangfolge wurde als Beschluss festgehalten.")
    return redirect("steering:decision", resolution_uuid=decision.uuid)


@steering_staff
@require_GET
def decision_detail(request: TenantRequest, resolution_uuid: uuid.UUID) -> HttpResponse:
    decision = selectors.decision(request.tenant, resolution_uuid)
    if decision is None:
        raise Http404
    labels = dict((*scoring.BENEFIT, *scoring.FEASIBILITY))
    weights = [(labels.get(k, k), v) for k, v in decision.weights.items()]
    return _page(request, "steering/decision.html", {"decision": decision, "weights": weights})
