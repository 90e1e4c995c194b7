"""``rathaus serve``'s gunicorn as real processes: no ``Server`` header, and each installation its own control socket.

The servers are started with exactly the command line ``rathaus serve`` execs (``gunicorn_argv``); the
collectstatic step before it is left out here because it takes minutes on a busy machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from rathaus.core.management.commands.serve_rathaus import gunicorn_argv

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _serve(data_dir: Path, runtime_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "RATHAUS_DATA_DIR": str(data_dir),
        "XDG_RUNTIME_DIR": str(runtime_dir),  # where gunicorn's default control socket would go, for both
        "HOME": str(runtime_dir),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    log = (data_dir / "serve.log").open("wb")
    env["DJANGO_SETTINGS_MODULE"] = "rathaus.settings.embedded"
    process = subprocess.Popen(
        [*gunicorn_argv(f"127.0.0.1:{port}", 1, data_dir), "--timeout", "180"],  # a slow first import, busy CI
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"rathaus serve exited: {(data_dir / 'serve.log').read_text()[-2000:]}")
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{url}/healthz", timeout=60)
                break
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within 240 s: {(data_dir / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_two_serves_on_one_host_answer_without_server_header_and_keep_their_own_control_sockets() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="rh-a-") as a,
        tempfile.TemporaryDirectory(prefix="rh-b-") as b,
        tempfile.TemporaryDirectory(prefix="rh-run-") as run,
        _serve(Path(a), Path(run)) as url_a,
        _serve(Path(b), Path(run)) as url_b,
    ):
        for url in (url_a, url_b):
            response = requests.get(f"{url}/healthz", timeout=60)
            assert "Server" not in response.headers, response.headers
            assert "gunicorn" not in str(response.headers).lower()
        sockets = [Path(a) / "gunicorn.ctl", Path(b) / "gunicorn.ctl"]
        assert all(path.is_socket() for path in sockets)
        assert not (Path(run) / "gunicorn.ctl").exists()  # nobody used the shared default
        for path in sockets:  # each answers, i.e. it belongs to a live gunicorn of its own
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(path))


def test_a_data_directory_too_long_for_a_socket_path_gets_no_control_socket() -> None:
    short = gunicorn_argv("127.0.0.1:8000", 2, Path("/srv/rathaus"))
    assert short[short.index("--control-socket") + 1] == "/srv/rathaus/gunicorn.ctl"
    long = gunicorn_argv("127.0.0.1:8000", 2, Path("/srv/" + "x" * 120))
    assert "--no-control-socket" in long and "--control-socket" not in long
    assert short[short.index("-c") + 1] == "python:rathaus.gunicorn_conf"


def test_the_serve_command_collects_static_files_and_execs_exactly_that_command_line(monkeypatch, settings) -> None:
    from django.core.management import call_command

    from rathaus.core.management.commands import serve_rathaus

    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(serve_rathaus, "call_command", lambda name, **kw: calls.append((name, [])))
    monkeypatch.setattr(serve_rathaus.os, "execvp", lambda file, argv: calls.append((file, argv)))
    settings.DATA_DIR = Path("/srv/rathaus")
    call_command("serve_rathaus", "127.0.0.1:9000", "--workers", "3")
    assert calls == [("collectstatic", []), (sys.executable, gunicorn_argv("127.0.0.1:9000", 3, Path("/srv/rathaus")))]
