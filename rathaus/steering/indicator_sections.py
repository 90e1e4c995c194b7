"""The dashboard's sections for the further indicators (``indicators.py``): each a heading, a sentence that
says what the chart shows, an accessible SVG chart and a table with the same numbers (and more).

The figures page renders every section the same way (``steering/_indicator_section.html``); the CSV and JSON
export take the rows of the same functions.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rathaus.tenants.models import Municipality

from . import figure_chart, indicators

LEVEL_LABELS = {"none": "ohne Niveau", "low": "niedrig", "substantial": "substanziell", "high": "hoch"}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{number_format(value, 1)} %"


def _short(label: str) -> str:
    return label.rsplit(" ", 1)[0]


def _chart(ident: str, title: str, desc: str, labels: list[str], values: list[float | None]) -> SafeString:
    return mark_safe(figure_chart.bars(ident, title, desc, labels, values))


def sections(
    tenant: Municipality, *, year: int, grain: str, service: str, scope: str, unit: str, unit_label: str
) -> list[dict[str, Any]]:
    out = []
    ch = indicators.channel_rows(tenant, year=year, grain=grain, service=service)
    labels = [_short(r.period.label) for r in ch]
    online, other = sum(r.online for r in ch), sum(r.other_total for r in ch)
    total_share = indicators._share(online, online + other)
    out.append(
        {
            "id": "chart-kanaele",
            "heading": _("Online und auf anderen Kanälen"),
            "summary": _(
                "%(year)s kamen für %(scope)s %(online)s Fälle online und %(other)s auf anderen Kanälen "
                "(Papier, persönlich, E-Mail, Telefon; von Hand erfasst); online-Anteil %(share)s."
            )
            % {"year": year, "scope": scope, "online": online, "other": other, "share": _pct(total_share)},
            "svg": mark_safe(  # figure_chart escapes every text
                figure_chart.grouped(
                    "chart-kanaele",
                    _("Online und auf anderen Kanälen %(year)s, %(scope)s") % {"year": year, "scope": scope},
                    _("Säulendiagramm: je Zeitraum Online-Anträge und Fälle auf anderen Kanälen nebeneinander."),
                    labels,
                    [
                        (_("online"), [r.online for r in ch], "#0b5ed7"),
                        (_("andere Kanäle"), [r.other_total for r in ch], "#8a5a00"),
                    ],
                )
            ),
            "columns": [
                _("Zeitraum"),
                _("online"),
                _("Papier"),
                _("persönlich"),
                _("E-Mail"),
                _("Telefon"),
                _("andere Kanäle zusammen"),
                _("Online-Anteil"),
            ],
            "rows": [[r.period.label, r.online, *r.other.values(), r.other_total, _pct(r.online_share)] for r in ch],
        }
    )
    media = indicators.media_break_rows(tenant, year=year, grain=grain, service=service)
    decided = sum(r.decided for r in media)
    without = sum(r.without_break for r in media)
    out.append(
        {
            "id": "chart-medienbruch",
            "heading": _("Ohne Medienbruch entschieden"),
            "summary": _(
                "Von %(decided)s %(year)s beschiedenen Online-Anträgen (%(scope)s) liefen %(without)s ohne "
                "Medienbruch: online gestellt, in der E-Akte, mit gesiegeltem Bescheid und – wo eine Gebühr "
                "anfiel – online bezahlt (%(share)s)."
            )
            % {
                "decided": decided,
                "year": year,
                "scope": scope,
                "without": without,
                "share": _pct(indicators._share(without, decided)),
            },
            "svg": _chart(
                "chart-medienbruch",
                _("Anteil ohne Medienbruch in Prozent %(year)s, %(scope)s") % {"year": year, "scope": scope},
                _("Balkendiagramm: Anteil der ohne Medienbruch beschiedenen Online-Anträge je Zeitraum."),
                labels,
                [r.share for r in media],
            ),
            "columns": [
                _("Zeitraum"),
                _("beschieden"),
                _("in der E-Akte"),
                _("mit Gebühr"),
                _("Gebühr online bezahlt"),
                _("ohne Medienbruch"),
                _("Anteil"),
            ],
            "rows": [
                [r.period.label, r.decided, r.filed, r.fee_due, r.paid_online, r.without_break, _pct(r.share)]
                for r in media
            ],
        }
    )
    logins = indicators.login_rows(tenant, year=year, grain=grain)
    levels = list(logins[0].by_level) if logins else list(indicators.TRUST_LEVELS)
    total_logins = sum(r.total for r in logins)
    high = sum(r.by_level.get("substantial", 0) + r.by_level.get("high", 0) for r in logins)
    out.append(
        {
            "id": "chart-anmeldungen",
            "heading": _("Anmeldungen nach Vertrauensniveau"),
            "summary": _(
                "%(year)s meldeten sich Bürgerinnen, Bürger und Unternehmen %(n)s-mal an, davon %(high)s-mal "
                "mit substanziellem oder hohem Vertrauensniveau (z. B. Online-Ausweis). Alle Leistungen."
            )
            % {"year": year, "n": total_logins, "high": high},
            "svg": _chart(
                "chart-anmeldungen",
                _("Anmeldungen %(year)s je Zeitraum") % {"year": year},
                _("Balkendiagramm: erfolgreiche Anmeldungen je Zeitraum; die Tabelle nennt sie je Vertrauensniveau."),
                labels,
                [r.total for r in logins],
            ),
            "columns": [_("Zeitraum"), *[LEVEL_LABELS.get(lvl, lvl) for lvl in levels], _("zusammen")],
            "rows": [[r.period.label, *[r.by_level.get(lvl, 0) for lvl in levels], r.total] for r in logins],
            "extra_heading": _("Anmeldungen %(year)s nach Weg und Vertrauensniveau") % {"year": year},
            "extra_columns": [_("Weg (Passwort oder Nutzerkonto)"), _("Vertrauensniveau"), _("Anmeldungen")],
            "extra_rows": [
                [_("Passwort") if source == "password" else source, LEVEL_LABELS.get(level, level), n]
                for source, level, n in indicators.logins_by_source(tenant, year=year)
            ],
        }
    )
    coverage = indicators.coverage_rows(tenant, year=year, grain=grain, unit=unit)
    documents = sum(r.documents for r in coverage)
    by_unit = indicators.coverage_by_unit(tenant, year=year)
    out.append(
        {
            "id": "chart-eakte",
            "heading": _("E-Akte: elektronisch abgelegte Dokumente"),
            "summary": _(
                "%(year)s wurden %(n)s Dokumente elektronisch abgelegt (%(unit)s); %(units)s Organisationseinheiten "
                "arbeiteten im Jahr in der E-Akte."
            )
            % {"year": year, "n": documents, "unit": unit_label, "units": len(by_unit)},
            "svg": _chart(
                "chart-eakte",
                _("Elektronisch abgelegte Dokumente %(year)s, %(unit)s") % {"year": year, "unit": unit_label},
                _("Balkendiagramm: abgelegte Dokumente je Zeitraum; die Tabelle nennt Vorgänge, Einheiten, Personen."),
                labels,
                [r.documents for r in coverage],
            ),
            "columns": [
                _("Zeitraum"),
                _("Dokumente abgelegt"),
                _("Vorgänge angelegt"),
                _("Einheiten mit Ablage"),
                _("Beschäftigte mit Ablage"),
            ],
            "rows": [[r.period.label, r.documents, r.cases, r.units, r.staff] for r in coverage],
            "extra_heading": _("E-Akte je Organisationseinheit %(year)s") % {"year": year},
            "extra_columns": [
                _("Organisationseinheit"),
                _("Dokumente abgelegt"),
                _("Vorgänge angelegt"),
                _("Beschäftigte mit Ablage"),
            ],
            "extra_rows": [list(row) for row in by_unit],
        }
    )
    return out


def export_rows(
    tenant: Municipality, *, year: int, grain: str, service: str, unit: str
) -> dict[str, list[dict[str, Any]]]:
    """The indicators per period as the JSON export names them."""
    return {
        "channels": [r.as_dict() for r in indicators.channel_rows(tenant, year=year, grain=grain, service=service)],
        "media_break": [
            r.as_dict() for r in indicators.media_break_rows(tenant, year=year, grain=grain, service=service)
        ],
        "logins": [r.as_dict() for r in indicators.login_rows(tenant, year=year, grain=grain)],
        "e_akte": [r.as_dict() for r in indicators.coverage_rows(tenant, year=year, grain=grain, unit=unit)],
    }
