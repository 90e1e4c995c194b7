"""Rebuild the fact tables of the live figures from the stored events (``rathaus steering_backfill``)."""

from __future__ import annotations

from django.db import transaction

from rathaus.core.events import registry
from rathaus.core.models import Event

from .consumers import HANDLERS
from .models_channels import CaseFact, DocumentFact, LoginFact
from .models_facts import ApplicationFact, ApplicationMonth, PaymentFact


def backfill(tenant_id: int | None = None) -> dict[str, int]:
    """Empty the fact tables and the month totals (of one municipality, or all) and replay every stored event of
    the kinds they count, oldest first, in one transaction. Running it twice gives the same tables; returns events
    per kind."""
    counts = dict.fromkeys(HANDLERS, 0)
    with transaction.atomic():
        for model in (ApplicationFact, ApplicationMonth, PaymentFact, LoginFact, CaseFact, DocumentFact):
            rows = model.all_tenants.all()
            (rows if tenant_id is None else rows.filter(tenant_id=tenant_id)).delete()
        events = Event.all_tenants.filter(kind__in=HANDLERS).order_by("pk")
        if tenant_id is not None:
            events = events.filter(tenant_id=tenant_id)
        for event in events.iterator(chunk_size=2000):
            HANDLERS[event.kind](event, registry.kind(event.kind).parse(event.payload))
            counts[event.kind] += 1
    return counts
