"""``rathaus steering_month_totals``: compute the month totals of the live figures from the fact tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.steering.management.tenant_option import tenant_id_of
from rathaus.steering.month_totals import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the month totals of the steering figures from the application and payment facts (after a bulk "
        "load of facts; the event consumers keep them otherwise)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="slug of one municipality (default: all)")

    def handle(self, *args: Any, tenant: str | None = None, **options: Any) -> None:
        tenant_id = tenant_id_of(tenant)
        self.stdout.write(f"{rebuild(tenant_id)} Monatssummen geschrieben")
