"""Authentication of staff for the JSON API: the session of a staff member with a verified second factor.

The API's counterpart of ``decorators.staff_required``: no usable session answers 401, a staff member
without one of the roles (``permissions.has_role``) gets 403 with the subclass's German ``denied`` text.
"""

from __future__ import annotations

from typing import Any

from ninja.security import SessionAuth

from rathaus.core.errors import PermissionDenied
from rathaus.tenants.http import TenantRequest

from . import permissions


class StaffSessionAuth(SessionAuth):
    """Session auth (CSRF checked) for staff of this municipality holding one of ``roles``."""

    roles: tuple[str, ...] = ()
    denied: str = "Keine Berechtigung."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.roles = permissions.known_roles(*cls.roles)  # a misspelt role fails at import time

    def authenticate(self, request: TenantRequest, key: str | None) -> Any:  # type: ignore[override]
        user = super().authenticate(request, key)
        if user is None or request.tenant is None or not getattr(user, "is_employee", False):
            return None
        if not user.is_verified():  # set by django_otp's middleware
            return None
        if not permissions.has_role(user, request.tenant, *self.roles):
            raise PermissionDenied(self.denied)
        return user
