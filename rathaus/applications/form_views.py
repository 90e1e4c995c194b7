"""Staff pages of the digitalisation unit: which services have an online form, publish a new version."""

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
from django.views.decorators.http import require_http_methods

from rathaus.catalog import selectors as catalog
from rathaus.core.errors import ValidationFailed
from rathaus.formengine import DefinitionError
from rathaus.identity import permissions
from rathaus.identity.decorators import staff_required
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import FormVersion

ROLES = permissions.CATALOG_EDITORS


class PublishForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Leistung"))
    file = forms.FileField(
        label=gettext_lazy("Formulardefinition (JSON) oder FIM-Schema (XDatenfelder-XML), höchstens 5 MB")
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *catalog.published_services(tenant).order_by("name").values_list("slug", "name")]


@staff_required(*ROLES)
@require_http_methods(["GET", "POST"])
def forms_admin(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = PublishForm(request.POST or None, request.FILES or None, tenant=tenant)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        service = catalog.published_service(tenant, form.cleaned_data["service"])
        if service is None:
            raise Http404
        try:
            definition, notes = services.read_form_file(form.cleaned_data["file"].read())
            version = services.publish_form(service=service, definition=definition)
        except ValidationFailed as exc:
            problems = [str(exc.detail)]
        except DefinitionError as exc:
            problems = [f"{path}: {message}" for path, message in getattr(exc, "problems", [])] or [str(exc)]
        else:
            messages.success(
                request,
                _("Formular für »%(service)s« veröffentlicht: Version %(version)d.")
                % {"service": service.name, "version": version.version},
            )
            for note in notes:
                messages.warning(request, note)
            return redirect("forms_admin:list")
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
        {"form": form, "problems": problems, "published": published},
        status=422 if problems or form.errors else 200,
    )


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
