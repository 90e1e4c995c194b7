from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Profile, User


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Passwort"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("E-Mail-Adresse oder Passwort ist nicht richtig. Bitte prüfen Sie Ihre Eingabe."),
        "inactive": _("Dieses Konto ist gesperrt. Bitte wenden Sie sich an Ihre Stadtverwaltung."),
    }


class RegistrationForm(forms.Form):
    first_name = forms.CharField(
        label=_("Vorname"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nachname"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    company_name = forms.CharField(
        label=_("Unternehmen (nur bei einem Unternehmenskonto)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    password = forms.CharField(
        label=_("Passwort"),
        strip=False,
        help_text=_("Mindestens 10 Zeichen; nicht nur Ziffern und kein häufiges Passwort."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_repeat = forms.CharField(
        label=_("Passwort wiederholen"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    accept_privacy = forms.BooleanField(
        label=_("Ich habe die Datenschutzerklärung gelesen."),
        required=True,
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben.")},
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, repeat = data.get("password"), data.get("password_repeat")
        if password and repeat and password != repeat:
            self.add_error("password_repeat", _("Die beiden Passwörter stimmen nicht überein."))
        elif password:
            probe = User(
                email=data.get("email", ""), first_name=data.get("first_name", ""), last_name=data.get("last_name", "")
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Sechsstelliger Code aus Ihrer Authenticator-App"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Bitte geben Sie die sechs Ziffern ein.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}),
    )


class ProfileForm(forms.Form):
    street = forms.CharField(
        label=_("Straße und Hausnummer"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.RegexField(
        label=_("Postleitzahl"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("Die Postleitzahl hat fünf Ziffern.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("Ort"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    phone = forms.CharField(
        label=_("Telefon"), max_length=50, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    preferred_channel = forms.ChoiceField(label=_("Benachrichtigungen erhalten Sie über"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["preferred_channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = Profile.Channel.choices
