"""Events identity publishes (its contract; rathaus.core.events). Payloads carry no personal data."""

from __future__ import annotations

from rathaus.core.events import EventPayload, declare


class LoginSucceeded(EventPayload):
    kind: str  # the account's kind: "citizen" or "business"
    trust_level: str  # of this authentication (rathaus.identity.trust)
    source: str  # "password", or the slug of the identity provider (OIDC, SAML)


LOGIN_SUCCEEDED = declare(
    "identity.login",
    LoginSucceeded,
    "A citizen or business account logged in (password or external identity provider): the kind of account, "
    "the trust level of this authentication and the way in; no account id, no address.",
)
