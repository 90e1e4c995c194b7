"""Sealing and checking a seal work also where the calling thread runs an event loop (ASGI, an async worker,
or a synchronous Playwright session in the same process): pyHanko's synchronous API starts a loop of its own,
which ``asyncio.run`` refuses inside a running one."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from rathaus.core.eventloop import outside_event_loop
from rathaus.records import sealing
from rathaus.tenants.tests.world import pdf_with


@pytest.fixture(autouse=True)
def seals(settings: Any, tmp_path: Any) -> Any:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")
    return tmp_path / "seals"


def _loop_runs() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _inside_a_running_loop(function: Any) -> Any:
    """``function()`` called synchronously while an event loop runs in this thread (as a sync view under an
    event loop would be). In a test process that already drives a synchronous Playwright session, one runs."""
    if _loop_runs():
        return function()

    async def main() -> Any:
        return function()

    return asyncio.run(main())


def _in_a_fresh_thread(function: Any) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


@pytest.mark.django_db
def test_a_decision_is_sealed_and_checked_while_an_event_loop_runs(
    tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the database from inside the loop, as Playwright's
    plugin = sealing.plugin_for(tenant)
    pdf = pdf_with("Bescheid über die Hundesteuer")

    sealed = _inside_a_running_loop(lambda: plugin.seal(tenant=tenant, pdf=pdf, reason="Bescheid"))
    verdict = _inside_a_running_loop(lambda: sealing.verify(tenant=tenant, pdf=sealed))

    assert verdict.valid and verdict.reason == "valid", verdict
    assert sealing.verify(tenant=tenant, pdf=sealed).valid  # and the same without a loop


def test_outside_event_loop_runs_in_place_without_a_loop_and_in_a_thread_with_one() -> None:
    def without_loop() -> bool:
        return outside_event_loop(threading.get_ident) == threading.get_ident()

    def with_loop() -> bool:
        return _inside_a_running_loop(lambda: outside_event_loop(threading.get_ident) != threading.get_ident())

    # Fresh threads: no event loop runs there, whatever the test process's main thread drives.
    assert _in_a_fresh_thread(without_loop)
    assert _in_a_fresh_thread(with_loop)
    assert outside_event_loop(lambda a, *, b: a + b, 1, b=2) == 3
    with pytest.raises(ZeroDivisionError):  # the thread's exception reaches the caller
        _in_a_fresh_thread(lambda: _inside_a_running_loop(lambda: outside_event_loop(lambda: 1 / 0)))
