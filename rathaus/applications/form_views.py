"""Staff pages of the digitalisation unit: online forms of the services, import → review → publish, code lists.

An upload (FIM XDatenfelder schema, Rathaus JSON, or a zip with the schema and its genericode code lists) is
never published at once: it becomes an import waiting for review, whose page shows every step as the citizen
will see it, what the importer translated, approximated and dropped, the code lists still missing and what
changed against the current version. Only then can it be published.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rathaus import formengine
from rathaus.catalog import selectors as catalog
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.identity import permissions
from rathaus.identity.decorators import staff_required
from rathaus.tenants.http import TenantRequest

from . import codelists, form_review, selectors
from .fim_files import MAX_UPLOAD_BYTES, read_files
from .fim_models import CodeList, FormImport
from .models import FormVersion

ROLES = permissions.CATALOG_EDITORS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or several files (Django's documented pattern); the view reads them from ``request.FILES``."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data] or super().clean(None, initial)
        return [super().clean(data, initial)]


class ImportForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Leistung"))
    file = MultipleFileField(
        label=gettext_lazy("FIM-Schema (XDatenfelder-XML), Formulardefinition (JSON) oder ZIP-Export mit Codelisten"),
        help_text=gettext_lazy(
            "Sie können mehrere Dateien auf einmal wählen (Schema und Codelisten), je Datei höchstens %(mb)d MB."
        )
        % {"mb": MAX_UPLOAD_BYTES >> 20},
        widget=MultipleFileInput(attrs={"multiple": "multiple"}),
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *catalog.published_services(tenant).order_by("name").values_list("slug", "name")]


class CodeListForm(forms.Form):
    file = MultipleFileField(
        label=gettext_lazy("Codelisten (genericode-XML oder ZIP)"),
        help_text=gettext_lazy("Sie können mehrere Dateien auf einmal wählen."),
        widget=MultipleFileInput(attrs={"multiple": "multiple"}),
    )


def _uploads(request: TenantRequest) -> list[tuple[str, bytes]]:
    out = []
    for upload in request.FILES.getlist("file"):
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationFailed(
                _("Die Datei »%(name)s« ist größer als %(mb)d MB.")
                % {"name": upload.name, "mb": MAX_UPLOAD_BYTES >> 20}
            )
        out.append((str(upload.name), upload.read()))
    return out


@staff_required(*ROLES)
@require_http_methods(["GET", "POST"])
def forms_admin(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = ImportForm(request.POST or None, request.FILES or None, tenant=tenant)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        service = catalog.published_service(tenant, form.cleaned_data["service"])
        if service is None:
            raise Http404
        try:
            form_import = form_review.import_form(service=service, uploads=_uploads(request), actor=request.user)
        except ValidationFailed as exc:
            problems = [str(exc.detail)]
        else:
            messages.info(
                request, _("Das Formular ist importiert, aber noch nicht veröffentlicht. Bitte prüfen Sie es.")
            )
            return redirect("forms_admin:review", import_uuid=form_import.uuid)
    published = (
        FormVersion.objects.for_tenant(tenant)
        .filter(published_at__isnull=False)
        .values("service__slug", "service__name")
        .annotate(latest=Max("version"), applications=Count("applications", distinct=True))
        .order_by("service__name")
    )
    return render(
        request,
        "applications/forms_admin.html",
        {
            "form": form,
            "problems": problems,
            "published": published,
            "pending": form_review.pending_imports(tenant),
        },
        status=422 if problems or form.errors else 200,
    )


def _import_or_404(request: TenantRequest, import_uuid: Any) -> FormImport:
    try:
        return form_review.pending_import(request.tenant, import_uuid)
    except NotFound:
        raise Http404 from None


@staff_required(*ROLES)
@require_http_methods(["GET"])
def review(request: TenantRequest, import_uuid: Any) -> HttpResponse:
    form_import = _import_or_404(request, import_uuid)
    # No re-import here: uploading code lists re-imports every pending form (form_review.refresh_pending),
    # and publishing imports once more before it decides.
    problems: list[str] = []
    definition = None
    if not form_import.problems:
        definition = formengine.parse_definition(form_import.definition)
    pending = form_import.state == FormImport.State.PENDING
    # Compared with the version citizens use now (another import may have been published since this one).
    base = selectors.current_form(request.tenant, form_import.service) if pending else form_import.base_version
    report = form_import.report
    context = {
        "imp": form_import,
        "definition": definition,
        "problems": problems + list(form_import.problems),
        "translated": [r for r in report if r.get("kind") == "translated"],
        "approximated": [r for r in report if r.get("kind") == "approximated"],
        "dropped": [r for r in report if r.get("kind") == "dropped"],
        "base": base,
        "changes": form_review.changes(base.definition if base else None, form_import.definition),
        "pending": pending,
    }
    return render(request, "applications/form_review.html", context)


@staff_required(*ROLES)
@require_POST
def publish(request: TenantRequest, import_uuid: Any) -> HttpResponse:
    form_import = _import_or_404(request, import_uuid)
    try:
        version = form_review.publish(form_import=form_import, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, _("Nicht veröffentlicht. %(reason)s") % {"reason": exc.detail})
        return redirect("forms_admin:review", import_uuid=form_import.uuid)
    messages.success(
        request,
        _("Formular für »%(service)s« veröffentlicht: Version %(version)d.")
        % {"service": form_import.service.name, "version": version.version},
    )
    return redirect("forms_admin:list")


@staff_required(*ROLES)
@require_POST
def discard(request: TenantRequest, import_uuid: Any) -> HttpResponse:
    form_import = _import_or_404(request, import_uuid)
    if form_review.discard(form_import=form_import, actor=request.user):
        messages.success(request, _("Der Import ist verworfen; veröffentlicht wurde nichts."))
    return redirect("forms_admin:list")


@staff_required(*ROLES)
@require_http_methods(["GET", "POST"])
def codelist_list(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = CodeListForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            files = read_files(_uploads(request))
            lists = codelists.parse_all(files)
            if not lists:
                raise ValidationFailed(_("Die Dateien enthalten keine genericode-Codeliste."))
            result = codelists.store_codelists(tenant=tenant, lists=lists, actor=request.user)
        except ValidationFailed as exc:
            problems = [str(exc.detail)]
        else:
            form_review.refresh_pending(tenant=tenant)
            messages.success(
                request,
                _("%(new)d Codelisten gespeichert, %(old)d waren schon vorhanden.")
                % {"new": len(result.created), "old": len(result.unchanged)},
            )
            return redirect("forms_admin:codelists")
    missing: dict[tuple[str, str], list[str]] = {}
    for form_import in form_review.pending_imports(tenant):
        for ref in form_import.missing_codelists:
            missing.setdefault((ref["uri"], ref["version"]), []).append(form_import.service.name)
    return render(
        request,
        "applications/codelists.html",
        {
            "form": form,
            "problems": problems,
            "lists": codelists.codelists_of(tenant),
            "missing": [{"uri": u, "version": v, "services": sorted(set(s))} for (u, v), s in missing.items()],
        },
        status=422 if problems or form.errors else 200,
    )


@staff_required(*ROLES)
@require_http_methods(["GET"])
def codelist_detail(request: TenantRequest, codelist_uuid: Any) -> HttpResponse:
    found = CodeList.objects.for_tenant(request.tenant).filter(uuid=codelist_uuid).first()
    if found is None:
        raise Http404
    return render(request, "applications/codelist_detail.html", {"codelist": found})


@staff_required(*ROLES)
def download(request: TenantRequest, slug: str) -> HttpResponse:
    """The service's current definition as JSON: the starting point for the next version."""
    service = catalog.published_service(request.tenant, slug)
    version = selectors.current_form(request.tenant, service) if service else None
    if version is None:
        raise Http404
    response = HttpResponse(
        json.dumps(version.definition, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-v{version.version}.json"'
    return response
