"""``rathaus events``: the durable events from the command line (see rathaus.core.events).

rathaus events                      how many deliveries are pending, done, given up (per consumer)
rathaus events --kinds              the declared kinds with their payload fields, meaning and consumers
rathaus events --failed             given-up deliveries with their last error
rathaus events --retry ID [ID …]    fresh attempts for these deliveries, delivered now
rathaus events --retry-all-failed   the same for every given-up delivery
rathaus events --sweep              deliver everything due now (cron in the embedded mode: every minute)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from rathaus.core import events
from rathaus.core.models import Delivery


class Command(BaseCommand):
    help = "Ereignisse und ihre Zustellungen: Übersicht, aufgegebene Zustellungen, erneut zustellen, nachzustellen."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--kinds", action="store_true", help="deklarierte Ereignisarten und ihre Empfänger")
        action.add_argument("--failed", action="store_true", help="aufgegebene Zustellungen mit letztem Fehler")
        action.add_argument("--retry", type=int, nargs="+", metavar="ID", help="diese Zustellungen erneut zustellen")
        action.add_argument("--retry-all-failed", action="store_true", help="alle aufgegebenen erneut zustellen")
        action.add_argument("--sweep", action="store_true", help="alles Fällige jetzt zustellen")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kinds"]:
            self._kinds()
        elif options["failed"]:
            self._failed()
        elif options["retry"]:
            self._retry(options["retry"])
        elif options["retry_all_failed"]:
            self._outcome("Erneut zugestellt", events.retry_all_failed())
        elif options["sweep"]:
            self._outcome("Nachzustellung", events.sweep(limit=None))
        else:
            self._summary()

    def _summary(self) -> None:
        rows = Delivery.objects.values("consumer", "state").annotate(n=Count("pk")).order_by("consumer", "state")
        if not rows:
            self.stdout.write("Keine Zustellungen.")
        for row in rows:
            self.stdout.write(f"{row['consumer']:<40} {row['state']:<8} {row['n']:>8}")

    def _kinds(self) -> None:
        for kind in sorted(events.registry.kinds.values(), key=lambda k: k.name):
            self.stdout.write(f"{kind.name}: {kind.meaning}")
            for name, field in kind.payload.model_fields.items():
                self.stdout.write(f"    {name}: {_type_name(field.annotation)}")
            consumers = [c.name for c in events.registry.consumers_of(kind.name)]
            self.stdout.write(f"    → {', '.join(consumers) or '(kein Empfänger)'}")

    def _failed(self) -> None:
        failed = list(events.failed_deliveries())
        if not failed:
            self.stdout.write("Keine aufgegebenen Zustellungen.")
            return
        self.stdout.write(f"{len(failed)} aufgegebene Zustellung(en):")
        for d in failed:
            error = d.last_error.split("\n", 1)[0]
            self.stdout.write(
                f"{d.pk}\t{d.event.kind}\t{d.event.subject}\t{d.event.tenant.slug}\t{d.consumer}\t"
                f"{d.attempts} Versuche\t{d.updated_at:%Y-%m-%d %H:%M:%S}\t{error}"
            )

    def _retry(self, ids: list[int]) -> None:
        failures = 0
        for pk in ids:
            try:
                delivery = events.retry(pk)
            except Delivery.DoesNotExist:
                raise CommandError(f"Keine Zustellung mit der Nummer {pk}.") from None
            except events.AlreadyDelivered as exc:
                raise CommandError(f"Zustellung {pk} ist bereits zugestellt ({exc}).") from None
            if delivery.state == Delivery.State.DONE:
                self.stdout.write(f"{pk}: zugestellt")
            else:
                failures += 1
                self.stdout.write(f"{pk}: wieder fehlgeschlagen: {delivery.last_error.splitlines()[0]}")
        if failures:
            raise CommandError(f"{failures} Zustellung(en) sind wieder fehlgeschlagen und werden erneut versucht.")

    def _outcome(self, label: str, outcome: events.Outcome) -> None:
        self.stdout.write(
            f"{label}: {outcome.delivered} zugestellt, {outcome.retrying} fehlgeschlagen (später erneut), "
            f"{outcome.exhausted} aufgegeben"
        )


def _type_name(annotation: Any) -> str:
    """``str``, ``UUID``, ``Literal['failed', 'cancelled']`` — as a reader of the contract wants to see it."""
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")
