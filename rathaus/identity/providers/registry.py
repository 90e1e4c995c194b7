"""The identity-provider plugins (kind ``"identity"``); the built-in ones register when the identity app is ready.

Unlike payment providers, a municipality may offer several at once: each :class:`IdentityProvider` row names
its plugin and stores its options (checked with ``identity_plugins.validate_options``). Tests swap in an empty
registry with ``rathaus.core.plugins.fresh_registry(identity_plugins, …)``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from rathaus.core.plugins import Registry

from .base import IdentityPlugin

KIND = "identity"

identity_plugins: Registry[IdentityPlugin] = Registry(
    KIND, label=gettext_lazy("Anmeldung (Identitätsanbieter)"), base=IdentityPlugin, exclusive=False
)
register = identity_plugins.register
