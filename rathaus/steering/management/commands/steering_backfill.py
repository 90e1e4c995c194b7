"""``rathaus steering_backfill``: rebuild the live figures' fact tables from the stored events (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.steering.backfill import backfill
from rathaus.steering.management.tenant_option import tenant_id_of


class Command(BaseCommand):
    help = "Rebuild the steering fact tables (applications, decisions, payments) from the stored events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="slug of one municipality (default: all)")

    def handle(self, *args: Any, tenant: str | None = None, **options: Any) -> None:
        tenant_id = tenant_id_of(tenant)
        counts = backfill(tenant_id)
        self.stdout.write(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
