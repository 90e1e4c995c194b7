"""The index of logged-in sessions: recorded at login, kept fresh by a middleware, ended by deleting the row.

Django's session stores cannot be searched by account, so every login writes an :class:`AccountSession`
and puts its random ``key`` into the session. :class:`SessionIndexMiddleware` (after the authentication
middleware) checks on every request that the row still exists — one indexed query — and logs the session
out when it is gone. That is how "überall abmelden", a password change or reset and deleting the account end
the *other* sessions at once, whatever session store is configured.

A session from before the index existed (no key in it) is entered on its next request.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rathaus.core.client_ip import client_ip
from rathaus.core.plugins import UNSTORABLE

from .models import AccountSession, User

SESSION_INDEX_KEY = "rathaus.account_session"
# Writing "last seen" on every request would cost a write per page; this often is enough to tell sessions apart.
TOUCH_EVERY = dt.timedelta(minutes=5)


def short_ip(address: str) -> str:
    """The network part only: ``203.0.113.0/24`` of an IPv4 address, the /48 of an IPv6 address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _user_agent(request: HttpRequest) -> str:
    return UNSTORABLE.sub("", request.META.get("HTTP_USER_AGENT", ""))[:300]


def record_login(request: HttpRequest, user: User) -> AccountSession:
    """Enter the session ``request`` now belongs to ``user`` in the index (called on every login)."""
    entry = AccountSession.objects.create(
        user=user,
        key=secrets.token_urlsafe(32),
        user_agent=_user_agent(request),
        # Behind reverse proxies REMOTE_ADDR is the proxy's: the proxy-aware address is the citizen's network.
        ip=short_ip(client_ip(request) or ""),
    )
    request.session[SESSION_INDEX_KEY] = entry.key
    return entry


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        record_login(request, user)


def on_user_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and user is not None:
        key = request.session.get(SESSION_INDEX_KEY)
        if key:
            AccountSession.objects.filter(user=user, key=key).delete()


def current_key(request: HttpRequest) -> str:
    return str(request.session.get(SESSION_INDEX_KEY, ""))


def sessions_of(user: User) -> QuerySet[AccountSession]:
    """The account's sessions, the most recently active first."""
    return AccountSession.objects.filter(user=user).order_by("-last_seen_at", "-pk")


def end_other_sessions(*, user: User, keep: str) -> int:
    """End every session of ``user`` but the one with index key ``keep`` (may be empty: end all). Returns how many."""
    deleted, _rows = AccountSession.objects.filter(user=user).exclude(key=keep or None).delete()
    return deleted


def end_all_sessions(*, user: User) -> int:
    deleted, _rows = AccountSession.objects.filter(user=user).delete()
    return deleted


class SessionIndexMiddleware:
    """Logs out a session whose index row is gone; keeps ``last_seen_at`` roughly current."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            key = request.session.get(SESSION_INDEX_KEY)
            if not key:
                record_login(request, user)  # type: ignore[arg-type]
            else:
                seen = AccountSession.objects.filter(user_id=user.pk, key=key).values_list("last_seen_at", flat=True)
                last_seen = seen.first()
                if last_seen is None:
                    logout(request)  # ended elsewhere ("überall abmelden", new password, deleted account)
                elif timezone.now() - last_seen > TOUCH_EVERY:
                    AccountSession.objects.filter(user_id=user.pk, key=key).update(last_seen_at=timezone.now())
        return self.get_response(request)


def describe_user_agent(user_agent: str) -> str:
    """A readable "Browser auf System" from a User-Agent header (rough; good enough to recognise one's devices)."""
    browsers = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"), ("Safari/", "Safari"))  # fmt: skip
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip
    browser = next((name for marker, name in browsers if marker in user_agent), "")
    system = next((name for marker, name in systems if marker in user_agent), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or ""
