from __future__ import annotations

import jsonschema_rs
import pytest

from rathaus.formengine import demo_form_slugs, json_schema, load_demo_form, parse_definition
from rathaus.formengine.schema import DATE_PATTERN

from .demo_answers import DEMO_ANSWERS
from .helpers import sample, valid_answers


def _validator(schema: dict) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def test_sample_answers_match_the_json_schema():
    schema = json_schema(sample())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    _validator(schema).validate(valid_answers())


def test_schema_has_german_titles_formats_enums_and_arrays():
    schema = json_schema(sample())
    name = schema["properties"]["person"]["properties"]["name"]
    assert name["properties"]["geburt"] == {
        "title": "Geburtsdatum",
        "type": "string",
        "format": "date",
        "pattern": DATE_PATTERN,
        "description": "spätestens: heute",
    }
    assert name["properties"]["email"]["format"] == "email"
    assert name["required"] == ["vorname", "geburt", "anschrift"]
    hund = schema["properties"]["hunde"]["properties"]["hund"]
    assert hund["type"] == "array" and hund["minItems"] == 1 and hund["maxItems"] == 3
    assert hund["items"]["properties"]["rasse"]["enum"] == ["dackel", "pudel"]
    iban = schema["properties"]["zahlung"]["properties"]["konto"]["properties"]["iban"]
    assert iban["pattern"].startswith("^[A-Z]{2}")


@pytest.mark.parametrize(
    "breakage",
    [
        lambda a: a["hunde"]["hund"][0].update(rasse="wolf"),
        lambda a: a["person"]["name"].update(geburt="17.05.1980"),
        lambda a: a["person"]["name"]["anschrift"].update(postal_code="1234"),
        lambda a: a["person"]["name"].update(extra="x"),
        lambda a: a["hunde"].update(hund=[]),
        lambda a: a["zahlung"]["konto"].update(iban="de89"),
    ],
)
def test_schema_rejects_broken_answers(breakage):
    answers = valid_answers()
    breakage(answers)
    assert not _validator(json_schema(sample())).is_valid(answers)


@pytest.mark.parametrize("slug", demo_form_slugs())
def test_demo_answers_match_the_demo_form_schema(slug: str):
    schema = json_schema(parse_definition(load_demo_form(slug)))
    _validator(schema).validate(DEMO_ANSWERS[slug]["answers"])
