"""Access rules for views: citizen trust level and staff with a verified second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from rathaus.tenants.http import TenantRequest

from . import permissions
from .services import session_trust_level
from .trust import TrustLevel, satisfies

View = Callable[..., HttpResponse]


def trust_level_required(level: str | Callable[..., str]) -> Callable[[View], View]:
    """Let the view run only when this session's login reached ``level``.

    ``level`` may be a callable ``(request, **view_kwargs) -> level`` (e.g. the service's level). Otherwise
    the citizen gets a page that says, in plain German, how to log in at the needed level.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            needed = level(request, **kwargs) if callable(level) else level
            if needed == TrustLevel.NONE or satisfies(session_trust_level(request), needed):
                return view(request, *args, **kwargs)
            query = urlencode({"level": needed, "next": request.get_full_path()})
            return redirect(f"{reverse('identity:trust_level')}?{query}")

        return wrapped

    return decorator


def staff_required(*roles: str) -> Callable[[View], View]:
    """Staff of this municipality, logged in with password *and* second factor, holding one of ``roles``.

    No ``roles``: any staff member. Which roles count is ``permissions.has_role`` (the administration of the
    municipality passes every check).
    """
    if roles:
        permissions.known_roles(*roles)  # a misspelt role fails at import time, not on the first request

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not getattr(user, "is_employee", False):
                return redirect(f"{reverse('staff:login')}?{urlencode({'next': request.get_full_path()})}")
            if not user.is_verified():  # type: ignore[attr-defined]  # set by django_otp's middleware
                return redirect(f"{reverse('staff:otp')}?{urlencode({'next': request.get_full_path()})}")
            if roles and not permissions.has_role(user, request.tenant, *roles):
                return TemplateResponse(request, "staff/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
