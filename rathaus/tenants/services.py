"""Writes of the tenants app: a municipality's plugin configuration."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core import plugins
from rathaus.core.errors import NotFound, ValidationFailed

from .models import Municipality, PluginConfig

if TYPE_CHECKING:
    from rathaus.identity.models import User

log = logging.getLogger("rathaus.tenants")


def save_plugin_config(
    *,
    tenant: Municipality,
    kind: str,
    plugin_id: str,
    options: Mapping[str, Any],
    enabled: bool,
    actor: User | None,
) -> PluginConfig:
    """Store ``tenant``'s configuration of one plugin, or refuse it and leave everything as it was.

    ``options`` are checked by the plugin's options schema first (secret options must name an environment
    variable ending in the municipality's short name); invalid ones raise :class:`InvalidPluginOptions`
    (``errors`` per field, German) before anything is written, so the municipality keeps its old
    configuration. On return the row holds the validated options as JSON; when ``enabled`` and the kind is
    exclusive (e.g. payment), every other plugin of that kind of this municipality is switched off in the
    same transaction. ``actor`` (``None`` for the demo loader and the shell) must be staff of ``tenant``.
    """
    try:
        registry = plugins.registry_for(kind)
        registry.get(plugin_id)
    except plugins.UnknownPlugin:
        raise NotFound(_("Diese Anbindung gibt es nicht.")) from None
    if actor is not None and actor.tenant_id != tenant.pk:
        raise NotFound()
    validated = registry.validate_options(plugin_id, options, tenant_slug=tenant.slug)
    if enabled and validated.missing_secrets():
        missing = validated.missing_secrets()
        raise ValidationFailed(
            _("Auf dem Server fehlt die Umgebungsvariable mit dem Zugangsgeheimnis."),
            errors=[
                {
                    "field": field,
                    "message": _("Die Umgebungsvariable »%(name)s« ist auf dem Server nicht gesetzt.")
                    % {"name": getattr(validated, field)},
                }
                for field in validated.secret_fields()
                if getattr(validated, field) in missing
            ],
        )
    with transaction.atomic():
        # One writer per municipality at a time: two administrators switching on two different payment
        # providers at once must not leave both on.
        Municipality.objects.select_for_update().filter(pk=tenant.pk).first()
        config, _created = PluginConfig.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            kind=kind,
            plugin_id=plugin_id,
            defaults={"options": validated.model_dump(mode="json"), "enabled": enabled, "updated_by": actor},
        )
        if enabled and registry.exclusive:
            PluginConfig.objects.for_tenant(tenant).filter(kind=kind, enabled=True).exclude(pk=config.pk).update(
                enabled=False, updated_by=actor, updated_at=timezone.now()
            )
    log.info(
        "plugin_config_saved tenant=%s kind=%s plugin=%s enabled=%s actor=%s",
        tenant.slug,
        kind,
        plugin_id,
        enabled,
        actor.pk if actor is not None else None,
    )
    return config
