from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rathaus.demo.activity import generate
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Generate months of applications, payments and decisions for a demo municipality (embedded mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", default="musterstadt")
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--per-day", type=float, default=1.7)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, tenant: str, months: int, per_day: float, seed: int, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("Demo-Daten werden nicht in eine Produktivumgebung geladen.")
        municipality = Municipality.objects.filter(slug=tenant).first()
        if municipality is None:
            raise CommandError(f"Keine Kommune {tenant!r}: erst »rathaus loaddemo« ausführen.")
        if months < 1 or per_day <= 0:
            raise CommandError("--months und --per-day müssen positiv sein.")
        summary = generate(municipality, months=months, per_day=per_day, seed=seed)
        if summary.skipped:
            self.stdout.write("Die Demo-Aktivität ist schon erzeugt; nichts hinzugefügt.")
            return
        self.stdout.write(
            f"{summary.applications} Anträge, {summary.payments} Zahlungen, {summary.decisions} Bescheide erzeugt."
        )
