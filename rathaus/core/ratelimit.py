"""Simple fixed-window rate limits on the shared cache (Redis in production).

Used where one account could otherwise cost the platform a lot: uploads (each one is virus-scanned) and
messages (each one may send an e-mail). Logins are limited by django-axes.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(scope: str, who: object, *, limit: int, window_seconds: int) -> bool:
    """Count one action of ``who`` in ``scope``; False once more than ``limit`` fall into the current window."""
    window = int(time.time() // window_seconds)
    key = f"rathaus:rl:{scope}:{who}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit
