"""Fact tables of the live figures (issue 10): fed only by durable events, never read from other apps' tables.

One row per application (keyed by its number) and one per paid payment (keyed by the payment's UUID), per
municipality. A consumer that sees the same event twice finds its row and writes the same values again: a
replay changes nothing (``consumers.py``); ``rathaus steering_backfill`` rebuilds both tables from the events.
"""

from __future__ import annotations

from django.db import models

from rathaus.core.tenancy import TenantOwned


class ApplicationFact(TenantOwned):
    """An application as the figures see it: its service, when it was submitted and first decided.

    ``submitted_at`` is empty while only its decision has been seen (events replayed out of order).
    """

    number = models.CharField(max_length=40)
    service = models.CharField(max_length=40, blank=True)  # LeiKa key
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # For the share decided without media break: filed in the E-Akte (case.opened), the sealed decision's
    # reference and fee (decision.issued), and whether the application waited for a fee at submission.
    filed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=80, blank=True)
    decision_fee = models.BooleanField(default=False)
    fee_first = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="steering_appfact_number")]
        indexes = [
            models.Index(fields=["tenant", "submitted_at"], name="steering_appfact_submitted"),
            models.Index(fields=["tenant", "decided_at"], name="steering_appfact_decided"),
            # a paid fee of a decision finds its application by the decision's reference (month_totals.py)
            models.Index(fields=["tenant", "decision"], name="steering_appfact_decision"),
        ]


class ApplicationMonth(TenantOwned):
    """What the application facts of one service add up to in one calendar month (``month_totals.py``).

    Kept by the same consumers that write :class:`ApplicationFact`, in the same transaction: a fact counts in
    the month of its submission (``submitted``), of its first decision (``decided`` and the media-break
    counts) and of the later of both (``done``: no longer in the backlog). Sums of submission times are
    milliseconds since 1970 (exact integers; the backlog's age is computed from them). The dashboard adds
    months instead of counting a million facts; ``rathaus steering_month_totals`` rebuilds the table.
    """

    service = models.CharField(max_length=40, blank=True)  # LeiKa key
    month = models.DateField()  # its first day, in the municipality's time zone (settings.TIME_ZONE)
    submitted = models.BigIntegerField(default=0)
    submitted_ms = models.BigIntegerField(default=0)
    decided = models.BigIntegerField(default=0)
    done = models.BigIntegerField(default=0)
    done_ms = models.BigIntegerField(default=0)  # the submission times of the ``done`` facts
    # of the ``decided``: filed in the E-Akte; with a fee; with every fee paid online; without media break
    decided_filed = models.BigIntegerField(default=0)
    decided_fee = models.BigIntegerField(default=0)
    decided_fee_paid = models.BigIntegerField(default=0)
    decided_without = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "service", "month"], name="steering_appmonth_service_month")
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.month:%Y-%m}"


class PaymentFact(TenantOwned):
    """A payment that reached *paid*; ``reference`` is the application number for a fee of an application."""

    payment = models.UUIDField()
    reference = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "payment"], name="steering_payfact_payment")]
        indexes = [
            models.Index(fields=["tenant", "paid_at"], name="steering_payfact_paid"),
            # the media-break figure asks per application whether its fees were paid (by reference)
            models.Index(fields=["tenant", "reference"], name="steering_payfact_reference"),
        ]


class FactsGeneration(models.Model):
    """A number that moves on with every change of the municipality's facts (``facts_cache.changed``, in the
    writer's transaction): computed figures are cached under it, in every worker process alike."""

    tenant = models.OneToOneField("tenants.Municipality", on_delete=models.CASCADE, related_name="+")
    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.number}"
