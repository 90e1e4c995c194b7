"""The open-data page and downloads (/offene-daten/): public, for the municipality of the host; a year outside
what the municipality can have figures for answers 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rathaus.tenants.http import TenantRequest

from . import opendata

FIRST_YEAR = 2020


def _years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


@require_GET
def page(request: TenantRequest) -> HttpResponse:
    context = {
        "years": _years(),
        "licence": opendata.LICENCE,
        "suppression": opendata.SUPPRESSION,
        "measures": opendata.MEASURES,
    }
    return render(request, "steering/opendata.html", context)


@require_GET
def download(request: TenantRequest, year: int, fmt: str) -> HttpResponse:
    if year not in _years():
        raise Http404
    data = opendata.cached_dataset(request.tenant, year)
    name = f"kennzahlen-{request.tenant.slug}-{year}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(opendata.as_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any portal may fetch it
    response["Cache-Control"] = f"public, max-age={opendata.CACHE_SECONDS}"
    return response
