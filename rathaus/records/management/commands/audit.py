"""``rathaus audit``: the audit journal of the E-Akte from the command line (see rathaus.records.journal).

rathaus audit verify [--tenant SLUG]     walk every municipality's chain; exit 1 naming the first broken entry
rathaus audit anchor [--day YYYY-MM-DD]  anchor each municipality's chain at the end of the day (default:
                                         yesterday), timestamped when RATHAUS_TSA_URL is set
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rathaus.records import journal
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Prüfprotokoll (Journal) der E-Akte: Kette prüfen, Tagesanker setzen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="die Hash-Kette jeder Kommune prüfen")
        verify.add_argument("--tenant", help="nur diese Kommune (Kurzname)")
        anchor = sub.add_parser("anchor", help="Tagesanker setzen")
        anchor.add_argument("--tenant", help="nur diese Kommune (Kurzname)")
        anchor.add_argument("--day", type=dt.date.fromisoformat, help="Tag (JJJJ-MM-TT), Vorgabe: gestern")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Municipality.objects.order_by("slug")
        if options.get("tenant"):
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"Keine Kommune mit dem Kurznamen {options['tenant']!r}.")
        if options["action"] == "verify":
            self._verify(list(tenants))
        else:
            day = options.get("day") or timezone.localdate() - dt.timedelta(days=1)
            for tenant in tenants:
                anchor = journal.anchor_day(tenant.pk, day, timestamper=journal.configured_timestamper())
                if anchor is None:
                    self.stdout.write(f"{tenant.slug}: keine Einträge bis {day}")
                else:
                    stamped = " (mit Zeitstempel)" if anchor.timestamp_token else ""
                    self.stdout.write(f"{tenant.slug}: Anker {day} bei Eintrag {anchor.last_seq}{stamped}")

    def _verify(self, tenants: list[Municipality]) -> None:
        broken = []
        for tenant in tenants:
            started = time.perf_counter()
            result = journal.verify(tenant.pk)
            seconds = time.perf_counter() - started
            if result.ok:
                self.stdout.write(f"{tenant.slug}: {result.entries} Einträge, Kette vollständig ({seconds:.1f} s)")
            else:
                broken.append(tenant.slug)
                self.stdout.write(
                    f"{tenant.slug}: GEBROCHEN bei Eintrag {result.broken_seq}: {result.reason} "
                    f"({result.entries} Einträge davor geprüft)"
                )
        if broken:
            raise CommandError(f"Journal gebrochen: {', '.join(broken)}", returncode=1)
