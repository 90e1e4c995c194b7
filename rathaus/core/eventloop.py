"""Call a synchronous library function that runs its own event loop (``asyncio.run``) from any caller.

pyHanko's synchronous API (``sign_pdf``, ``validate_pdf_signature``) wraps its asynchronous core in
``asyncio.run``, which refuses to start while an event loop is already running in the calling thread: under an
ASGI server, in a Celery worker with an async pool, or next to a synchronous Playwright session in the same
process. There the call runs in a short-lived thread of its own, which has no loop; elsewhere it runs directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def outside_event_loop(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)``, in a thread of its own if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outside-event-loop") as pool:
        return pool.submit(function, *args, **kwargs).result()
