from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.demo.activity import generate
from rathaus.demo.management.guard import refuse_in_production
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Generate months of applications, payments and decisions for a demo municipality (embedded mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", default="musterstadt")
        parser.add_argument(
            "--months", type=int, default=None,
            help="how many months back (default: from the start of the last complete half-year, as loaddemo does)",
        )  # fmt: skip
        parser.add_argument(
            "--per-day", type=float, default=None, help="applications a day (default: about 200 over the period)"
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(
        self, *args: Any, tenant: str, months: int | None, per_day: float | None, seed: int, **options: Any
    ) -> None:
        refuse_in_production()
        municipality = Municipality.objects.filter(slug=tenant).first()
        if municipality is None:
            raise CommandError(f"Keine Kommune {tenant!r}: erst »rathaus loaddemo« ausführen.")
        if (months is not None and months < 1) or (per_day is not None and per_day <= 0):
            raise CommandError("--months und --per-day müssen positiv sein.")
        summary = generate(municipality, months=months, per_day=per_day, seed=seed)
        if summary.skipped:
            self.stdout.write("Die Demo-Aktivität ist schon erzeugt; nichts hinzugefügt.")
            return
        self.stdout.write(
            f"{summary.applications} Anträge, {summary.payments} Zahlungen, {summary.decisions} Bescheide erzeugt."
        )
