"""Delete expired drafts, unreferenced attachment blobs and crash leftovers (run daily, e.g. by cron/Celery beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.applications.services import sweep


class Command(BaseCommand):
    help = "Abgelaufene Entwürfe, nicht mehr verwendete Dateien und Reste abgebrochener Uploads löschen."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--min-age", type=float, default=3600.0, help="Dateien erst ab diesem Alter in Sekunden löschen"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep(min_age_seconds=options["min_age"])
        self.stdout.write(
            f"Entwürfe gelöscht: {result['drafts']}, Dateien gelöscht: {result['blobs']}, "
            f"temporäre Reste: {result['temp_files']}"
        )
