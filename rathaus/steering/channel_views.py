"""Cases on other channels (/intern/steuerung/kanaele/): list of a year, entry form, CSV/XLSX import, template.

The digitalisation unit and the administration enter every service and process; unit leads those of their
units (``channels.allowed_for``). Rows another person may not enter are neither listed nor accepted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.core.csv_cells import write_csv
from rathaus.core.errors import ImportRejected, ValidationFailed
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING, STEERING_UNITS
from rathaus.tenants.http import TenantRequest

from . import channels, sheets
from .models_channels import CHANNELS
from .views import _page

channel_staff = staff_required(*STEERING, *STEERING_UNITS)
FORM_FIELDS = ("service", "process", "month", *CHANNELS)


def _year(request: TenantRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("jahr", this_year))
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def _render(
    request: TenantRequest,
    *,
    raw: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    summary: str = "",
    import_errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    year = _year(request)
    allowed = channels.allowed_for(request.user, request.tenant)
    context = {
        "year": year,
        "rows": [
            (
                row,
                f"{row.process.key} {row.process.name}"
                if row.process
                else allowed.services.get(row.service, row.service),
            )
            for row in channels.counts_for(request.tenant, year=year, allowed=allowed)[:500]
        ],
        "services": sorted(allowed.services.items(), key=lambda kv: kv[1]),
        "processes": sorted(allowed.processes),
        "raw": raw or {},
        "errors": errors or [],
        "by_field": {e.get("field", ""): e["message"] for e in errors or []},
        "summary": summary,
        "import_errors": import_errors or [],
        "columns": [(channels.TITLES[f], channels.HELP[f]) for f in FORM_FIELDS],
        "max_rows": sheets.MAX_ROWS,
    }
    return _page(request, "steering/channels.html", context, status=status)


@channel_staff
@require_http_methods(["GET", "POST"])
def channel_list(request: TenantRequest) -> HttpResponse:
    if request.method == "POST":
        raw = {f: request.POST.get(f, "") for f in FORM_FIELDS}
        try:
            row = channels.save_count(tenant=request.tenant, actor=request.user, raw=raw)
        except ValidationFailed as exc:
            return _render(request, raw=raw, errors=exc.errors or [{"field": "", "message": str(exc)}], status=422)
        messages.success(request, f"Gespeichert: {row.total} Fälle auf anderen Kanälen im {row.month:%m.%Y}.")
        return redirect(f"{request.path}?jahr={row.month.year}")
    return _render(request)


@channel_staff
@require_POST
def channel_import(request: TenantRequest) -> HttpResponse:
    try:
        data = sheets.uploaded_bytes(request.FILES.get("datei"))
        written, new = channels.import_counts(tenant=request.tenant, actor=request.user, rows=channels.read_rows(data))
    except ImportRejected as exc:
        return _render(request, summary=str(exc), import_errors=exc.errors, status=422)
    messages.success(request, f"Import abgeschlossen: {written} Zeilen übernommen, davon {new} neu.")
    return redirect("steering:channels")


@channel_staff
@require_GET
def channel_template(request: TenantRequest) -> HttpResponse:
    """The import template: the header and one example row."""
    header = [channels.TITLES[f] for f in FORM_FIELDS]
    example = ["99115005104000", "", timezone.localdate().strftime("%m.%Y"), 120, 45, 30, 12]
    response = HttpResponse(write_csv(header, [example], bom=True), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="andere-kanaele-vorlage.csv"'
    return response
