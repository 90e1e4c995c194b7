"""OpenID Connect (a Keycloak or other broker in front of the state account): the existing login, as a plugin.

Its settings stay in the :class:`IdentityProvider` columns (issuer, client, acr mapping); see
``rathaus.identity.oidc`` for the flow.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import IdentityPlugin
from .registry import register


@register
class OIDCPlugin(IdentityPlugin):
    identifier = "oidc"
    label = _("OpenID Connect (z. B. über einen Keycloak-Broker)")
    protocol = "oidc"
