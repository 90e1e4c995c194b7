from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rathaus.identity.login_needs import ATTRIBUTE_GROUPS

from .models import Fee, LifeSituation, Service
from .services import bump_catalog_version


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class ServiceAdminForm(forms.ModelForm):
    login_attributes = forms.MultipleChoiceField(
        label=_("Angaben aus dem Nutzerkonto"),
        choices=list(ATTRIBUTE_GROUPS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Service._meta.get_field("login_attributes").help_text,
    )

    class Meta:
        model = Service
        exclude: tuple[str, ...] = ()  # ModelAdmin decides the fields


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
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
