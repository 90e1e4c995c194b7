"""The payment providers (plugin kind ``"payment"``) and which one a municipality uses.

Providers register on import (``rathaus.payments.apps`` imports the built-in ones). Which provider new
payments of a municipality use, and with which options, is its ``tenants.PluginConfig`` row of kind
``"payment"`` (edited under *Interner Bereich → Anbindungen*); a municipality without an enabled row uses
the installation default ``RATHAUS_PAYMENT_PROVIDER``. Tests swap in an empty registry with
``rathaus.core.plugins.fresh_registry(payment_providers, FakeProvider)``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.core.plugins import PluginConfigurationError, Registry
from rathaus.tenants import selectors as tenant_selectors

from .base import PaymentProvider, ProviderError

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

log = logging.getLogger("rathaus.payments")

KIND = "payment"
DEFAULT_PROVIDER = "demo"

payment_providers: Registry[PaymentProvider] = Registry(
    KIND, label=gettext_lazy("Zahlungsanbieter"), base=PaymentProvider, exclusive=True
)
register = payment_providers.register


def demo_plugins_allowed() -> bool:
    """Test plugins (no money moves) may run: the embedded mode and tests yes, production never."""
    return bool(getattr(settings, "RATHAUS_DEMO_PLUGINS", True))


def configured_identifier(tenant: Municipality) -> str:
    """The provider new payments of ``tenant`` use: its enabled row, else ``RATHAUS_PAYMENT_PROVIDER``.

    Without either, the demo provider where demo plugins are allowed; in production ``""`` (not set up) –
    never a silent fall back to a provider with which citizens could mark their own fees paid.
    """
    config = tenant_selectors.enabled_plugin_config(tenant, KIND)
    if config is not None:
        return config.plugin_id
    default = str(getattr(settings, "RATHAUS_PAYMENT_PROVIDER", "") or "")
    return default or (DEFAULT_PROVIDER if demo_plugins_allowed() else "")


def provider_for(*, tenant: Municipality, identifier: str) -> PaymentProvider:
    """``identifier`` with ``tenant``'s options, ready to talk to the provider.

    The options come from the municipality's row of that provider, enabled or not, so payments started
    before a switch finish at the provider they began with; without a row the provider's defaults apply (a
    provider that needs options then is "not set up"). Raises :class:`LookupError` for an unknown provider
    and :class:`ProviderError` (German, safe to show) when the stored options are no longer usable.
    """
    config = tenant_selectors.plugin_config(tenant, KIND, identifier)
    if payment_providers.get(identifier).is_demo and not demo_plugins_allowed():
        log.error("payment_demo_provider_refused tenant=%s provider=%s", tenant.slug, identifier)
        raise ProviderError(_("Testzahlungen sind in diesem Betrieb abgeschaltet."), detail="demo plugin in production")
    try:
        return payment_providers.create(
            identifier, config.options if config is not None else None, tenant_slug=tenant.slug
        )
    except PluginConfigurationError as exc:
        log.error("payment_provider_not_configured tenant=%s provider=%s detail=%s", tenant.slug, identifier, exc)
        raise ProviderError(
            _("Die Online-Bezahlung ist für diese Kommune noch nicht eingerichtet."), detail=exc.message
        ) from None
