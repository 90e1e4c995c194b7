"""Pages of the half-yearly digitalisation report (/intern/steuerung/berichte/).

The digitalisation unit and the administration (``STEERING``) create drafts, write the commentary, preview
and issue; everyone else with access to the steering area (unit leads) reads issued reports only. A report of
another municipality, or a draft for someone who may only read, answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.core.errors import ValidationFailed
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING, STEERING_UNITS
from rathaus.tenants.http import TenantRequest

from . import report_docx as report_docx_module
from . import reports, selectors
from .models_reports import Report, ReportImmutable

area_staff = staff_required(*STEERING, *STEERING_UNITS)
steering_staff = staff_required(*STEERING)


def _page(request: TenantRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("steering_all", selectors.edits_everything(request.user, request.tenant))
    return render(request, template, context, status=status)


def _visible(request: TenantRequest) -> Any:
    found = Report.objects.for_tenant(request.tenant)
    if selectors.edits_everything(request.user, request.tenant):
        return found
    return found.filter(status=Report.Status.ISSUED)


def _report(request: TenantRequest, report_uuid: uuid.UUID) -> Report:
    report = _visible(request).select_related("previous", "issued_by").filter(uuid=report_uuid).first()
    if report is None:
        raise Http404
    return report


def _draft(request: TenantRequest, report_uuid: uuid.UUID) -> Report:
    report = Report.objects.for_tenant(request.tenant).filter(uuid=report_uuid).first()
    if report is None:
        raise Http404
    return report


@area_staff
@require_GET
def report_list(request: TenantRequest) -> HttpResponse:
    start, end = reports.half_year_of(timezone.localdate())
    return _page(
        request,
        "steering/reports/list.html",
        {"reports": _visible(request), "values": {"start": start.isoformat(), "end": end.isoformat()}, "errors": {}},
    )


@steering_staff
@require_POST
def report_new(request: TenantRequest) -> HttpResponse:
    try:
        report = reports.create_report(tenant=request.tenant, actor=request.user, raw=request.POST)
    except ValidationFailed as exc:
        errors = {e.get("field", ""): e["message"] for e in exc.errors}
        values = {key: request.POST.get(key, "") for key in ("start", "end", "title")}
        context = {"reports": _visible(request), "values": values, "errors": errors}
        return _page(request, "steering/reports/list.html", context, status=422)
    messages.success(request, f"Der Entwurf »{report.title}« ist angelegt; die Zahlen sind festgeschrieben.")
    return redirect("steering:report_edit", report_uuid=report.uuid)


@steering_staff
@require_GET
def report_edit(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = _draft(request, report_uuid)
    if report.is_issued:
        return redirect("steering:report", report_uuid=report.uuid)
    return _page(request, "steering/reports/edit.html", {"report": report, "sections": report.sections})


@steering_staff
@require_POST
def section_save(request: TenantRequest, report_uuid: uuid.UUID, key: str) -> HttpResponse:
    report = _draft(request, report_uuid)
    if key not in reports.SECTION_KEYS:
        raise Http404
    text = request.POST.get("commentary", "")
    try:
        reports.save_commentary(tenant=request.tenant, report_uuid=report.uuid, key=key, text=text)
    except ReportImmutable as exc:
        messages.error(request, str(exc))
        return redirect("steering:report", report_uuid=report.uuid)
    except ValidationFailed as exc:
        sections = [
            {**s, "commentary": text if s["key"] == key else s["commentary"], "error": exc.errors[0]["message"]}
            if s["key"] == key
            else s
            for s in report.sections
        ]
        context = {"report": report, "sections": sections, "failed": key}
        return _page(request, "steering/reports/edit.html", context, status=422)
    messages.success(request, "Der Kommentar ist gespeichert.")
    return redirect(reverse("steering:report_edit", kwargs={"report_uuid": report.uuid}) + f"#abschnitt-{key}")


@steering_staff
@require_POST
def report_delete(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = _draft(request, report_uuid)
    if request.POST.get("confirm") != "ja":
        messages.error(request, "Bitte bestätigen Sie, dass der Entwurf gelöscht werden soll.")
        return redirect(reverse("steering:report_edit", kwargs={"report_uuid": report.uuid}) + "#loeschen")
    try:
        reports.delete_draft(tenant=request.tenant, report_uuid=report.uuid)
    except ReportImmutable as exc:
        messages.error(request, str(exc))
        return redirect("steering:report", report_uuid=report.uuid)
    messages.success(request, f"Der Entwurf »{report.title}« ist gelöscht.")
    return redirect("steering:reports")


@area_staff
@require_GET
def report_preview(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = _report(request, report_uuid)
    context = reports.context(report)
    context["may_edit"] = not report.is_issued and selectors.edits_everything(request.user, request.tenant)
    return _page(request, "steering/reports/preview.html", context)


@area_staff
@require_GET
def report_pdf(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = _report(request, report_uuid)
    response = HttpResponse(reports.pdf_of(report), content_type="application/pdf")
    name = f"digitalisierungsbericht-{report.period_start:%Y-%m-%d}-{report.period_end:%Y-%m-%d}"
    suffix = "" if report.is_issued else "-entwurf"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.pdf"'
    return response


@area_staff
@require_GET
def report_docx(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    """The same report as DOCX (made from the frozen figures and commentary, like the PDF)."""
    report = _report(request, report_uuid)
    response = HttpResponse(report_docx_module.render_docx(report), content_type=report_docx_module.CONTENT_TYPE)
    name = f"digitalisierungsbericht-{report.period_start:%Y-%m-%d}-{report.period_end:%Y-%m-%d}"
    suffix = "" if report.is_issued else "-entwurf"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.docx"'
    return response


@steering_staff
@require_http_methods(["GET", "POST"])
def report_issue(request: TenantRequest, report_uuid: uuid.UUID) -> HttpResponse:
    report = _draft(request, report_uuid)
    if report.is_issued:
        return redirect("steering:report", report_uuid=report.uuid)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("confirm") != "ja":
            errors["confirm"] = "Bitte bestätigen Sie, dass der Bericht unveränderlich herausgegeben wird."
        else:
            try:
                reports.issue_report(tenant=request.tenant, report_uuid=report.uuid, actor=request.user)
            except (ValidationFailed, ReportImmutable) as exc:
                errors[""] = exc.errors[0]["message"] if isinstance(exc, ValidationFailed) else str(exc)
            else:
                messages.success(request, "Der Bericht ist herausgegeben und wird in der E-Akte abgelegt.")
                return redirect("steering:report", report_uuid=report.uuid)
    empty = [s["title"] for s in report.sections if not s["commentary"]]
    context = {"report": report, "errors": errors, "empty": empty}
    return _page(request, "steering/reports/issue.html", context, status=422 if errors else 200)
