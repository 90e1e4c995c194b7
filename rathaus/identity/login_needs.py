"""Data minimisation at login: which personal attributes a login asks the identity provider for.

A plain login ("Anmelden") asks for the minimum an account needs: the subject and trust level (always) and the
e-mail address (the account and its notifications need it). A login started on the way to an application
("Antrag starten" → "Weiter mit BundID") asks for what that service names (``catalog.Service.login_attributes``)
— within what the municipality switched on for the provider, which stays the ceiling.

Identity does not know the catalog (it sits above): the catalog registers a resolver that tells, for the page
the login returns to (``next``), which service is being applied for and what it needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

# The attribute groups a service may name (provider-neutral; each SAML plugin knows its attribute names).
ATTRIBUTE_GROUPS = {
    "name": _("Vor- und Nachname"),
    "email": _("E-Mail-Adresse"),
    "birth_date": _("Geburtsdatum"),
    "address": _("Anschrift"),
}
MINIMUM = ("email",)
# A business login (Mein Unternehmenskonto) acts for an organisation: who acted is recorded by name on every
# application, message and payment, so the acting person's name is part of its minimum.
MINIMUM_BY_KIND = {"person": MINIMUM, "organisation": ("email", "name")}


@dataclasses.dataclass(frozen=True)
class Needs:
    """What a service needs; ``groups`` empty: the service states nothing (the provider's configured set)."""

    service: str
    groups: tuple[str, ...]


Resolver = Callable[["Municipality", str], Needs | None]
_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> Resolver:
    """Register ``resolver(tenant, next_path)``: the needs of the service ``next_path`` applies for, or None."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return resolver


def needs_for(tenant: Municipality, next_path: str) -> Needs | None:
    """The needs of the service the login returns to (``next_path``), or None for a plain login."""
    if not next_path:
        return None
    for resolver in _resolvers:
        needs = resolver(tenant, next_path)
        if needs is not None:
            return needs
    return None


def requested_groups(
    needs: Needs | None, configured: list[str] | tuple[str, ...], *, identity_kind: str = "person"
) -> list[str]:
    """The groups to request, in the provider's order: the minimum of the login's kind (``MINIMUM_BY_KIND``) for
    a plain login; for a service its groups plus that minimum; never one the municipality did not switch on for
    the provider (``configured``)."""
    if needs is not None and not needs.groups:
        return list(configured)  # the service states nothing: as configured for the provider
    wanted = set(MINIMUM_BY_KIND[identity_kind]) | set(needs.groups if needs is not None else ())
    return [group for group in configured if group in wanted]
