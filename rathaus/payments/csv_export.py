"""CSV for the Stadtkasse: ``;``-separated, German decimal comma, UTF-8 with BOM (opens right in Excel)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from rathaus.core.csv_cells import write_csv

from .models import Payment
from .providers.registry import payment_providers

HEADER = [
    "Vorgangsnummer",
    "Verwendungszweck",
    "Betrag",
    "Währung",
    "Status",
    "Zahlungsanbieter",
    "Kassenzeichen",
    "Angelegt am",
    "Bezahlt am",
    "Zahlungs-ID",
]


def german_decimal(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def payments_csv(payments: Iterable[Payment]) -> str:
    labels = dict(payment_providers.choices())
    rows = (
        [
            p.reference,
            p.purpose,
            german_decimal(p.amount),
            p.currency,
            p.get_status_display(),
            labels.get(p.provider, p.provider),
            p.provider_reference,
            _when(p.created_at),
            _when(p.paid_at),
            str(p.uuid),
        ]
        for p in payments
    )
    return write_csv(HEADER, rows, bom=True)  # the house's CSV writer: no cell runs as a formula
