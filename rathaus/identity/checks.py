"""System check: production refuses demo identity providers (``identity.E001``).

Like the demo payment provider (``payments.E00x``): where ``RATHAUS_DEMO_PLUGINS`` is off, ``migrate`` and
``check --database default`` stop while an active :class:`IdentityProvider` row of any municipality points at
the demo OpenID Connect provider or the demo SAML IdP (see :mod:`rathaus.identity.demo_providers` for how one
is recognised). The row is named, with what gave it away, so the operator knows which one to fix.

``identity.W001`` warns where RSASSA-PSS signatures of BundID cannot be verified (python-xmlsec missing or built
against another libxml2 than lxml, see :mod:`rathaus.identity.saml_signatures`): such logins are then refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .demo_providers import demo_allowed, demo_reason
from .models import IdentityProvider
from .saml_signatures import pss_verifier


@register(Tags.security)
def demo_identity_providers_refused(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if demo_allowed() or not databases:
        return []
    errors: list[CheckMessage] = []
    rows = IdentityProvider.all_tenants.filter(is_active=True, tenant__is_active=True).select_related("tenant")
    for provider in rows.order_by("tenant__slug", "slug"):
        reason = demo_reason(provider)
        if reason:
            errors.append(
                Error(
                    f"Municipality {provider.tenant.slug!r}: the identity provider {provider.slug!r} "
                    f"({provider.plugin}) is a demo provider – anybody can log in as anybody there: {reason}.",
                    hint="Point the row at the real provider (BundID, Servicekonto, your broker) or switch it off "
                    "(is_active) in the Django admin; see docs/operators/identity-providers.md.",
                    id="identity.E001",
                )
            )
    return errors


@register(Tags.security)
def rsassa_pss_verifiable(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    if pss_verifier() is not None:
        return []
    return [
        Warning(
            "SAML responses signed with RSASSA-PSS (BundID may sign so) cannot be verified here and are refused: "
            "python-xmlsec does not load (missing, or its libxml2 differs from lxml's).",
            hint="Install the versions pinned in pyproject.toml (xmlsec, lxml); see docs/operators/saml.md.",
            id="identity.W001",
        )
    ]
