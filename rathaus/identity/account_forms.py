"""Forms of the account lifecycle (password reset and change, e-mail change, deleting the account)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rathaus.core import ratelimit

from .models import User

_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_unstorable(value: Any) -> None:
    """NUL (Django's own validator catches it too) and lone surrogates cannot be stored or hashed."""
    if isinstance(value, str) and ("\x00" in value or _SURROGATE.search(value)):
        raise ValidationError(
            _("Die Eingabe enthält unsichtbare Steuerzeichen, die wir nicht verarbeiten können. Bitte neu eintippen."),
            code="unstorable",
        )


class _AccountForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_unstorable)


def _password_field(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Bitte geben Sie das Passwort ein.")},
    )


class EmailForm(_AccountForm):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de an."),
        },
    )


class NewPasswordForm(_AccountForm):
    """A new password twice, checked by the password validators against ``user``."""

    password = _password_field(
        _("Neues Passwort"), "new-password", _("Mindestens 10 Zeichen; nicht nur Ziffern und kein häufiges Passwort.")
    )
    password_repeat = _password_field(_("Neues Passwort wiederholen"), "new-password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, repeat = data.get("password"), data.get("password_repeat")
        if password and repeat and password != repeat:
            self.add_error("password_repeat", _("Die beiden Passwörter stimmen nicht überein."))
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


def _check_current(form: forms.Form, user: User, field: str = "current_password") -> None:
    value = form.cleaned_data.get(field)
    if not value:
        return
    # A stolen session must not become a way to guess the password: a few tries per hour.
    if not ratelimit.allow("password-confirm", user.pk, limit=10, window_seconds=3600):
        form.add_error(field, _("Zu viele Versuche. Bitte versuchen Sie es in einer Stunde noch einmal."))
    elif not user.check_password(value):
        form.add_error(field, _("Das Passwort ist nicht richtig."))


class ChangePasswordForm(NewPasswordForm):
    current_password = _password_field(_("Bisheriges Passwort"), "current-password")
    field_order = ["current_password", "password", "password_repeat"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_current(self, self.user)
        return data


class ChangeEmailForm(_AccountForm):
    new_email = forms.EmailField(
        label=_("Neue E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Bitte geben Sie die neue E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de an."),
        },
    )
    current_password = _password_field(_("Ihr Passwort (zur Bestätigung)"), "current-password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not user.has_usable_password():
            del self.fields["current_password"]  # an account of an identity provider confirms by a fresh login

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email.lower():
            raise ValidationError(_("Das ist schon Ihre E-Mail-Adresse."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_current(self, self.user)
        return data


class DeleteAccountForm(_AccountForm):
    confirm = forms.BooleanField(
        label=_("Ich möchte mein Konto endgültig löschen."),
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie Ihr Konto löschen möchten.")},
    )
    current_password = _password_field(_("Ihr Passwort (zur Bestätigung)"), "current-password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not user.has_usable_password():
            del self.fields["current_password"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_current(self, self.user)
        return data
