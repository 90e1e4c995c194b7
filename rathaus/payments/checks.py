"""System checks: production refuses demo plugins and municipalities without a payment provider.

Where ``RATHAUS_DEMO_PLUGINS`` is off (production.py), every ``manage.py``/``rathaus`` command – ``migrate`` in
the deployment, ``check --deploy`` – stops with an error when

* ``RATHAUS_PAYMENT_PROVIDER`` names a demo provider or one nobody registered (E001, E002; this one also stops
  every other process, the web server and Celery included, from ``AppConfig.ready``);
* with a database (``check --database default``, ``migrate``): a municipality has a demo plugin of any kind
  switched on under *Anbindungen* – payment, identity, sealing, whatever registry exists (E003) – or has no
  payment provider at all while there is no installation default (E004).

At run time the registry refuses demo providers as well (``registry.provider_for``), so a row switched on after
the start still cannot let citizens mark their own fees paid. The checks live here (not in core) because
payments is the layer that may read the municipalities' plugin rows and sees every registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from rathaus.core.plugins import UnknownPlugin, registries, registry_for
from rathaus.tenants import selectors as tenant_selectors

from .providers.registry import KIND, demo_plugins_allowed, payment_providers


@register(Tags.security)
def demo_plugins_refused(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if demo_plugins_allowed():
        return []
    errors: list[CheckMessage] = []
    default = str(getattr(settings, "RATHAUS_PAYMENT_PROVIDER", "") or "")
    if default and default not in payment_providers:
        errors.append(
            Error(
                f"RATHAUS_PAYMENT_PROVIDER={default!r} is not a registered payment provider.",
                hint=f"One of: {', '.join(sorted(cls.identifier for cls in payment_providers))}, or leave it empty.",
                id="payments.E001",
            )
        )
    elif default and payment_providers.get(default).is_demo:
        errors.append(
            Error(
                f"RATHAUS_PAYMENT_PROVIDER={default!r} is a demo provider (no money moves; citizens could mark "
                "their own fees paid).",
                hint="Configure the municipality's real provider (e.g. xbezahldienste) and unset the variable.",
                id="payments.E002",
            )
        )
    if databases:
        errors.extend(_configured_plugins(default))
    return errors


def refuse_demo_default() -> None:
    """Every process – web, worker, command – refuses to start with a demo or unknown installation default
    (the Django checks alone would not stop a WSGI server, which does not run them)."""
    errors = demo_plugins_refused()
    if errors:
        raise ImproperlyConfigured("; ".join(f"{error.id}: {error.msg}" for error in errors))


def _configured_plugins(default: str) -> list[CheckMessage]:
    demo_kinds = {registry.kind: {cls.identifier for cls in registry if cls.is_demo} for registry in registries()}
    errors: list[CheckMessage] = []
    for tenant in tenant_selectors.active_municipalities():
        configs = list(tenant_selectors.plugin_configs(tenant).filter(enabled=True))
        for config in configs:
            if config.plugin_id in demo_kinds.get(config.kind, set()):
                errors.append(
                    Error(
                        f"Municipality {tenant.slug!r} has the demo plugin {config.kind}/{config.plugin_id} "
                        "switched on.",
                        hint="Switch it off under Interner Bereich → Anbindungen and configure the real one.",
                        id="payments.E003",
                    )
                )
        has_payment = any(c.kind == KIND and _known(c.kind, c.plugin_id) for c in configs)
        if not has_payment and not default:
            errors.append(
                Error(
                    f"Municipality {tenant.slug!r} has no payment provider switched on and there is no "
                    "RATHAUS_PAYMENT_PROVIDER.",
                    hint="Configure its provider under Interner Bereich → Anbindungen (docs/operators/payments.md).",
                    id="payments.E004",
                )
            )
    return errors


def _known(kind: str, plugin_id: str) -> bool:
    try:
        return plugin_id in registry_for(kind)
    except UnknownPlugin:
        return False
