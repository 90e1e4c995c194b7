"""Django admin: platform operators only (see User.is_staff)."""

from django.contrib import admin

from .models import Domain, Municipality, OrgUnit


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "ags", "is_active")
    search_fields = ("name", "slug", "ags")
    inlines = [DomainInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "tenant", "parent")
    list_filter = ("tenant",)
    search_fields = ("key", "name")
