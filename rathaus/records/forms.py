"""Forms of the caseworkers' work area (dates need parsing; everything else is checked in ``work.py``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DatesForm(forms.Form):
    due_on = forms.DateField(label=_("Frist"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    resubmit_on = forms.DateField(
        label=_("Wiedervorlage"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class HandOverForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("An Organisationseinheit"), coerce=int, choices=())
    reason = forms.CharField(label=_("Grund"), required=False, max_length=500)

    def __init__(self, *args: object, units: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]
