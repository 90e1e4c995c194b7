"""Tables of the durable events (the transactional outbox, see :mod:`rathaus.core.events`).

An :class:`Event` is written in the transaction of the change it announces; one :class:`Delivery` per
consumer registered for its kind is written with it. A delivery records attempts, the last error and when
it was done; the pair (event, consumer) exists once.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenancy import TenantOwned


class Event(TenantOwned):
    """Something that happened in one municipality, as its module declared it (``<app>/events.py``)."""

    kind = models.CharField(_("Art"), max_length=100)
    # What the event is about, by the identifier people use (application number, payment UUID).
    subject = models.CharField(_("Gegenstand"), max_length=200, blank=True)
    payload = models.JSONField(_("Daten"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("veröffentlicht am"), default=timezone.now)

    class Meta:
        verbose_name = _("Ereignis")
        verbose_name_plural = _("Ereignisse")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["tenant", "kind", "created_at"], name="event_tenant_kind"),
            models.Index(fields=["tenant", "subject"], name="event_tenant_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}".strip()


class Delivery(models.Model):
    """One event handed to one consumer: at least once, recorded once."""

    class State(models.TextChoices):
        PENDING = "pending", _("offen")
        DONE = "done", _("zugestellt")
        FAILED = "failed", _("aufgegeben")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("Ereignis"))
    consumer = models.CharField(_("Empfänger"), max_length=100)
    state = models.CharField(_("Zustand"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    done_at = models.DateTimeField(_("zugestellt am"), null=True, blank=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Zustellung")
        verbose_name_plural = _("Zustellungen")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="delivery_once_per_consumer")]
        indexes = [
            # The sweep's question "what is due?"; delivered rows (nearly all) stay out of the index.
            models.Index(fields=["next_attempt_at", "id"], condition=Q(state="pending"), name="delivery_due"),
            models.Index(fields=["state", "consumer"], name="delivery_state_consumer"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_id}"
