"""Simple fixed-window rate limits on a store that every worker process shares.

Used where one account could otherwise cost the platform a lot: uploads (each one is virus-scanned) and
messages (each one may send an e-mail). Logins are limited by django-axes.

The counters must be shared by all gunicorn workers, or each worker grants the limit again (with a per-process
cache, 121–238 uploads got through a limit of 120 per hour). ``RATHAUS_RATELIMIT_STORE`` says where they live:
``"cache"`` — Django's default cache, Redis in production (production refuses to start without REDIS_URL);
``"sqlite:<path>"`` — a small SQLite file in the data directory, the embedded default (one machine, several
workers; each count is one atomic upsert).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

_local = threading.local()
_PURGE_EVERY = 200  # on average every 200th count deletes expired windows


def allow(scope: str, who: object, *, limit: int, window_seconds: int) -> bool:
    """Count one action of ``who`` in ``scope``; False once more than ``limit`` fall into the current window."""
    window = int(time.time() // window_seconds)
    key = f"rathaus:rl:{scope}:{who}:{window}"
    return hit(key, ttl=window_seconds + 5) <= limit


def hit(key: str, *, ttl: int) -> int:
    """Add one to the counter ``key`` (created with lifetime ``ttl`` seconds) and return its new value."""
    store = getattr(settings, "RATHAUS_RATELIMIT_STORE", "cache") or "cache"
    if store == "cache":
        return _hit_cache(key, ttl)
    if store.startswith("sqlite:"):
        return _hit_sqlite(Path(store.removeprefix("sqlite:")), key, ttl)
    raise ValueError(f"RATHAUS_RATELIMIT_STORE must be 'cache' or 'sqlite:<path>', not {store!r}")


def _hit_cache(key: str, ttl: int) -> int:
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return int(cache.incr(key))  # Redis: INCR, atomic across processes
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


def _hit_sqlite(path: Path, key: str, ttl: int) -> int:
    db = _connection(path)
    now = time.time()
    row = db.execute(
        "INSERT INTO counters (key, count, expires) VALUES (?, 1, ?) "
        "ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count",
        (key, now + ttl),
    ).fetchone()
    if random.randrange(_PURGE_EVERY) == 0:  # noqa: S311 - spreading housekeeping, not security
        db.execute("DELETE FROM counters WHERE expires < ?", (now,))
    return int(row[0])


def _connection(path: Path) -> sqlite3.Connection:
    """One connection per thread and file (sqlite3 connections must not cross threads)."""
    connections: dict[Path, sqlite3.Connection] = getattr(_local, "connections", None) or {}
    _local.connections = connections
    db = connections.get(path)
    if db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=10, isolation_level=None)  # autocommit: each statement is atomic
        _prepare(db)
        connections[path] = db
    return db


def _prepare(db: sqlite3.Connection, *, patience: float = 10.0) -> None:
    """WAL mode and the table, retried while another worker does the same on the fresh file.

    Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is locked" at once, without
    its busy timeout, when two processes try at the same moment (2 workers starting together: 13 of 150 runs).
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a lost count on a power cut is harmless
            db.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER, expires REAL)")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.02))  # noqa: S311 - jitter, not security
