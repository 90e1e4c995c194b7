"""The catalog tells identity what a service needs from the citizen's account (``identity.login_needs``).

A login started on the way to an application returns to the application's start page
(``/antraege/neu/<kurzname>/``, URL name ``applications:start``, named here as a string: the catalog does not
import the applications app above it). That page's service names the attribute groups its login asks for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.urls import Resolver404, get_script_prefix, resolve

from rathaus.identity.login_needs import Needs

from .selectors import published_service

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

APPLICATION_START = "applications:start"


def needs_of(tenant: Municipality, next_path: str) -> Needs | None:
    path = urlsplit(next_path).path
    prefix = get_script_prefix()  # /m/<kurzname>/ on a platform host
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != APPLICATION_START or "slug" not in match.kwargs:
        return None
    service = published_service(tenant, str(match.kwargs["slug"]))
    if service is None:
        return None
    return Needs(service=service.slug, groups=tuple(service.login_attributes or ()))
