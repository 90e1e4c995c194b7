"""Base of identity-provider plugins: a protocol and how the login starts."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rathaus.core.plugins import Plugin

if TYPE_CHECKING:
    from rathaus.identity.models import IdentityProvider


class IdentityPlugin(Plugin):
    """One kind of identity provider. The municipality's :class:`IdentityProvider` row names it and holds the
    options; ``protocol`` decides which views run the login (``identity:oidc_start`` or ``identity:saml_start``)."""

    protocol: ClassVar[str]
    # What the login of this kind confirms: a person, or a person acting for an organisation.
    identity_kind: ClassVar[str] = "person"

    def display_name(self, provider: IdentityProvider) -> str:
        return provider.name
