"""The request type of views that run inside a municipality (set by TenantMiddleware)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from rathaus.identity.models import User

    from .models import Municipality


class TenantRequest(HttpRequest):
    tenant: Municipality
    tenant_prefix: str
    user: User  # type: ignore[assignment]
