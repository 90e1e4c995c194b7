"""Reactions to other modules' events."""

from __future__ import annotations

from typing import Any


def on_payment_status_changed(sender: Any, payment: Any, old_status: str = "", **kwargs: Any) -> None:
    """A payment of an application changed at the provider: mirror it on the application."""
    from . import services

    services.record_payment(
        tenant_id=payment.tenant_id,
        number=payment.reference,
        paid=payment.status == "paid",
        failed=payment.status in ("failed", "cancelled"),
    )
