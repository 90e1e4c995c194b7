"""Every demo form has a complete English overlay: each text a citizen reads — title, description, step, group,
field label, hint, message, option, rule, fee — comes in English on an English page, none falls back to German."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rathaus.formengine import load_demo_form, parse_definition
from rathaus.formengine.demo import demo_form_slugs
from rathaus.formengine.i18n import GermanText, localize, problems

SLUGS = demo_form_slugs()
SAME_IN_ENGLISH = {"IBAN", "Person"}  # texts that are the same word in both languages


def _texts(definition: Any) -> Iterator[tuple[str, Any]]:
    """(where, text) for every text of the definition that is shown, nested groups included."""
    yield "title", definition.title
    yield "description", definition.description
    for step in definition.steps:
        yield f"{step.id}: title", step.title
        yield f"{step.id}: help", step.help
        yield from _group_texts(step.id, step.groups)
    for rule in definition.rules:
        yield f"rule {rule.id}", rule.message
    for index, fee in enumerate(definition.fees):
        yield f"fee {index}", fee.label


def _group_texts(parent: str, groups: Any) -> Iterator[tuple[str, Any]]:
    for group in groups:
        path = f"{parent}.{group.id}"
        for name in ("title", "help", "item_label"):
            yield f"{path}: {name}", getattr(group, name)
        for field in group.fields:
            for name in ("label", "help", "required_message", "pattern_message"):
                yield f"{path}.{field.id}: {name}", getattr(field, name)
            for choice in field.choices or ():
                yield f"{path}.{field.id}: option {choice.value}", choice.label
        yield from _group_texts(path, group.groups)


def test_every_demo_form_is_checked() -> None:
    assert len(SLUGS) == 8


@pytest.mark.parametrize("slug", SLUGS)
def test_every_demo_form_has_a_complete_english_overlay(slug: str) -> None:
    definition = parse_definition(load_demo_form(slug))
    assert "en" in (definition.i18n or {}), f"{slug} has no English overlay"
    assert problems(definition) == []  # nothing in the overlay points nowhere

    german = dict(_texts(definition))
    english = dict(_texts(localize(definition, "en")))

    left_german = [f"{where}: {text}" for where, text in english.items() if isinstance(text, GermanText)]
    assert not left_german, "\n".join(left_german)
    assert english.keys() == german.keys()
    # A translation is a translation: not the German text copied over.
    same = [
        f"{where}: {text}"
        for where, text in english.items()
        if text is not None and text == german[where] and text not in SAME_IN_ENGLISH
    ]
    assert not same, "\n".join(same)
