"""Rate-limit counters are shared by all worker processes (they were per process: 121–238 uploads got through
a limit of 120 per hour with several gunicorn workers)."""

from __future__ import annotations

import multiprocessing
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from rathaus.core import ratelimit

LIMIT = 120


def _worker(store: str, attempts: int, start: Any, results: Any) -> None:
    """One 'gunicorn worker': its own process, its own connections, counting against the same limit."""
    from django.conf import settings

    settings.RATHAUS_RATELIMIT_STORE = store
    start.wait()
    try:
        allowed = sum(ratelimit.allow("upload", 42, limit=LIMIT, window_seconds=3600) for _ in range(attempts))
    except Exception as exc:  # the parent asserts on it: an error message, not a 60-s timeout
        results.put(f"{type(exc).__name__}: {exc}")
        return
    results.put(allowed)


def _race(store: str, processes: int = 2, attempts: int = 100) -> int:
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_worker, args=(store, attempts, start, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    start.set()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert all(isinstance(answer, int) for answer in answers), answers
    return sum(answers)


def test_two_worker_processes_share_one_counter_in_the_embedded_store(tmp_path: Path) -> None:
    # 2 × 100 attempts against 120 per hour: exactly 120 get through, however the two processes interleave.
    # Each race starts on a fresh file: both workers switching it to WAL at once was a "database is locked" error
    # in about one race of ten (a worker's first request after a start failed).
    for race in range(8):
        assert _race(f"sqlite:{tmp_path / f'ratelimit-{race}.sqlite3'}") == LIMIT


class _BusyAtFirst:
    """A connection on which the other worker holds the fresh file for the first ``busy`` statements."""

    def __init__(self, busy: int, message: str = "database is locked") -> None:
        self.busy, self.message, self.statements = busy, message, []

    def execute(self, sql: str) -> None:
        if self.busy:
            self.busy -= 1
            raise sqlite3.OperationalError(self.message)
        self.statements.append(sql)


def test_preparing_a_fresh_file_waits_while_another_worker_holds_it() -> None:
    db = _BusyAtFirst(busy=3)
    ratelimit._prepare(db)  # type: ignore[arg-type]
    assert db.statements[0] == "PRAGMA journal_mode=WAL"
    assert db.statements[-1].startswith("CREATE TABLE IF NOT EXISTS counters")


def test_preparing_gives_up_after_its_patience_and_other_errors_are_not_retried() -> None:
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        ratelimit._prepare(_BusyAtFirst(busy=10**6), patience=0.05)  # type: ignore[arg-type]
    broken = _BusyAtFirst(busy=1, message="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        ratelimit._prepare(broken, patience=5)  # type: ignore[arg-type]
    assert broken.statements == []


def test_the_embedded_default_is_the_shared_file_and_the_counter_survives_a_restart(tmp_path: Path, settings) -> None:
    settings.RATHAUS_RATELIMIT_STORE = f"sqlite:{tmp_path / 'rl.sqlite3'}"
    assert [ratelimit.allow("message", 7, limit=2, window_seconds=60) for _ in range(3)] == [True, True, False]
    ratelimit._local.connections = {}  # as if the worker had been restarted
    assert ratelimit.allow("message", 7, limit=2, window_seconds=60) is False
    assert ratelimit.allow("message", 8, limit=2, window_seconds=60) is True  # another account: its own counter


def test_an_unknown_store_is_a_clear_error(settings) -> None:
    settings.RATHAUS_RATELIMIT_STORE = "memcached://x"
    with pytest.raises(ValueError, match="RATHAUS_RATELIMIT_STORE"):
        ratelimit.allow("upload", 1, limit=1, window_seconds=60)


def test_embedded_settings_choose_the_shared_file_without_redis_and_redis_with_it(tmp_path: Path) -> None:
    import sys

    code = "import rathaus.settings.embedded as s; print(s.RATHAUS_RATELIMIT_STORE)"
    env = {"PATH": "/usr/bin:/bin", "RATHAUS_DATA_DIR": str(tmp_path)}
    run = [sys.executable, "-c", code]
    plain = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
    assert plain.stdout.strip() == f"sqlite:{tmp_path / 'ratelimit.sqlite3'}", plain.stderr
    redis = subprocess.run(run, env={**env, "REDIS_URL": "redis://127.0.0.1:6379/0"}, capture_output=True, text=True)
    assert redis.stdout.strip() == "cache", redis.stderr


@pytest.fixture
def redis_url(tmp_path: Path) -> Any:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is needed for the shared rate-limit test: apt-get install redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    server = subprocess.Popen(
        [binary, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_two_worker_processes_share_one_counter_in_redis(redis_url: str, settings: Any) -> None:
    # Setting CACHES makes Django rebuild its cache handlers (test signal): the default cache is this Redis now.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    assert _race("cache") == LIMIT
