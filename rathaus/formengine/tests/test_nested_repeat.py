"""Repetition inside repetition: persons, each with several addresses (a sub-group repeated per item).

A hand-made definition drives every part of the engine — storage as nested lists, the step as the citizen
posts it (add/remove without JavaScript), validation naming the item, minimum and maximum at both levels,
visibility and rules inside items, summary, fees and JSON Schema. The real schemas follow in
``test_fim_nested.py``.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from django.utils import translation

from rathaus.formengine import (
    DefinitionError,
    compute_fees,
    json_schema,
    move_files,
    parse_definition,
    summary,
    validate_all,
    validate_step,
)
from rathaus.formengine.rendering import error_links
from rathaus.formengine.templatetags.formengine import render_step

TODAY = date(2026, 6, 1)


def definition_dict() -> dict[str, Any]:
    return {
        "id": "haushalt",
        "version": 1,
        "title": "Haushalt",
        "steps": [
            {
                "id": "personen",
                "title": "Personen",
                "groups": [
                    {
                        "id": "person",
                        "title": "Personen im Haushalt",
                        "item_label": "Person",
                        "repeat": {"min": 1, "max": 3},
                        "fields": [
                            {"id": "name", "label": "Name", "type": "text", "required": True},
                            {"id": "ausland", "label": "Lebt im Ausland?", "type": "yesno"},
                        ],
                        "groups": [
                            {
                                "id": "anschrift",
                                "title": "Anschriften",
                                "item_label": "Anschrift",
                                "repeat": {"min": 1, "max": 2},
                                "fields": [
                                    {"id": "ort", "label": "Ort", "type": "text", "required": True},
                                    {
                                        "id": "plz",
                                        "label": "Postleitzahl",
                                        "type": "text",
                                        "required": True,
                                        "pattern": "[0-9]{5}",
                                        "pattern_message": "Bitte geben Sie fünf Ziffern an.",
                                    },
                                    {
                                        "id": "land",
                                        "label": "Staat",
                                        "type": "text",
                                        "visible_if": {"field": "personen.person.ausland", "equals": True},
                                    },
                                    {"id": "von", "label": "Wohnhaft seit", "type": "date"},
                                    {"id": "bis", "label": "Wohnhaft bis", "type": "date"},
                                    {"id": "nachweis", "label": "Meldebescheinigung", "type": "file"},
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
        "rules": [
            {
                "id": "zeitraum",
                "message": "„Wohnhaft bis“ darf nicht vor „Wohnhaft seit“ liegen.",
                "fields": ["personen.person.anschrift.bis"],
                "check": {"field": "personen.person.anschrift.bis", "gte_field": "personen.person.anschrift.von"},
            }
        ],
        "fees": [{"label": "je Anschrift", "amount": "2.50", "per": "personen.person.anschrift"}],
    }


def form():
    return parse_definition(definition_dict())


def posted(*people: list[dict[str, str]], names: tuple[str, ...] = ("Anna", "Ben", "Cem")) -> dict[str, str]:
    """The POST of the step: one list of address dicts per person."""
    data: dict[str, str] = {}
    for i, addresses in enumerate(people):
        data[f"personen.person.{i}._item"] = "1"
        data[f"personen.person.{i}.name"] = names[i]
        for j, address in enumerate(addresses):
            data[f"personen.person.{i}.anschrift.{j}._item"] = "1"
            for key, value in address.items():
                data[f"personen.person.{i}.anschrift.{j}.{key}"] = value
    return data


HOME = {"ort": "Leverkusen", "plz": "51373"}
OTHER = {"ort": "Erkrath", "plz": "40699"}


def step(data: dict[str, Any], **kwargs: Any):
    return validate_step(form(), "personen", data, today=TODAY, **kwargs)


# --- definition ------------------------------------------------------------------------------------


def test_paths_reach_fields_of_sub_groups():
    definition = form()
    assert definition.field("personen.person.1.anschrift.0.plz").label == "Postleitzahl"
    assert definition.field_path("personen.person.1.anschrift.0.plz") == "personen.person.anschrift.plz"
    assert definition.entry("personen.person.anschrift.plz").outer[0].id == "person"
    assert definition.group("personen.person.anschrift").repeat.max == 2
    assert definition.field_path("personen.person.anschrift") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["steps"][0]["groups"][0]["groups"][0].pop("repeat"), "Untergruppe muss wiederholbar sein"),
        (lambda d: d["steps"][0]["groups"][0].pop("repeat"), "Nur eine wiederholbare Gruppe kann Untergruppen"),
        (
            lambda d: d["steps"][0]["groups"][0]["groups"][0].update(id="name"),
            "Die Untergruppen-ID „name“ ist doppelt vergeben",
        ),
        (
            lambda d: d["steps"][0]["groups"][0]["groups"][0]["fields"][2].update(
                visible_if={"field": "personen.person.nirgends", "equals": True}
            ),
            "unbekannte Feld „personen.person.nirgends“",
        ),
    ],
)
def test_broken_sub_groups_are_refused(change, message):
    data = definition_dict()
    change(data)
    with pytest.raises(DefinitionError) as exc:
        parse_definition(data)
    assert message in str(exc.value)


def test_definition_round_trips():
    definition = form()
    assert parse_definition(definition.to_dict()) == definition


# --- storage and posting ---------------------------------------------------------------------------


def test_answers_nest_addresses_in_their_person():
    result = step(posted([HOME], [HOME, OTHER]))
    assert result.ok, result.errors
    people = result.answers["person"]
    assert [p["name"] for p in people] == ["Anna", "Ben"]
    assert [a["ort"] for a in people[1]["anschrift"]] == ["Leverkusen", "Erkrath"]
    assert people[0]["anschrift"] == [{"ort": "Leverkusen", "plz": "51373"}]


def test_missing_value_in_one_address_is_reported_there_and_named_by_item():
    result = step(posted([HOME], [HOME, {"ort": "Erkrath"}]))
    assert result.errors == {"personen.person.1.anschrift.1.plz": ["Bitte füllen Sie das Feld „Postleitzahl“ aus."]}
    links = error_links(form(), result.errors)
    assert [link.text for link in links] == ["Person 2, Anschrift 2: Bitte füllen Sie das Feld „Postleitzahl“ aus."]
    assert links[0].href == "#f-personen-person-1-anschrift-1-plz"


def test_invalid_value_in_an_address_names_person_and_address():
    result = step(posted([{"ort": "Köln", "plz": "5067"}]))
    assert list(result.errors) == ["personen.person.0.anschrift.0.plz"]
    assert error_links(form(), result.errors)[0].text.startswith("Person 1, Anschrift 1: Postleitzahl: ")


def test_minimum_of_addresses_holds_per_person():
    result = step(posted([HOME], []))
    assert result.errors == {"personen.person.1.anschrift": ["Bitte geben Sie mindestens 1 Eintrag an."]}
    assert error_links(form(), result.errors)[0].text == (
        "Person 2: Anschriften: Bitte geben Sie mindestens 1 Eintrag an."
    )


def test_maximum_of_addresses_holds_per_person():
    result = step(posted([HOME, OTHER, HOME]))
    assert result.errors["personen.person.0.anschrift"] == ["Bitte geben Sie höchstens 2 Einträge an."]
    assert len(result.answers["person"][0]["anschrift"]) == 2


def test_maximum_and_minimum_of_persons_still_hold():
    assert step(posted([HOME], [HOME], [HOME], [HOME], names=("A", "B", "C", "D"))).errors["personen.person"] == [
        "Bitte geben Sie höchstens 3 Einträge an."
    ]
    assert step({}).errors == {"personen.person": ["Bitte geben Sie mindestens 1 Eintrag an."]}


def test_add_button_adds_an_address_to_that_person_only():
    data = posted([HOME], [HOME])
    data["_add:personen.person.1.anschrift"] = "1"
    result = step(data)
    assert result.action is not None and result.action.kind == "add"
    assert result.errors == {}
    assert len(result.answers["person"][0]["anschrift"]) == 1
    assert len(result.answers["person"][1]["anschrift"]) == 2


def test_add_button_stops_at_the_maximum():
    data = posted([HOME, OTHER])
    data["_add:personen.person.0.anschrift"] = "1"
    assert len(step(data).answers["person"][0]["anschrift"]) == 2


def test_remove_button_removes_that_address_and_moves_its_files():
    data = posted([HOME], [HOME, OTHER])
    data["_remove:personen.person.1.anschrift.0"] = "1"
    ref = {"key": "k2", "name": "b.pdf", "sha256": "2" * 64, "size": 10, "content_type": "application/pdf"}
    gone = {"key": "k1", "name": "a.pdf", "sha256": "1" * 64, "size": 10, "content_type": "application/pdf"}
    files = {"personen.person.1.anschrift.1.nachweis": ref, "personen.person.1.anschrift.0.nachweis": gone}
    result = step(data, files=files)
    assert result.action is not None and result.action.kind == "remove"
    assert [a["ort"] for a in result.answers["person"][1]["anschrift"]] == ["Erkrath"]
    assert move_files(files, result) == {"personen.person.1.anschrift.0.nachweis": ref}


def test_removing_a_person_moves_the_files_of_its_addresses():
    data = posted([HOME], [HOME, OTHER])
    data["_remove:personen.person.0"] = "1"
    ref = {"key": "k", "name": "b.pdf", "sha256": "2" * 64, "size": 10, "content_type": "application/pdf"}
    result = step(data, files={"personen.person.1.anschrift.1.nachweis": ref})
    assert [p["name"] for p in result.answers["person"]] == ["Ben"]
    files = move_files({"personen.person.1.anschrift.1.nachweis": ref}, result)
    assert files == {"personen.person.0.anschrift.1.nachweis": ref}


@pytest.mark.parametrize(
    "button",
    ["_add:personen.person.anschrift", "_add:personen.person.x.anschrift", "_remove:personen.person.0.name.0"],
)
def test_malformed_buttons_are_no_action(button):
    data = posted([HOME])
    data[button] = "1"
    assert step(data).action is None


def test_visibility_inside_an_address_follows_its_own_person():
    data = posted([{**HOME, "land": "Frankreich"}], [{**HOME, "land": "Spanien"}])
    data["personen.person.0.ausland"] = "ja"
    data["personen.person.1.ausland"] = "nein"
    result = step(data)
    assert result.ok, result.errors
    assert result.answers["person"][0]["anschrift"][0]["land"] == "Frankreich"
    assert "land" not in result.answers["person"][1]["anschrift"][0]


def test_rule_is_checked_in_each_address():
    data = posted([{**HOME, "von": "2020-01-01", "bis": "2019-01-01"}], [{**HOME, "von": "2020-01-01"}])
    result = step(data)
    assert result.errors == {
        "personen.person.0.anschrift.0.bis": ["„Wohnhaft bis“ darf nicht vor „Wohnhaft seit“ liegen."]
    }


# --- whole answers, JSON, summary, fees --------------------------------------------------------------


def answers() -> dict[str, Any]:
    return {
        "personen": {
            "person": [
                {"name": "Anna", "anschrift": [dict(HOME)]},
                {"name": "Ben", "ausland": True, "anschrift": [dict(HOME), {**OTHER, "land": "Belgien"}]},
            ]
        }
    }


def test_validate_all_accepts_nested_answers_and_checks_every_level():
    definition = form()
    assert validate_all(definition, answers(), today=TODAY) == {}
    broken = answers()
    broken["personen"]["person"][1]["anschrift"][1]["plz"] = ""
    broken["personen"]["person"][0]["anschrift"][0]["strasse"] = "Hauptstraße"
    broken["personen"]["person"][0]["kinder"] = []
    errors = validate_all(definition, broken, today=TODAY)
    assert errors["personen.person.1.anschrift.1.plz"] == ["Bitte füllen Sie das Feld „Postleitzahl“ aus."]
    assert errors["personen.person.0.anschrift.0.strasse"] == ["Unbekanntes Feld."]
    assert errors["personen.person.0.kinder"] == ["Unbekanntes Feld."]
    not_a_list = answers()
    not_a_list["personen"]["person"][0]["anschrift"] = HOME
    assert validate_all(definition, not_a_list, today=TODAY)["personen.person.0.anschrift"] == [
        "Eine wiederholbare Gruppe muss eine Liste sein.",
        "Bitte geben Sie mindestens 1 Eintrag an.",
    ]


def test_summary_names_each_address_by_its_person():
    steps = summary(form(), answers(), today=TODAY)
    titles = [g.title for g in steps[0].groups]
    assert titles == ["Person 1", "Person 1, Anschrift 1", "Person 2", "Person 2, Anschrift 1", "Person 2, Anschrift 2"]
    rows = {r.label: r.value for r in steps[0].groups[4].rows}
    assert rows == {
        "Person 2, Anschrift 2: Ort": "Erkrath",
        "Person 2, Anschrift 2: Postleitzahl": "40699",
        "Person 2, Anschrift 2: Staat": "Belgien",
    }  # a row names its item: the summary, receipt and case file list rows without group headings


def test_fee_per_address_counts_the_addresses_of_every_person():
    (line,) = compute_fees(form(), answers(), today=TODAY)
    assert line.quantity == 3


def test_json_schema_has_arrays_of_objects_with_arrays():
    schema = json_schema(form())
    person = schema["properties"]["personen"]["properties"]["person"]
    assert person["type"] == "array" and person["minItems"] == 1 and person["maxItems"] == 3
    anschrift = person["items"]["properties"]["anschrift"]
    assert anschrift["type"] == "array" and anschrift["minItems"] == 1 and anschrift["maxItems"] == 2
    assert anschrift["items"]["required"] == ["ort", "plz"]
    assert "anschrift" in person["items"]["required"]


def test_json_schema_and_form_agree_on_nested_answers():
    definition = form()
    validator = jsonschema_rs.Draft202012Validator(json_schema(definition), validate_formats=True)
    good = answers()
    assert validator.is_valid(good) and validate_all(definition, good, today=TODAY) == {}
    for breakage in (
        lambda a: a["personen"]["person"][1].update(anschrift=[]),  # too few addresses
        lambda a: a["personen"]["person"][0]["anschrift"].extend([HOME, HOME]),  # too many
        lambda a: a["personen"]["person"][1]["anschrift"][0].pop("plz"),  # a required field missing
        lambda a: a["personen"]["person"][1]["anschrift"][0].update(fax="1"),  # an unknown key
    ):
        bad = copy.deepcopy(good)
        breakage(bad)
        assert not validator.is_valid(bad)
        assert validate_all(definition, bad, today=TODAY) != {}


# --- rendering -------------------------------------------------------------------------------------


def test_step_renders_an_item_fieldset_per_address_with_its_person():
    html = str(render_step(form(), "personen", answers(), {}, TODAY))
    assert html.count('class="kern-fieldset formengine-item"') == 2 + 3
    assert '<span class="kern-sr-only">Person 2, </span>Anschrift 2</legend>' in html
    assert 'name="personen.person.1.anschrift.1._item"' in html
    assert 'name="personen.person.1.anschrift.1.plz"' in html
    assert 'id="f-personen-person-1-anschrift-1-plz"' in html
    assert 'name="_remove:personen.person.1.anschrift.1"' in html
    # person 2 has the maximum of two addresses: no add button; person 1 has one
    assert 'name="_add:personen.person.1.anschrift"' not in html
    assert 'name="_add:personen.person.0.anschrift"' in html
    assert '<span class="kern-sr-only"> (Person 1)</span>' in html
    # the field of the other person's address shows only where that person lives abroad
    assert 'name="personen.person.1.anschrift.0.land"' in html
    assert 'name="personen.person.0.anschrift.0.land"' not in html


def test_step_renders_the_minimum_of_addresses_for_a_new_person():
    html = str(render_step(form(), "personen", {}, {}, TODAY))
    assert 'name="personen.person.0.anschrift.0.ort"' in html
    assert "personen.person.0.anschrift.1" not in html


def test_errors_render_next_to_the_address_field():
    result = step(posted([HOME], [HOME, {"ort": "Erkrath"}]))
    html = str(render_step(form(), "personen", {"personen": result.display}, result.errors, TODAY))
    error = re.search(r'id="f-personen-person-1-anschrift-1-plz-error"[^>]*>(.*?)</', html, re.S)
    assert error is not None


def test_translations_reach_sub_groups_and_their_fields():
    data = definition_dict()
    data["i18n"] = {
        "en": {
            "groups": {"personen.person.anschrift": {"title": "Addresses", "item_label": "Address"}},
            "fields": {"personen.person.anschrift.ort": {"label": "Town"}},
        }
    }
    definition = parse_definition(data)
    with translation.override("en"):
        html = str(render_step(definition, "personen", answers(), {}, TODAY))
        [step_summary] = summary(definition, answers(), today=TODAY)
    assert "</span>Address 2</legend>" in html and ">Town" in html
    assert "Person 2, Address 2: Town" in [row.label for g in step_summary.groups for row in g.rows]
    data["i18n"]["en"]["groups"]["personen.person.nirgends"] = {"title": "Nowhere"}
    with pytest.raises(DefinitionError, match=re.escape("personen.person.nirgends")):
        parse_definition(data)
