from __future__ import annotations

from typing import Any

import pytest

from rathaus.formengine import DefinitionError, parse_definition

from .helpers import sample, sample_data


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(DefinitionError) as info:
        parse_definition(data)
    return str(info.value)


def test_sample_parses_and_round_trips_through_to_dict():
    definition = sample()
    again = parse_definition(definition.to_dict())
    assert again == definition
    assert again.to_dict() == definition.to_dict()


def test_lookups_find_steps_fields_and_repeat_paths():
    definition = sample()
    assert [s.id for s in definition.steps] == ["person", "hunde", "zahlung"]
    assert definition.step("hunde").title == "Hunde"
    assert definition.field("hunde.hund.0.rasse").label == "Rasse"
    assert [e.path for e in definition.fields_in("zahlung")][:2] == ["zahlung.konto.iban", "zahlung.konto.einzug"]
    with pytest.raises(KeyError):
        definition.step("gibt-es-nicht")
    with pytest.raises(KeyError):
        definition.field("person.name.gibt_es_nicht")


def test_unknown_field_type_is_reported_in_german_with_its_path():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][0]["type"] = "slider"
    message = _problems(data)
    assert "steps.0.groups.0.fields.0.type" in message
    assert "Unbekannter Feldtyp „slider“" in message
    assert "Tuple should" not in message


def test_unknown_field_reference_in_a_condition_is_an_error():
    data = sample_data()
    data["steps"][1]["groups"][0]["fields"][1]["visible_if"] = {"field": "hunde.frage.gibt_es_nicht", "equals": True}
    assert "unbekannte Feld „hunde.frage.gibt_es_nicht“" in _problems(data)


def test_duplicate_ids_are_errors():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][1]["id"] = "vorname"
    assert "Die Feld-ID „vorname“ ist doppelt vergeben" in _problems(data)
    data = sample_data()
    data["steps"][2]["id"] = "person"
    assert "Die Schritt-ID „person“ ist doppelt vergeben" in _problems(data)


def test_unknown_keys_and_bad_ids_are_rejected():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][0]["colour"] = "rot"
    assert "Unbekanntes Feld" in _problems(data)
    data = sample_data()
    data["steps"][0]["id"] = "Person 1"
    assert "Ungültige ID „Person 1“" in _problems(data)


def test_options_must_fit_the_field_type():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][1]["min_length"] = 3  # a date
    assert "„min_length“ ist für den Feldtyp „date“ nicht erlaubt" in _problems(data)


def test_choice_needs_choices_and_conditions_need_existing_values():
    data = sample_data()
    data["steps"][1]["groups"][1]["fields"][0]["choices"] = []
    assert "mindestens eine Auswahlmöglichkeit" in _problems(data)
    data = sample_data()
    data["fees"][2]["when"] = {"field": "hunde.hund.rasse", "equals": "schaeferhund"}
    assert "„schaeferhund“ ist keine Auswahlmöglichkeit" in _problems(data)


def test_visibility_may_not_look_at_later_steps_or_at_itself():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][5]["visible_if"] = {"field": "hunde.frage.hat_hund", "equals": True}
    assert "in einem späteren Schritt" in _problems(data)
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][5]["visible_if"] = {"field": "person.name.notiz", "filled": True}
    assert "nicht vom eigenen Element" in _problems(data)


def test_circular_visibility_is_an_error():
    data = sample_data()
    fields = data["steps"][0]["groups"][0]["fields"]
    fields[4]["visible_if"] = {"field": "person.name.notiz", "filled": True}
    fields[5]["visible_if"] = {"field": "person.name.telefon", "filled": True}
    assert "im Kreis" in _problems(data)


def test_condition_syntax_errors_are_german():
    data = sample_data()
    data["steps"][1]["groups"][0]["fields"][1]["visible_if"] = {"field": "hunde.frage.hat_hund", "matches": "x"}
    assert "Unbekannter Operator „matches“" in _problems(data)
    data["steps"][1]["groups"][0]["fields"][1]["visible_if"] = {"field": "hunde.frage.hat_hund"}
    assert "genau einen Operator" in _problems(data)
    data["steps"][1]["groups"][0]["fields"][1]["visible_if"] = {"all": []}
    assert "nicht leere Liste" in _problems(data)


def test_date_comparison_needs_a_date_and_bad_relative_dates_are_rejected():
    data = sample_data()
    data["rules"][0]["check"] = {"field": "hunde.hund.seit", "gte": 5}
    assert "ist ein Datum" in _problems(data)
    data = sample_data()
    data["steps"][2]["groups"][0]["fields"][1]["date_min"] = "gestern"
    assert "Ungültige Datumsangabe „gestern“" in _problems(data)


def test_rule_messages_must_be_shown_in_the_step_where_the_rule_is_checked():
    data = sample_data()
    data["rules"][0]["fields"] = ["person.name.vorname"]
    assert "nicht im Schritt „hunde“" in _problems(data)


def test_fee_per_must_be_a_whole_number_field_or_a_repeat_group():
    data = sample_data()
    data["fees"][1]["per"] = "person.name.vorname"
    assert "weder ein Zahlenfeld noch eine wiederholbare Gruppe" in _problems(data)
    data["fees"][1]["per"] = "hunde.frage"
    assert "keine wiederholbare Gruppe" in _problems(data)
    data = sample_data()
    data["fees"][0]["amount"] = "12,50"
    assert "fees.0.amount" in _problems(data)


def test_invalid_pattern_and_prefill_type_mismatch():
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][0]["pattern"] = "([a-z"
    assert "Ungültiger regulärer Ausdruck" in _problems(data)
    data = sample_data()
    data["steps"][0]["groups"][0]["fields"][0]["prefill"] = "birth_date"
    assert "passt nicht zum Feldtyp „text“" in _problems(data)


def test_definition_must_be_an_object():
    with pytest.raises(DefinitionError):
        parse_definition([])  # type: ignore[arg-type]
