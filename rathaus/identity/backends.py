"""Password login scoped to the request's municipality."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


class TenantEmailBackend(ModelBackend):
    """E-mail + password, looked up only among the accounts of ``request.tenant``.

    On platform hosts (no tenant) only operators can log in.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None or not username or password is None:
            return None
        tenant = getattr(request, "tenant", None)
        user = User.objects.filter(email__iexact=username.strip(), tenant=tenant).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle for account existence
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """Lockouts count per municipality and e-mail address."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    tenant = getattr(request, "tenant", None)
    return f"{getattr(tenant, 'slug', '-')}:{str(username).strip().lower()}"
