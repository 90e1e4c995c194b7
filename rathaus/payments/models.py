"""Payments of fees: one row per payment attempt at a provider, with an append-only history."""

from __future__ import annotations

import uuid as uuid_lib
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

from .providers.registry import payment_providers


class Payment(TenantOwned):
    """A fee the citizen pays for one application (``reference``) through one provider.

    ``uuid`` is the public identifier (URLs, API, provider references); the integer pk never leaves the
    database. Only :mod:`rathaus.payments.services` writes these rows.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        PENDING = "pending", _("beim Zahlungsanbieter")
        PAID = "paid", _("bezahlt")
        FAILED = "failed", _("fehlgeschlagen")
        CANCELLED = "cancelled", _("abgebrochen")

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    reference = models.CharField(_("Vorgangsnummer"), max_length=40, db_index=True)
    purpose = models.CharField(_("Verwendungszweck"), max_length=140)
    amount = models.DecimalField(_("Betrag"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("Währung"), max_length=3, default="EUR")
    # [{"label": "Verwaltungsgebühr", "amount": "12.50"}]: amounts as strings, the sum equals ``amount``.
    lines = models.JSONField(_("Positionen"), default=list, blank=True)
    provider = models.CharField(_("Zahlungsanbieter"), max_length=40)
    provider_reference = models.CharField(_("Kassenzeichen / Transaktionsnummer"), max_length=100, blank=True)
    # Whatever a provider needs to remember between start and status check (never secrets).
    provider_data = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.OPEN)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("Zahlende Person"),
    )
    # A fee of an organisation's application: every representative may pay it; ``payer`` is who started paying.
    organisation = models.ForeignKey(
        "identity.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("Organisation"),
    )
    return_url = models.CharField(_("Rücksprungadresse"), max_length=500)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    paid_at = models.DateTimeField(_("bezahlt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Zahlung")
        verbose_name_plural = _("Zahlungen")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="payment_tenant_status"),
            models.Index(fields=["tenant", "reference"], name="payment_tenant_reference"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=Decimal("0")), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.amount} {self.currency} ({self.get_status_display()})"

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def provider_label(self) -> str:
        try:
            return str(payment_providers.get(self.provider).label)
        except LookupError:
            return self.provider

    @property
    def is_test(self) -> bool:
        """Paid through a demo provider: no money moved."""
        return self.provider in payment_providers and payment_providers.get(self.provider).is_demo

    @property
    def is_payable(self) -> bool:
        """The citizen may (still or again) start paying."""
        return self.status in (self.Status.OPEN, self.Status.PENDING, self.Status.FAILED, self.Status.CANCELLED)


class PaymentEvent(TenantOwned):
    """One entry of a payment's history; rows are only ever added, never changed."""

    class Source(models.TextChoices):
        CREATED = "created", _("angelegt")
        REDIRECT = "redirect", _("zum Anbieter weitergeleitet")
        BROWSER_RETURN = "browser_return", _("Rückkehr vom Anbieter")
        STATUS_CHECK = "status_check", _("Statusabfrage beim Anbieter")
        NOTIFICATION = "notification", _("Benachrichtigung des Anbieters")
        TREASURY = "treasury", _("Stadtkasse")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("Status"), max_length=20, choices=Payment.Status)
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)
    source = models.CharField(_("Quelle"), max_length=20, choices=Source)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("Zahlungsereignis")
        verbose_name_plural = _("Zahlungsereignisse")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.get_status_display()}"
