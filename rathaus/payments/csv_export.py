"""CSV for the Stadtkasse: ``;``-separated, German decimal comma, UTF-8 with BOM (opens right in Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from rathaus.core.csv_cells import neutralise_formula

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
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    labels = dict(payment_providers.choices())
    for p in payments:
        writer.writerow(
            [
                neutralise_formula(p.reference),
                neutralise_formula(p.purpose),
                german_decimal(p.amount),
                neutralise_formula(p.currency),
                p.get_status_display(),
                neutralise_formula(labels.get(p.provider, p.provider)),
                neutralise_formula(p.provider_reference),
                _when(p.created_at),
                _when(p.paid_at),
                str(p.uuid),
            ]
        )
    return out.getvalue()
