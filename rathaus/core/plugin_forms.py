"""The HTML form of a plugin's options, built from its options schema (``rathaus.core.plugins``).

The Django form only collects text (and check boxes); the plugin's pydantic model decides what is valid, and
its messages are put back at the field they belong to (:meth:`PluginOptionsForm.add_field_errors`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from .plugins import PluginOptions, env_suffix
from .validation import german_errors

ENABLED = "enabled"


def _form_field(name: str, info: FieldInfo, *, secret: bool, tenant_slug: str) -> forms.Field:
    label = str(info.title or name)
    hint = str(info.description or "")
    initial = None if info.is_required() else info.get_default(call_default_factory=True)
    annotation = info.annotation
    if annotation is bool:
        return forms.BooleanField(label=label, help_text=hint, required=False, initial=initial)
    if get_origin(annotation) is Literal:
        choices = [(value, str(value)) for value in get_args(annotation)]
        return forms.ChoiceField(
            label=label, help_text=hint, choices=choices, required=info.is_required(), initial=initial
        )
    if secret:
        suffix = env_suffix(tenant_slug)
        extra = _("Nur der Name der Variable (Großbuchstaben, Ziffern, _), endet auf »%(suffix)s«.") % {
            "suffix": suffix
        }
        hint = f"{hint} {extra}".strip() if suffix else hint
    attrs = {"inputmode": "decimal"} if annotation in (int, float) else {}
    return forms.CharField(
        label=label,
        help_text=hint,
        required=info.is_required(),
        initial=initial,
        strip=True,
        widget=forms.TextInput(attrs=attrs),
    )


class PluginOptionsForm(forms.Form):
    """One field per option of ``options_model``, then the switch *aktiv*. ``tenant_slug`` shapes the hints."""

    def __init__(self, options_model: type[PluginOptions], *args: Any, tenant_slug: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_model = options_model
        self.tenant_slug = tenant_slug
        secrets = set(options_model.secret_fields())
        for name, info in options_model.model_fields.items():
            self.fields[name] = _form_field(name, info, secret=name in secrets, tenant_slug=tenant_slug)
        self.fields[ENABLED] = forms.BooleanField(
            label=gettext_lazy("Aktiv – für neue Vorgänge verwenden"), required=False
        )

    def clean(self) -> dict[str, Any]:
        """The schema's checks too, so every mistake is reported at once (not the schema's after the form's)."""
        data = super().clean() or {}
        try:
            self.options_model.model_validate(self.options(), context={"tenant_slug": self.tenant_slug})
        except ValidationError as exc:
            for error in german_errors(exc.errors()):
                field = error["field"].split(".")[0]
                if field not in self.errors:  # a field the form refused already has its message
                    self.add_error(field if field in self.fields else None, error["message"])
        return data

    def options(self) -> dict[str, Any]:
        """The entered options; an empty optional field is left out, so the schema's default applies."""
        out: dict[str, Any] = {}
        for name, info in self.options_model.model_fields.items():
            value = self.cleaned_data.get(name)
            if value in ("", None) and not info.is_required():
                continue
            if info.annotation is float and isinstance(value, str):
                value = value.replace(",", ".")  # German decimal comma: "0,5"
            out[name] = value
        return out

    @property
    def enabled(self) -> bool:
        return bool(self.cleaned_data.get(ENABLED))

    def add_field_errors(self, errors: list[dict[str, Any]]) -> None:
        """Put ``[{"field", "message"}]`` (from the schema or the service) at their fields."""
        for error in errors:
            field = str(error.get("field") or "").split(".")[0]
            self.add_error(field if field in self.fields else None, str(error.get("message", "")))
