from __future__ import annotations

from decimal import Decimal

import pytest

from rathaus.formengine import (
    compute_fees,
    demo_form_slugs,
    load_demo_form,
    parse_definition,
    total,
    validate_all,
    validate_step,
)

from .demo_answers import DEMO_ANSWERS
from .helpers import TODAY

CATALOG_SLUGS = {
    "wohnsitz-anmelden",
    "hund-anmelden",
    "sperrmuell-anmelden",
    "gewerbe-anmelden",
    "bewohnerparkausweis-beantragen",
    "fuehrungszeugnis-beantragen",
    "sondernutzung-strasse-beantragen",
    "kita-platz-anmelden",
}


def test_there_are_eight_demo_forms_for_services_of_the_demo_catalog():
    assert set(demo_form_slugs()) == CATALOG_SLUGS
    with pytest.raises(KeyError):
        load_demo_form("../settings")


@pytest.mark.parametrize("slug", sorted(CATALOG_SLUGS))
def test_demo_form_parses_and_its_id_is_the_slug(slug: str):
    definition = parse_definition(load_demo_form(slug))
    assert definition.id == slug


@pytest.mark.parametrize("slug", sorted(CATALOG_SLUGS))
def test_demo_form_accepts_valid_answers_and_computes_the_fee(slug: str):
    case = DEMO_ANSWERS[slug]
    definition = parse_definition(load_demo_form(slug))
    assert validate_all(definition, case["answers"], files=case["files"], today=TODAY) == {}
    assert total(compute_fees(definition, case["answers"], today=TODAY)) == Decimal(case["total"])


@pytest.mark.parametrize("slug", sorted(CATALOG_SLUGS))
def test_demo_form_rejects_bad_input_with_a_german_message_at_the_field(slug: str):
    step_id, bad, path, fragment = DEMO_ANSWERS[slug]["bad"]
    definition = parse_definition(load_demo_form(slug))
    answers = DEMO_ANSWERS[slug]["answers"]
    result = validate_step(definition, step_id, bad, answers=answers, today=TODAY)
    assert not result.ok
    assert any(fragment in message for message in result.errors.get(path, [])), result.errors
