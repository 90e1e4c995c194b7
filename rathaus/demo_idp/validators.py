"""Claims of the Demo-Servicekonto: name, birth date, address, e-mail and the eIDAS ``acr``."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .people import PEOPLE


class DemoOAuth2Validator(OAuth2Validator):
    # ``acr`` describes this authentication; it comes with every ID token (scope openid).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "acr": "openid"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = PEOPLE.get(request.user.get_username())
        return person.claims() if person is not None else {}

    def get_userinfo_claims(self, request: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_userinfo_claims(request)
        # The level of assurance is stated in the signed ID token only, as real providers do.
        claims.pop("acr", None)
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        # The claims depend on the person, so django-oauth-toolkit cannot list them by itself.
        return [
            *("sub", "name", "given_name", "family_name", "preferred_username", "birthdate"),
            *("email", "email_verified", "address", "acr"),
        ]
