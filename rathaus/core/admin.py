"""Durable events for platform operators: what was published, what reached whom, what was given up."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import events
from .models import Delivery, Event


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(ReadOnly, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("consumer", "state", "attempts", "next_attempt_at", "done_at", "error")
    readonly_fields = fields

    @admin.display(description=_("letzter Fehler"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error.split("\n", 1)[0]


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "kind", "subject", "tenant", "created_at")
    list_filter = ("kind", "tenant", "deliveries__state")
    search_fields = ("subject", "=id")
    date_hierarchy = "created_at"
    readonly_fields = ("tenant", "kind", "subject", "payload", "created_at")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "consumer", "kind", "subject", "state", "attempts", "next_attempt_at", "done_at", "error")
    list_filter = ("state", "consumer", "event__kind", "event__tenant")
    search_fields = ("event__subject", "=event__id", "=id")
    list_select_related = ("event",)
    readonly_fields = ("event", "consumer", "state", "attempts", "next_attempt_at", "done_at", "last_error")
    actions = ["retry"]

    @admin.display(description=_("Art"), ordering="event__kind")
    def kind(self, obj: Delivery) -> str:
        return obj.event.kind

    @admin.display(description=_("Gegenstand"))
    def subject(self, obj: Delivery) -> str:
        return obj.event.subject

    @admin.display(description=_("letzter Fehler"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error.split("\n", 1)[0][:120]

    @admin.action(description=_("Erneut zustellen (neue Versuche)"), permissions=["view"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        delivered = 0
        pending = queryset.exclude(state=Delivery.State.DONE).values_list("pk", flat=True)
        for pk in list(pending):
            delivered += events.retry(pk).state == Delivery.State.DONE
        self.message_user(
            request,
            ngettext("%(n)d Zustellung gelungen.", "%(n)d Zustellungen gelungen.", delivered) % {"n": delivered},
            messages.SUCCESS if delivered else messages.WARNING,
        )
