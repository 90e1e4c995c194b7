"""``rathaus serve``: gunicorn with the embedded settings, after collecting static files."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# A UNIX socket path may not be longer than this (sun_path is 108 bytes including the terminating NUL).
_MAX_SOCKET_PATH = 107


def gunicorn_argv(addrport: str, workers: int, data_dir: Path) -> list[str]:
    """The gunicorn command line: no ``Server`` header (rathaus.gunicorn_conf) and a control socket of this
    installation's own, in its data directory, so that two installations on one host never share gunicorn's
    default one ($XDG_RUNTIME_DIR/gunicorn.ctl); none at all if the data directory's path is too long for one."""
    control = data_dir / "gunicorn.ctl"
    control_args = (
        ["--control-socket", str(control)] if len(os.fsencode(control)) <= _MAX_SOCKET_PATH else ["--no-control-socket"]
    )
    return [
        sys.executable, "-m", "gunicorn", "rathaus.wsgi:application",
        "-c", "python:rathaus.gunicorn_conf",
        "--bind", addrport, "--workers", str(workers), "--access-logfile", "-",
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        *control_args,
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Serve Rathaus with gunicorn (default 127.0.0.1:8000, 2 workers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args: Any, addrport: str, workers: int, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(addrport, workers, Path(settings.DATA_DIR))
        os.execvp(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn, fixed argv
