"""``rathaus serve``: gunicorn with the embedded settings, after collecting static files."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Rathaus with gunicorn (default 127.0.0.1:8000, 2 workers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args: Any, addrport: str, workers: int, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        os.execvp(  # noqa: S606 - replaces this process with gunicorn, fixed argv
            sys.executable,
            [
                sys.executable, "-m", "gunicorn", "rathaus.wsgi:application",
                "--bind", addrport, "--workers", str(workers), "--access-logfile", "-",
                "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ],
        )  # fmt: skip
