"""``rathaus steering_backfill``: rebuild the live figures' fact tables from the stored events (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.steering.backfill import backfill
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Rebuild the steering fact tables (applications, decisions, payments) from the stored events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="slug of one municipality (default: all)")

    def handle(self, *args: Any, tenant: str | None = None, **options: Any) -> None:
        tenant_id = None
        if tenant:
            found = Municipality.objects.filter(slug=tenant).first()
            if found is None:
                raise CommandError(f"Keine Kommune mit dem Kürzel {tenant!r}")
            tenant_id = found.pk
        counts = backfill(tenant_id)
        self.stdout.write(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
