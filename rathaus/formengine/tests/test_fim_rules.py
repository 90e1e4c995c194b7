"""Importer behaviour on small hand-made XDatenfelder 3.0 schemas: optional groups, rule patterns, repetition,
types and constraints — each checked through the real step validation."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.formengine import FormDefinition, parse_definition, validate_step
from rathaus.formengine.conditions import evaluate, parse_condition
from rathaus.formengine.xdatenfelder import read_xdatenfelder
from rathaus.formengine.xdf_rules import same_id

from .fim_applicant import complete
from .helpers import TODAY

NS = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"


def field(ident: str, name: str, datentyp: str = "text", *, feldart: str = "input", extra: str = "") -> str:
    return (
        f"<x:datenfeld><x:identifikation><x:id>{ident}</x:id></x:identifikation><x:name>{name}</x:name>"
        f"<x:bezeichnungEingabe>{name}</x:bezeichnungEingabe><x:feldart><code>{feldart}</code></x:feldart>"
        f"<x:datentyp><code>{datentyp}</code></x:datentyp>{extra}</x:datenfeld>"
    )


def group(ident: str, name: str, *items: str, rules: str = "") -> str:
    return (
        f"<x:datenfeldgruppe><x:identifikation><x:id>{ident}</x:id></x:identifikation><x:name>{name}</x:name>"
        f"<x:bezeichnungEingabe>{name}</x:bezeichnungEingabe>{rules}{''.join(items)}</x:datenfeldgruppe>"
    )


def s(anzahl: str, content: str) -> str:
    return f"<x:struktur><x:anzahl>{anzahl}</x:anzahl><x:enthaelt>{content}</x:enthaelt></x:struktur>"


def rule(ident: str, text: str) -> str:
    return (
        f"<x:regel><x:identifikation><x:id>{ident}</x:id></x:identifikation><x:name>{ident}</x:name>"
        f"<x:freitextRegel>{text}</x:freitextRegel></x:regel>"
    )


def schema(*items: str) -> bytes:
    return (
        f'<x:xdatenfelder.stammdatenschema.0102 xmlns:x="{NS}"><x:stammdatenschema>'
        f"<x:identifikation><x:id>S99000000001</x:id></x:identifikation><x:name>Testantrag</x:name>"
        f"{''.join(items)}</x:stammdatenschema></x:xdatenfelder.stammdatenschema.0102>"
    ).encode()


WERTE = (
    "<x:werte><x:wert><x:code>001</x:code><x:name>in Deutschland</x:name></x:wert>"
    "<x:wert><x:code>002</x:code><x:name>außerhalb von Deutschland</x:name></x:wert></x:werte>"
)


def imported(xml: bytes) -> tuple[FormDefinition, Any]:
    result = read_xdatenfelder(xml)
    return parse_definition(result.definition), result


def post(definition: FormDefinition, values: dict[str, Any], step: int = 0) -> dict[str, list[str]]:
    """Errors of step ``step`` for values given by field label (``"Gruppe/Feld"`` where labels repeat)."""
    step_obj = definition.steps[step]
    data: dict[str, Any] = {}
    for key, value in values.items():
        matches = [e.path for e in definition.fields_in(step_obj.id) if _name(e) == key or e.field.label == key]
        assert len(matches) == 1, (key, [(_name(e), e.path) for e in definition.fields_in(step_obj.id)])
        data[matches[0]] = value
    return validate_step(definition, step_obj.id, data, today=TODAY).errors


def _name(entry: Any) -> str:
    return f"{entry.group.title}/{entry.field.label}"


def labels(errors: dict[str, list[str]], definition: FormDefinition) -> set[str]:
    return {definition.field(p).label for p in errors if definition.has_field(".".join(p.split(".")[:3]))}


# --- optional groups ---------------------------------------------------------------------------------------

PERSON = schema(
    s(
        "1:1",
        group(
            "G99000000001",
            "Antragsteller",
            s("1:1", field("F99000000001", "Familienname")),
            s("0:1", group("G99000000002", "Juristische Person", s("1:1", field("F99000000002", "Firmenname")),
                           s("1:1", field("F99000000003", "Registernummer")))),
        ),
    )
)  # fmt: skip


def test_a_required_field_in_an_optional_group_is_not_required_until_the_group_is_begun():
    definition, _result = imported(PERSON)
    assert post(definition, {"Familienname": "Muster"}) == {}
    errors = post(definition, {"Familienname": "Muster", "Firmenname": "Muster GmbH"})
    assert labels(errors, definition) == {"Registernummer"}


# --- rules -------------------------------------------------------------------------------------------------

VERTRETER = schema(
    s(
        "1:1",
        group(
            "G99000000010",
            "Antragsteller",
            s("1:1", field("F99000000010", "Abfrage Vertreter", "bool")),
            s("0:1", group("G99000000011", "Gesetzlicher Vertreter", s("1:1", field("F99000000011", "Name")))),
            rules=rule(
                "R99000000010",
                'WENN F99000000010 "Abfrage Vertreter" = JA, DANN aktiviere G99000000011 "Gesetzlicher Vertreter". '
                'WENN F99000000010 "Abfrage Vertreter" = NEIN, DANN deaktiviere G99000000011.',
            ),
        ),
    )
)


def test_show_rule_hides_the_group_on_no_and_requires_it_on_yes():
    definition, result = imported(VERTRETER)
    assert [r.status for r in result.rules] == ["translated"]
    assert post(definition, {"Abfrage Vertreter": "nein"}) == {}
    assert labels(post(definition, {"Abfrage Vertreter": "ja"}), definition) == {"Name"}
    step = definition.steps[0]
    hidden = validate_step(
        definition, step.id, {**_paths(definition, {"Abfrage Vertreter": "nein", "Name": "Vertreterin"})}, today=TODAY
    )
    assert hidden.ok and "gesetzlicher_vertreter" not in hidden.answers  # a hidden group's values are dropped


MITTEILUNG = schema(
    s(
        "1:1",
        group(
            "G99000000030",
            "Mitteilung",
            s("1:1", field("F99000000030", "Art der Mitteilung", feldart="select", extra=WERTE)),
            s("1:1", field("F99000000031", "Datum der Erlöschung", "date")),
            s("0:1", group("G99000000032", "Grundlage der Bestellung", s("1:1", field("F99000000032", "Grundlage")))),
            rules=rule(
                "R99000000030",
                "WENN Datenfeld F99000000030 'Art der Mitteilung' = 001 'in Deutschland', DANN aktiviere "
                "Datenfeldgruppe G99000000032 'Grundlage der Bestellung' und deaktiviere das Datenfeld F99000000031 "
                "'Datum der Erlöschung'. WENN Datenfeld F99000000030 'Art der Mitteilung' = 002, DANN deaktiviere "
                "Datenfeldgruppe G99000000032 'Grundlage der Bestellung'.",
            ),
        ),
    )
)


def test_show_rule_with_a_second_action_of_its_own_polarity_hides_that_target_while_the_condition_holds():
    """S00000000373 R00000002588: "DANN aktiviere G… und deaktiviere das Datenfeld F…" — the field is hidden for
    the first answer and shown (and required) for the other, not the other way round."""
    definition, result = imported(MITTEILUNG)
    assert [r.status for r in result.rules] == ["translated"]
    assert labels(post(definition, {"Art der Mitteilung": "001"}), definition) == {"Grundlage"}
    assert post(definition, {"Art der Mitteilung": "001", "Grundlage": "Befähigungsschein"}) == {}
    assert labels(post(definition, {"Art der Mitteilung": "002"}), definition) == {"Datum der Erlöschung"}
    assert post(definition, {"Art der Mitteilung": "002", "Datum der Erlöschung": "2026-05-01"}) == {}


def _sonstiges(then: str) -> bytes:
    return schema(
        s(
            "1:1",
            group(
                "G99000000050",
                "Beschäftigung",
                s("1:1", field("F99000000050", "Beschäftigungsverhältnis", feldart="select", extra=WERTE)),
                s("0:1", field("F99000000051", "Beschreibung")),
                rules=rule(
                    "R99000000050",
                    f"WENN F99000000050 'Beschäftigungsverhältnis' = 002 'außerhalb', DANN {then}. WENN F99000000050 "
                    "'Beschäftigungsverhältnis' = alle anderen möglichen Ausprägungen der Codeliste, DANN deaktiviere "
                    "F99000000051 'Beschreibung'.",
                ),
            ),
        )
    )


def test_all_other_values_of_a_rule_are_the_values_its_other_clauses_do_not_name():
    """S00000000371 R00000002565: "= alle anderen möglichen Ausprägungen der Codeliste" is the complement."""
    definition, result = imported(_sonstiges("aktiviere F99000000051 'Beschreibung'"))
    assert [r.status for r in result.rules] == ["translated"]
    (entry,) = [e for e in definition.all_fields() if e.field.fim_id == "F99000000051"]
    (choice,) = [e for e in definition.all_fields() if e.field.fim_id == "F99000000050"]

    def shown(code: str) -> bool | None:
        return evaluate(entry.field.visible_if, lambda p: [code] if p == choice.path else [], lambda g: 0, TODAY)

    assert shown("002") is True and shown("001") is False


def test_a_shown_optional_field_stays_optional_unless_the_rule_makes_it_mandatory():
    """ "aktiviere F" of a 0:1 field shows it; only "… und mache es zu einer Pflichtangabe" makes it required."""
    definition, _result = imported(_sonstiges("aktiviere F99000000051 'Beschreibung'"))
    assert post(definition, {"Beschäftigungsverhältnis": "002"}) == {}
    definition, _result = imported(
        _sonstiges("aktiviere F99000000051 'Beschreibung' und mache es zu einer Pflichtangabe")
    )
    assert labels(post(definition, {"Beschäftigungsverhältnis": "002"}), definition) == {"Beschreibung"}
    assert post(definition, {"Beschäftigungsverhältnis": "001"}) == {}


ANSCHRIFT = schema(
    s(
        "1:1",
        group(
            "G99000000020",
            "Anschrift",
            s("1:1", field("F99000000020", "Abfrage Inland", feldart="select", extra=WERTE)),
            s("0:1", group("G99000000021", "Straßenanschrift", s("1:1", field("F99000000021", "Straße")))),
            s("0:1", group("G99000000022", "Postfach", s("1:1", field("F99000000022", "Postfachnummer")))),
            s("0:1", field("F99000000023", "Tag (ohne Monat und Jahr)", "num_int")),
            s("0:1", field("F99000000024", "Monat", "num_int")),
            s("0:1", field("F99000000025", "Jahr", "num_int")),
            rules=rule(
                "R99000000020",
                'Es muss entweder Feldgruppe G99000000021 "Straßenanschrift" oder Feldgruppe G99000000022 '
                '"Postfach" befüllt werden.',
            )
            + rule(
                "R99000000021",
                'Wenn alle drei Felder F99000000023 "Tag", F99000000024 "Monat" und F99000000025 "Jahr" befüllt '
                "sind, muss die Validität des sich ergebenden Kalenderdatums sichergestellt werden.",
            )
            + rule("R99000000022", 'Wenn F99000000023 "Tag" nicht leer, dann darf F99000000024 "Monat" nicht leer.'),
        ),
    )
)


def test_one_of_rule_needs_exactly_one_of_the_groups():
    definition, result = imported(ANSCHRIFT)
    assert {r.fim_id: r.status for r in result.rules} == {
        "R99000000020": "translated",
        "R99000000021": "translated",
        "R99000000022": "translated",
    }
    assert post(definition, {"Abfrage Inland": "001"})  # neither
    assert post(definition, {"Abfrage Inland": "001", "Straße": "Musterweg 1"}) == {}
    assert post(definition, {"Abfrage Inland": "001", "Straße": "Musterweg 1", "Postfachnummer": "12"})


def test_one_of_two_mandatory_parts_of_one_optional_group_is_listed_for_review():
    """Filling either part begins the group and makes the other required: "entweder … oder" can never hold, so
    the rule is listed for review instead of making the form impossible (the generated-schema test found it)."""
    xml = schema(
        s("1:1", group("G99000000040", "Antrag", s("1:1", field("F99000000040", "Betreff")))),
        s(
            "0:1",
            group(
                "G99000000041",
                "Firma",
                s("1:1", group("G99000000042", "Sitz", s("1:1", field("F99000000042", "Ort")))),
                s("1:1", group("G99000000043", "Register", s("1:1", field("F99000000043", "Nummer")))),
            ),
        ),
        rule("R99000000040", "Es muss entweder Feldgruppe G99000000042 oder Feldgruppe G99000000043 befüllt werden."),
    )
    definition, result = imported(xml)
    (report,) = result.rules
    assert report.status == "review" and "G99000000042" not in report.reason and "„Sitz“" in report.reason
    assert complete(definition).completed


def test_date_parts_must_form_a_real_date_and_a_day_needs_its_month():
    definition, _result = imported(ANSCHRIFT)
    base = {"Abfrage Inland": "001", "Straße": "Musterweg 1"}
    assert post(definition, {**base, "Tag (ohne Monat und Jahr)": "30", "Monat": "2", "Jahr": "2019"})
    assert post(definition, {**base, "Tag (ohne Monat und Jahr)": "28", "Monat": "2", "Jahr": "2019"}) == {}
    assert labels(post(definition, {**base, "Tag (ohne Monat und Jahr)": "28"}), definition) == {"Monat"}


def test_valid_date_condition_is_unknown_while_a_part_is_empty():
    cond = parse_condition({"valid_date": ["a.b.t", "a.b.m", "a.b.j"]})
    values = {"a.b.t": [31], "a.b.m": [4], "a.b.j": [2026]}
    assert evaluate(cond, lambda p: values.get(p, []), lambda g: 0, TODAY) is False
    values["a.b.t"] = [30]
    assert evaluate(cond, lambda p: values.get(p, []), lambda g: 0, TODAY) is True
    values["a.b.j"] = []
    assert evaluate(cond, lambda p: values.get(p, []), lambda g: 0, TODAY) is None


def test_untranslatable_rule_is_listed_with_full_text_and_id():
    xml = schema(
        s(
            "1:1",
            group(
                "G99000000030",
                "Angaben",
                s("1:1", field("F99000000030", "Betrag", "num_currency")),
                rules=rule("R99000000030", "Der Betrag ist nach der Gebührenordnung zu berechnen."),
            ),
        )
    )
    _definition, result = imported(xml)
    (report,) = result.rules
    assert (report.fim_id, report.status) == ("R99000000030", "review")
    assert report.text == "Der Betrag ist nach der Gebührenordnung zu berechnen."


# --- repetition, types, constraints, titles ----------------------------------------------------------------


def test_repetition_multi_values_types_and_titles():
    xml = schema(
        s(
            "1:1",
            group(
                "G99000000040",
                "Antragsteller",
                s("1:*", field("F99000000040", "Staatsangehörigkeit", feldart="select", extra=WERTE)),
                s("0:*", field("F99000000041", "Nachweis", "file")),
                s("1:1", field("F99000000042", "Fahrzeug-Identifizierungsnummer", "num",
                               extra='<x:praezisierung minLength="17" maxLength="17" pattern="[A-HJ-NPR-Z0-9]{17}"/>')),
                s("0:1", field("F99000000043", "Bemerkung", extra='<x:praezisierung pattern="Mehrfachauswahl"/>')),
                s("1:1", group("G99000000045", "Vertreter", s("1:1", group("G99000000041", "Erreichbarkeit",
                                                                         s("1:1", field("F99000000044", "Telefon")))))),
            ),
        ),
        s("0:*", group("G99000000050", "Kinder", s("1:1", field("F99000000050", "Vorname")),
                       s("1:1", group("G99000000051", "Geburt",
                                      s("1:1", field("F99000000051", "Geburtsdatum", "date")))))),
    )  # fmt: skip
    definition, _result = imported(xml)
    fields = {e.field.label: e for e in definition.all_fields()}
    assert fields["Staatsangehörigkeit"].field.type == "multichoice"
    nachweis = fields["Nachweis"]
    assert nachweis.field.type == "file" and nachweis.group.repeat is not None and nachweis.group.repeat.min == 0
    vin = fields["Fahrzeug-Identifizierungsnummer"].field
    assert (vin.type, vin.pattern, vin.min_length) == ("text", "[A-HJ-NPR-Z0-9]{17}", 17)
    assert fields["Bemerkung"].field.pattern is None  # prose, not a pattern
    assert fields["Telefon"].group.title == "Vertreter: Erreichbarkeit"
    kinder = fields["Vorname"].group
    assert kinder.repeat is not None and kinder.repeat.min == 0
    assert [f.label for f in kinder.fields] == ["Vorname", "Geburt: Geburtsdatum"]  # the subtree in one item


@pytest.mark.parametrize(("body", "expected"), [("1..31", (1, 31)), ("5", (None, None))])
def test_old_2_0_constraints_are_read(body, expected):
    xml = f"""<x:xdatenfelder.stammdatenschema.0102 xmlns:x="urn:xoev-de:fim:standard:xdatenfelder_2">
      <x:stammdatenschema><x:identifikation><x:id>S99000002</x:id></x:identifikation><x:name>Alt</x:name>
      {s("1:1", group("G99000002", "Angaben", s("1:1", field("F99000002", "Tag", "num_int",
                                                             extra=f"<x:praezisierung>{body}</x:praezisierung>")),
                      s("1:1", field("F99000003", "Kürzel", extra=f"<x:praezisierung>{body}</x:praezisierung>"))))}
      </x:stammdatenschema></x:xdatenfelder.stammdatenschema.0102>""".encode()  # fmt: skip
    definition, result = imported(xml)
    fields = {e.field.label: e.field for e in definition.all_fields()}
    assert (fields["Tag"].min, fields["Tag"].max) == expected
    assert fields["Kürzel"].max_length == (2 if body == "1..31" else 5)
    assert not any("Präzisierung" in n for n in result.notes)


def _paths(definition: FormDefinition, values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        (path,) = [e.path for e in definition.all_fields() if e.field.label == key]
        out[path] = value
    return out


def test_rule_texts_may_name_elements_by_their_2_0_or_3_0_id():
    assert same_id("G60000088", "G60000000088") and same_id("F00000003327", "F00003327")
    assert not same_id("G60000088", "G61000000088") and not same_id("F60000088", "G60000088")
    xml = VERTRETER.replace(b"DANN aktiviere G99000000011", b"DANN aktiviere G99000011")
    definition, result = imported(xml)
    assert [r.status for r in result.rules] == ["translated"]
    assert labels(post(definition, {"Abfrage Vertreter": "ja"}), definition) == {"Name"}
