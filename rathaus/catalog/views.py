"""Staff pages of the catalog: import (JSON/CSV, all-or-nothing with a report per row) and export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.core.errors import ImportRejected
from rathaus.identity import permissions
from rathaus.identity.decorators import staff_required
from rathaus.tenants.http import TenantRequest
from rathaus.tenants.models import Municipality, OrgUnit

from . import services, xzufi
from .uploads import MAX_IMPORT_BYTES, read_upload

ROLES = permissions.CATALOG_EDITORS


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Katalogdatei (JSON, CSV oder XZuFi-XML, höchstens 20 MB)"))
    org_unit = forms.ChoiceField(
        label=gettext_lazy("Zuständige Organisationseinheit für neue Leistungen aus XZuFi"),
        help_text=gettext_lazy(
            "Nur für XZuFi-Dateien: XZuFi beschreibt die Leistung, nicht die Zuständigkeit vor Ort."
        ),
        required=False,
    )

    def __init__(self, *args: Any, tenant: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.for_tenant(tenant).order_by("key")
        field = self.fields["org_unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((u.key, f"{u.key} {u.name}") for u in units)]


@staff_required(*ROLES)
def catalog_admin(request: TenantRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, tenant=request.tenant)
    errors: list[dict[str, str]] = []
    summary = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:  # checked before reading the file into memory
                raise ImportRejected(_("Die Datei ist größer als 20 MB."))
            content = upload.read()
            document, labels = read_upload(request.tenant, content, org_unit=form.cleaned_data["org_unit"])
            result = services.import_catalog(tenant=request.tenant, document=document, row_labels=labels)
        except ImportRejected as exc:
            summary, errors = str(exc.detail), exc.errors
        else:
            messages.success(
                request,
                _("Import abgeschlossen: %(c)d neu, %(u)d aktualisiert.") % {"c": result.created, "u": result.updated},
            )
            if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):  # XZuFi: say what was left out
                for what in xzufi.dropped(content):
                    messages.warning(request, _("Nicht übernommen: %(what)s") % {"what": what})
            return redirect("catalog:admin")
    return render(
        request,
        "catalog/admin.html",
        {"form": form, "errors": errors, "summary": summary},
        status=422 if errors or summary or form.errors else 200,
    )


@staff_required(*ROLES)
def export_json(request: TenantRequest) -> HttpResponse:
    response = JsonResponse(
        services.export_catalog(request.tenant), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="leistungskatalog-{request.tenant.slug}.json"'
    return response


@staff_required(*ROLES)
def export_csv(request: TenantRequest) -> HttpResponse:
    response = HttpResponse("\ufeff" + services.export_csv(request.tenant), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="leistungskatalog-{request.tenant.slug}.csv"'
    return response
