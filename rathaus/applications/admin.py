"""Operators set who may apply online for a service (target group); everything else has its own pages."""

from __future__ import annotations

from django.contrib import admin

from .models import OnlineApplicants


@admin.register(OnlineApplicants)
class OnlineApplicantsAdmin(admin.ModelAdmin):
    list_display = ("service", "target_group", "tenant")
    list_filter = ("target_group", "tenant")
    exclude = ("tenant",)  # taken from the service
    autocomplete_fields = ()
