"""The data download as a readable PDF (WeasyPrint): the same content as the JSON, with German headings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import data_export
from .models import Profile, User
from .templatetags.identity_tags import LOGIN_WORDS

# Headings for the export's keys; a key not listed is shown with its underscores as spaces.
LABELS = {
    "konto": "Konto", "profil": "Profil", "anmeldungen_ueber_nutzerkonten": "Anmeldungen über Nutzerkonten",
    "sitzungen": "Angemeldete Geräte", "antraege": "Eingereichte Anträge", "entwuerfe": "Entwürfe",
    "zahlungen": "Zahlungen", "postfach": "Postfach", "e_mail": "E-Mail-Adresse",
    "e_mail_bestaetigt_am": "E-Mail bestätigt am", "registriert_am": "Registriert am",
    "letzte_anmeldung": "Letzte Anmeldung", "passwort_gesetzt": "Passwort gesetzt", "art": "Art des Kontos",
    "strasse": "Straße und Hausnummer", "gebuehr": "Gebühr", "gebuehrenpositionen": "Gebührenpositionen",
    "loeschung_am": "Wird gelöscht am", "geaendert_am": "Geändert am", "hoechstes_vertrauensniveau":
    "Sicherste Anmeldung bisher", "bestaetigte_angaben": "Vom Nutzerkonto bestätigte Angaben",
    "waehrung": "Währung", "eingereicht_am": "Eingereicht am", "angelegt_am": "Angelegt am",
    "organisationen": "Organisationen, für die Sie gehandelt haben", "vertrauensniveau": "Gestellt nach Anmeldung",
    "letztes_vertrauensniveau": "Zuletzt angemeldet", "label": "Bezeichnung", "quantity": "Anzahl",
    "unit_amount": "Einzelbetrag", "amount": "Betrag", "field": "Feld", "name": "Name", "content_type": "Dateiart",
    "size": "Größe (Bytes)", "sha256": "Prüfsumme (SHA-256)", "key": "Ablageschlüssel", "von": "Von",
    "fuer_organisation": "Für die Organisation",
}  # fmt: skip


# Coded values of the account itself said in words (the JSON keeps the codes): trust levels as the way one logs
# in, kinds, channels. The sections of other modules bring their own (``Section.words``).
TRUST_KEYS = {"vertrauensniveau", "letztes_vertrauensniveau", "hoechstes_vertrauensniveau"}
WORDS: dict[str, Mapping[str, Any]] = {
    "art": dict(User.Kind.choices),
    "benachrichtigung": dict(Profile.Channel.choices),
    **{key: dict(LOGIN_WORDS) for key in TRUST_KEYS},
}
Words = Mapping[str, Mapping[str, Any]]


def _in_words(key: str, value: Any, words: Words) -> Any:
    known = words.get(key, {})
    return str(known[value]) if isinstance(value, str) and value in known else value


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").capitalize())


def _value(value: Any, depth: int, words: Words = WORDS) -> SafeString:
    if isinstance(value, dict):
        if not value:
            return mark_safe("–")
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            ((_label(str(k)), _value(_in_words(str(k), v, words), depth + 1, words)) for k, v in value.items()),
        )
        return format_html("<table>{}</table>", rows)
    if isinstance(value, list):
        if not value:
            return mark_safe("keine")
        if all(not isinstance(v, dict | list) for v in value):
            return format_html("{}", ", ".join(str(v) for v in value))
        items = format_html_join("", "<li>{}</li>", ((_value(v, depth + 1, words),) for v in value))
        return format_html("<ol>{}</ol>", items)
    if value is None or value == "":
        return mark_safe("–")
    if value is True:
        return mark_safe("ja")
    if value is False:
        return mark_safe("nein")
    return format_html("{}", value)


def render_html(user: User) -> str:
    data = data_export.export(user)
    header = {k: data.pop(k) for k in ("format", "erstellt_am", "kommune")}
    section_words = {section.name: section.words for section in data_export.sections()}
    with translation.override("de"):
        sections = [
            {"title": _label(key), "body": _value(value, 0, {**WORDS, **section_words.get(key, {})})}
            for key, value in data.items()
        ]
        return render_to_string(
            "identity/account/data_export_pdf.html", {"header": header, "sections": sections, "user": user}
        )


def render_pdf(user: User) -> bytes:
    from weasyprint import HTML  # imported here: loading pango takes a moment and most requests don't need it

    return HTML(string=render_html(user)).write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]
