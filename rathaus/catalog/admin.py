from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Fee, LifeSituation, Service
from .services import bump_catalog_version


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "leika_key", "tenant", "trust_level", "ozg_maturity", "is_published")
    list_filter = ("tenant", "trust_level", "ozg_maturity", "is_published")
    search_fields = ("name", "leika_key")
    inlines = [FeeInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        bump_catalog_version(form.instance.tenant)

    def delete_model(self, request: HttpRequest, obj: Service) -> None:
        super().delete_model(request, obj)
        bump_catalog_version(obj.tenant)


@admin.register(LifeSituation)
class LifeSituationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "tenant")
    list_filter = ("tenant",)
