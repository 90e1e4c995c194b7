"""A real server in its own database for the durability test and the submission benchmark.

``ServerDatabase`` is a fresh SQLite file or a dedicated PostgreSQL database (created and dropped here) that
the test reads with plain SQL, never through the test process's Django connection. ``Server`` runs gunicorn
in its own process group, so the whole server (master and workers) can be killed at once, like a crash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
# Variables of the caller that would point the server somewhere else than its own database and data dir.
_NOT_INHERITED = ("CELERY_BROKER_URL", "REDIS_URL", "CLAMD_TCP", "DATABASE_URL", "RATHAUS_DATA_DIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerDatabase:
    """The server's database: ``sqlite`` (a file in ``workdir``) or ``postgres`` (database ``name`` next to
    the one in ``pg_url``). ``query`` takes SQL with ``%s`` placeholders for both."""

    def __init__(self, vendor: str, workdir: Path, *, pg_url: str = "", name: str = "") -> None:
        self.vendor = vendor
        if vendor == "sqlite":
            self.path = workdir / "server.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            base = pg_url.rsplit("/", 1)[0]
            self.maintenance_url = f"{base}/postgres"
            self.name = name
            self.url = f"{base}/{name}"

    def create(self) -> None:
        if self.vendor == "postgres":
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            self._admin("CREATE DATABASE {}")

    def drop(self) -> None:
        if self.vendor == "postgres":
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=20)) as conn:
                return conn.execute(statement.replace("%s", "?"), tuple(params)).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(statement, tuple(params)).fetchall()  # type: ignore[arg-type]


def server_env(database_url: str, data_dir: Path, clamd_socket: Path, **extra: str) -> dict[str, str]:
    """The environment of the server and of management commands run against its database."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="rathaus.settings.embedded",
        DATABASE_URL=database_url,
        RATHAUS_DATA_DIR=str(data_dir),
        SECRET_KEY="durability-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        CLAMD_SOCKET=str(clamd_socket),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    env.update(extra)
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing STATIC_ROOT
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``rathaus <args>`` (the console command) against the server's database; returns its output."""
    result = subprocess.run(
        [sys.executable, "-m", "rathaus.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"rathaus {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


@contextlib.contextmanager
def own_database(tmp_path: Path, name: str) -> Iterator[tuple[ServerDatabase, dict[str, str]]]:
    """A database of its own for a test that runs a child process against it (concurrency tests): PostgreSQL
    (a fresh database ``<name>_<pid>`` beside the suite's) when the suite runs on PostgreSQL, else a SQLite file;
    with the environment the child runs in. No upload happens in such children, so no clamd is needed: the
    socket path only has to be set."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if suite_url.startswith("postgres"):
        db = ServerDatabase("postgres", tmp_path, pg_url=suite_url, name=f"{name}_{os.getpid()}")
    else:
        db = ServerDatabase("sqlite", tmp_path)
    db.create()
    try:
        yield db, server_env(db.url, tmp_path / "data", tmp_path / "no-clamd.sock", LOG_LEVEL="ERROR")
    finally:
        db.drop()


def run_module(env: dict[str, str], module: str, *args: str, timeout: float = 180) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed ({result.returncode}):\n{result.stderr[-3000:]}")


class Server:
    """gunicorn (sync workers) serving ``rathaus.wsgi`` on 127.0.0.1, in a process group of its own."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2, port: int | None = None) -> None:
        self.env = env
        self.log_path = log
        self.workers = workers
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "rathaus.wsgi:application",
            "-c", "python:rathaus.gunicorn_conf",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--worker-class", "sync",
            "--timeout", "60",
            # Never gunicorn's shared default control socket: a crash test next to `make demo` or a second
            # test run would talk to the other master.
            "--no-control-socket",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (master and every worker) and reap the master."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers are in the same group; SIGKILL reaches them even if the master died first.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""
