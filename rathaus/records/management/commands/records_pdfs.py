"""``rathaus records_pdfs``: make the answers PDFs of filed applications that are still missing (cron, when
no Celery beat runs; see ``rathaus/records/tasks.py``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.records.tasks import sweep_application_pdfs


class Command(BaseCommand):
    help = "Render and file the answers PDF of every filed application that does not have it yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many per call")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        made = sweep_application_pdfs(limit)
        self.stdout.write(f"{made} PDF(s) erstellt")
