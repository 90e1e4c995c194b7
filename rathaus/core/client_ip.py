"""The client's address, proxy-aware: used by django-axes to lock a failed login by account *and* address.

Behind ``RATHAUS_TRUSTED_PROXY_COUNT`` reverse proxies (each appending the address it saw to
``X-Forwarded-For``, as nginx's ``$proxy_add_x_forwarded_for`` and HAProxy's ``forwardfor`` do) the client is
the entry that many places from the right: everything left of it was written by the client and can be forged.
With no trusted proxy (the embedded mode served directly) the header is ignored and ``REMOTE_ADDR`` counts.
``RATHAUS_TRUSTED_PROXY_IPS`` (optional) limits the header to requests that really come from those proxies.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address to count failed logins by; never one the client could have chosen freely."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    count = int(getattr(settings, "RATHAUS_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    trusted = getattr(settings, "RATHAUS_TRUSTED_PROXY_IPS", []) or []
    if trusted and not _in_networks(remote, trusted):
        return remote  # not from our proxy: its X-Forwarded-For is the client's own claim
    entries = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [part for part in entries if part]
    if len(entries) < count:
        return remote  # fewer hops than proxies configured: misconfigured, trust only the connection
    return _valid(entries[-count]) or remote


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:5555"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _in_networks(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False
