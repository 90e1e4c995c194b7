"""Data minimisation for OpenID Connect: which scopes and claims a login asks for, and which it keeps.

The attribute groups of :mod:`rathaus.identity.login_needs` (the same ones SAML asks BundID for) map to the
standard scopes and claims of OpenID Connect Core 5.4/5.1. The provider row's ``scopes`` is the ceiling, as the
SAML plugin's ``attributes`` is: a group counts as switched on where its scope is listed there.

A login asks for the scopes of its groups (a plain login: the e-mail address; on the way to an application: what
that service names) and, with the ``claims`` request parameter (OIDC Core 5.5), for exactly the claims. A
provider that ignores ``claims`` releases whole scopes: ``profile`` carries the birth date along with the name.
So the portal keeps only the fields of the groups it asked for (:func:`keep_requested`); what the provider sent
beyond them is dropped before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# Group → the scope that releases it, the claims that carry it, and the account fields it fills.
SCOPE_OF_GROUP = {"name": "profile", "birth_date": "profile", "email": "email", "address": "address"}
CLAIMS_OF_GROUP = {
    "name": ("given_name", "family_name"),
    "birth_date": ("birthdate",),
    "email": ("email", "email_verified"),
    "address": ("address",),
}
FIELDS_OF_GROUP = {
    "name": frozenset({"first_name", "last_name"}),
    "birth_date": frozenset({"birth_date"}),
    "email": frozenset(),  # the address itself is read apart from the mapped fields
    "address": frozenset({"street", "postal_code", "city", "country"}),
}
# Scopes that release personal data; any other scope of the row (a provider's own) is sent as configured.
DATA_SCOPES = frozenset({"profile", "email", "address", "phone"})


def configured_groups(scopes: str) -> list[str]:
    """The groups the row switched on (their scope is in ``scopes``), in the order of ``SCOPE_OF_GROUP``."""
    listed = set(scopes.split())
    return [group for group, scope in SCOPE_OF_GROUP.items() if scope in listed]


def request_parameters(scopes: str, groups: list[str] | None) -> dict[str, str]:
    """``scope`` (and ``claims``) of the authorization request. ``groups`` None: everything the row names (the
    login that connects an account, a service that states nothing), as before minimisation."""
    configured = [scope for scope in scopes.split() if scope != "openid"]
    if groups is None:
        return {"scope": " ".join(["openid", *configured])}
    wanted = {SCOPE_OF_GROUP[group] for group in groups}
    kept = [scope for scope in configured if scope not in DATA_SCOPES or scope in wanted]
    claims = {name: None for group in groups for name in CLAIMS_OF_GROUP[group]}
    return {
        "scope": " ".join(["openid", *kept]),
        "claims": json.dumps({"userinfo": claims, "id_token": claims}, separators=(",", ":")),
    }


def keep_requested(fields: dict[str, Any], groups: Iterable[str] | None) -> dict[str, Any]:
    """The mapped account/profile ``fields`` that belong to the requested ``groups`` (all for None)."""
    if groups is None:
        return dict(fields)
    allowed = frozenset().union(*(FIELDS_OF_GROUP[group] for group in groups))
    return {name: value for name, value in fields.items() if name in allowed}


PERSONAL_CLAIMS = frozenset(
    {name for names in CLAIMS_OF_GROUP.values() for name in names}
    | {"name", "middle_name", "nickname", "preferred_username", "gender", "phone_number", "phone_number_verified"}
)


def personal_claims(*claim_sets: dict[str, Any]) -> list[str]:
    """The names of the personal claims in ``claim_sets`` (ID token, userinfo), sorted."""
    return sorted({name for claims in claim_sets for name in claims if name in PERSONAL_CLAIMS})
