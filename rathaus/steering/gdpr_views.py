"""The record of processing activities (/intern/steuerung/verzeichnis/): page, CSV and PDF.

The digitalisation unit and the municipality's administration (``STEERING``); Rathaus has no role of its own
for the data-protection officer yet — the administration gives them the digitalisation role or shares the PDF.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING
from rathaus.tenants.http import TenantRequest

from . import gdpr_record
from .views import _page

steering_staff = staff_required(*STEERING)


@steering_staff
@require_GET
def page(request: TenantRequest) -> HttpResponse:
    data = gdpr_record.record(request.tenant)
    return _page(request, "steering/gdpr_record.html", {**data, "missing": gdpr_record.MISSING})


@steering_staff
@require_GET
def download(request: TenantRequest, fmt: str) -> HttpResponse:
    data = gdpr_record.record(request.tenant)
    name = f"verarbeitungsverzeichnis-{request.tenant.slug}-{data['created_at']:%Y-%m-%d}.{fmt}"
    if fmt == "pdf":
        response = HttpResponse(gdpr_record.as_pdf(data), content_type="application/pdf")
    else:
        response = HttpResponse(gdpr_record.as_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
