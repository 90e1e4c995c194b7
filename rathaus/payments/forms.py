"""Forms of the Stadtkasse pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Payment
from .providers.registry import payment_providers


class ReconciliationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    provider = forms.ChoiceField(label=_("Zahlungsanbieter"), required=False)
    date_from = forms.DateField(label=_("Angelegt ab"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Angelegt bis"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        provider = self.fields["provider"]
        assert isinstance(status, forms.ChoiceField) and isinstance(provider, forms.ChoiceField)
        status.choices = [("", _("alle")), *Payment.Status.choices]
        provider.choices = [("", _("alle")), *payment_providers.choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Das Ende liegt vor dem Anfang."))
        return data


class CorrectionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Neuer Status"),
        choices=[
            (Payment.Status.PAID, _("bezahlt (z. B. Überweisung oder Barzahlung)")),
            (Payment.Status.CANCELLED, _("abgebrochen")),
            (Payment.Status.FAILED, _("fehlgeschlagen")),
            (Payment.Status.OPEN, _("offen")),
        ],
    )
    note = forms.CharField(
        label=_("Begründung"),
        max_length=1000,
        help_text=_("Pflichtangabe, wird mit Ihrem Namen in der Historie gespeichert (z. B. Kontoauszug vom …)."),
    )
