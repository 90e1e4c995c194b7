"""Anbindungen: the municipality's administration chooses and configures its plugins (payment provider, …).

Kind-agnostic: every registry an app created (``rathaus.core.plugins.registries``) gets a section. The pages
work without JavaScript; the plugin is named in the query string (``?art=payment&anbindung=epaybl``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathaus.core import plugins
from rathaus.core.errors import ValidationFailed
from rathaus.core.plugin_forms import PluginOptionsForm
from rathaus.tenants import selectors as tenant_selectors
from rathaus.tenants import services as tenant_services
from rathaus.tenants.http import TenantRequest
from rathaus.tenants.models import PluginConfig

from .decorators import staff_required
from .models import StaffRole
from .providers.registry import KIND as IDENTITY_KIND

ADMIN = StaffRole.Role.TENANT_ADMIN


@dataclass(frozen=True)
class Entry:
    plugin: type[plugins.Plugin]
    config: PluginConfig | None
    problem: str  # why the stored configuration would not work now, German; "" if it would


def _problem(registry: plugins.Registry[Any], config: PluginConfig, tenant_slug: str) -> str:
    """Why a stored configuration would not work now (German), or ``""``."""
    try:
        options = registry.validate_options(config.plugin_id, config.options, tenant_slug=tenant_slug)
    except ValidationFailed:
        return _("Die gespeicherten Einstellungen sind unvollständig. Bitte prüfen und neu speichern.")
    missing = options.missing_secrets()
    if missing:
        return _("Auf dem Server fehlt die Umgebungsvariable »%(name)s«.") % {"name": ", ".join(missing)}
    return ""


@staff_required(ADMIN)
@require_GET
def overview(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    rows = {(c.kind, c.plugin_id): c for c in tenant_selectors.plugin_configs(tenant).select_related("updated_by")}
    sections = []
    for registry in plugins.registries():
        if registry.kind == IDENTITY_KIND:  # configured per provider row (operators), not on this page
            continue
        entries = []
        for plugin in registry:
            config = rows.get((registry.kind, plugin.identifier))
            problem = _problem(registry, config, tenant.slug) if config is not None else ""
            entries.append(Entry(plugin, config, problem))
        active = [e for e in entries if e.config is not None and e.config.enabled]
        sections.append({"registry": registry, "entries": entries, "active": active})
    return render(request, "staff/integrations.html", {"sections": sections})


@staff_required(ADMIN)
@require_http_methods(["GET", "POST"])
def edit(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    kind, plugin_id = request.GET.get("art", ""), request.GET.get("anbindung", "")
    try:
        registry = plugins.registry_for(kind)
        plugin = registry.get(plugin_id)
    except plugins.UnknownPlugin:
        raise Http404 from None
    if kind == IDENTITY_KIND:
        raise Http404
    config = tenant_selectors.plugin_config(tenant, kind, plugin_id)
    status = 200
    if request.method == "POST":
        form = PluginOptionsForm(plugin.options_model, request.POST, tenant_slug=tenant.slug)
        if form.is_valid():
            try:
                tenant_services.save_plugin_config(
                    tenant=tenant,
                    kind=kind,
                    plugin_id=plugin_id,
                    options=form.options(),
                    enabled=form.enabled,
                    actor=request.user,
                )
            except ValidationFailed as exc:
                form.add_field_errors(exc.errors)
                if not exc.errors:
                    form.add_error(None, str(exc.detail))
            else:
                messages.success(
                    request, _("Die Einstellungen für »%(label)s« sind gespeichert.") % {"label": plugin.label}
                )
                return redirect("integrations:overview")
        status = 422
    else:
        initial = {**config.options, "enabled": config.enabled} if config is not None else {}
        form = PluginOptionsForm(plugin.options_model, initial=initial, tenant_slug=tenant.slug)
    return render(
        request,
        "staff/integration_edit.html",
        {"registry": registry, "plugin": plugin, "config": config, "form": form},
        status=status,
    )
