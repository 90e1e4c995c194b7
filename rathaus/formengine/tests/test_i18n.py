"""Form definitions in English: an overlay per language with German as the fallback, and every part shown
untranslated marked lang="de" (issue 8 §4 Languages)."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.formengine import load_demo_form, parse_definition, summary, validate_step
from rathaus.formengine.definition import DefinitionError
from rathaus.formengine.i18n import GermanText, localize
from rathaus.formengine.rendering import error_links, step_view

from .helpers import TODAY

DOG = "hund-anmelden"


@pytest.fixture(scope="module")
def dog() -> Any:
    return parse_definition(load_demo_form(DOG))


def _partial() -> Any:
    """The dog form with a few English texts only."""
    data = load_demo_form(DOG)
    data["i18n"] = {
        "en": {
            "steps": {"halter": {"title": "Dog owner"}},
            "fields": {
                "halter.person.vorname": {"label": "First name(s)"},
                "halter.zahlung.iban": {"help": "For example DE89 3704 0044 0532 0130 00."},
            },
        }
    }
    return parse_definition(data)


class _Lang(HTMLParser):
    """Text of the page by the language it is marked with (innermost lang attribute wins)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = ["en"]
        self.tags: list[str] = []
        self.text: dict[str, list[str]] = {"en": [], "de": []}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "br", "img"):
            return
        self.tags.append(tag)
        self.stack.append(dict(attrs).get("lang") or self.stack[-1])

    def handle_endtag(self, tag: str) -> None:
        if self.tags and self.tags[-1] == tag:
            self.tags.pop()
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text[self.stack[-1]].append(data.strip())


def _render(definition: Any, step: str, answers: Any = None, errors: Any = None) -> str:
    template = Template("{% load formengine %}{% render_step definition step answers errors today %}")
    return template.render(
        Context(
            {"definition": definition, "step": step, "answers": answers or {}, "errors": errors or {}, "today": TODAY}
        )
    )


def _by_lang(html: str) -> dict[str, list[str]]:
    parser = _Lang()
    parser.feed(html)
    return parser.text


def test_german_is_the_source_and_comes_back_unchanged(dog: Any) -> None:
    assert localize(dog, "de") is dog
    with translation.override("de"):
        assert localize(dog) is dog
        assert 'lang="de"' not in _render(dog, "halter")


def test_english_texts_from_the_overlay_german_marked_where_missing() -> None:
    partial = _partial()
    english = localize(partial, "en")
    first = english.field("halter.person.vorname")
    assert first.label == "First name(s)" and type(first.label) is str
    surname = english.field("halter.person.familienname")
    assert surname.label == "Familienname" and isinstance(surname.label, GermanText) and surname.label.lang == "de"
    assert english.step("halter").title == "Dog owner" and english.step("hunde").title.lang == "de"  # type: ignore[attr-defined]
    iban = english.field("halter.zahlung.iban")
    assert (iban.label.lang, iban.help) == ("de", "For example DE89 3704 0044 0532 0130 00.")  # type: ignore[attr-defined]
    # Only texts change: ids, conditions, fees and the lookups are those of the German definition.
    assert [s.id for s in english.steps] == [s.id for s in partial.steps]
    assert english.field("halter.zahlung.iban").visible_if == partial.field("halter.zahlung.iban").visible_if
    assert localize(english, "en").field("halter.person.familienname").label.lang == "de"  # type: ignore[attr-defined]


def test_an_english_page_marks_each_untranslated_part_lang_de() -> None:
    with translation.override("en"):
        html = _render(_partial(), "halter", {"halter": {"zahlung": {"lastschrift": True}}})
    text = _by_lang(html)
    assert "First name(s)" in text["en"] and "For example DE89 3704 0044 0532 0130 00." in text["en"]
    for german in ("Familienname", "Ihre Angaben", "IBAN", "Möchten Sie die Hundesteuer per Lastschrift zahlen?"):
        assert german in text["de"], german
        assert german not in text["en"], german


@pytest.mark.parametrize("slug", [DOG, "sperrmuell-anmelden"])
def test_the_translated_demo_forms_are_english_throughout(slug: str) -> None:
    definition = parse_definition(load_demo_form(slug))
    english = localize(definition, "en")
    german_left = [
        f"{entry.path}: {text}"
        for entry in english.all_fields()
        for text in (
            entry.field.label,
            entry.field.help,
            entry.group.title,
            entry.step.title,
            *[choice.label for choice in entry.field.choices or ()],
        )
        if isinstance(text, GermanText)
    ]
    german_left += [fee.label for fee in english.fees if isinstance(fee.label, GermanText)]
    german_left += [rule.message for rule in english.rules if isinstance(rule.message, GermanText)]
    assert not german_left
    assert not isinstance(english.title, GermanText) and english.title != definition.title
    with translation.override("en"):
        for step in definition.steps:
            assert 'lang="de"' not in _render(definition, step.id), step.id


def test_the_dog_form_in_english(dog: Any) -> None:
    english = localize(dog, "en")
    assert english.title == "Register a dog (dog tax)"
    assert english.fees[0].label == "Dog tax per year: first dog"
    assert english.rules[0].message.startswith("The dog cannot")


def test_summary_and_error_links_follow_the_language(dog: Any) -> None:
    answers = {"halter": {"person": {"vorname": "Erika"}}}
    with translation.override("en"):
        [step] = summary(dog, answers)
        links = error_links(dog, {"halter.person.familienname": ["This is required."]})
    assert (step.title, step.groups[0].title, step.groups[0].rows[0].label) == (
        "Dog owner",
        "About you",
        "First name(s)",
    )
    assert links[0].text == "Surname: This is required."
    with translation.override("de"):
        [step] = summary(dog, answers)
    assert step.groups[0].rows[0].label == "Vorname(n)"


def test_step_view_labels_and_options_are_translated_per_value() -> None:
    data = load_demo_form("sperrmuell-anmelden")
    choice = next(
        (step["id"], group["id"], field)
        for step in data["steps"]
        for group in step["groups"]
        for field in group["fields"]
        if field.get("choices")
    )
    step_id, group_id, field = choice
    first, second = field["choices"][0], field["choices"][1]
    data["i18n"] = {"en": {"fields": {f"{step_id}.{group_id}.{field['id']}": {"options": {first["value"]: "One"}}}}}
    with translation.override("en"):
        groups = step_view(parse_definition(data), step_id, {}, {}, TODAY)
    view = next(f for g in groups for i in g.items for f in i.fields if f.path.endswith(f".{field['id']}"))
    labels = {o.value: o.label for o in view.options}
    assert labels[first["value"]] == "One" and not isinstance(labels[first["value"]], GermanText)
    assert labels[second["value"]] == second["label"] and labels[second["value"]].lang == "de"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overlay", "where"),
    [
        (
            {"en": {"fields": {"halter.person.spitzname": {"label": "Nickname"}}}},
            "i18n.en.fields.halter.person.spitzname",
        ),
        ({"en": {"steps": {"nirgends": {"title": "Nowhere"}}}}, "i18n.en.steps.nirgends"),
        ({"en": {"groups": {"halter.nirgends": {"title": "x"}}}}, "i18n.en.groups.halter.nirgends"),
        ({"en": {"rules": {"keine": {"message": "x"}}}}, "i18n.en.rules.keine"),
        ({"en": {"fees": {"Gibt es nicht": "x"}}}, "i18n.en.fees.Gibt es nicht"),
        (
            {"en": {"fields": {"halter.person.vorname": {"lable": "typo"}}}},
            "i18n.en.fields.halter.person.vorname.lable",
        ),
        ({"en": {"fields": {"halter.person.vorname": {"label": ""}}}}, "i18n.en.fields.halter.person.vorname.label"),
        (
            {"en": {"fields": {"halter.person.vorname": {"label": "x" * 501}}}},
            "i18n.en.fields.halter.person.vorname.label",
        ),
        ({"en": {"form": {"title": "nul\x00"}}}, "i18n.en.form.title"),
        ({"de": {"form": {"title": "Hund"}}}, "i18n.de"),
        ({"english": {}}, "i18n.english"),
    ],
)
def test_an_overlay_that_points_nowhere_or_breaks_the_format_is_refused(overlay: dict[str, Any], where: str) -> None:
    data = load_demo_form(DOG)
    data["i18n"] = overlay
    with pytest.raises(DefinitionError) as raised:
        parse_definition(data)
    assert any(path.startswith(where) for path, _message in raised.value.problems), raised.value.problems


def test_an_option_value_the_field_does_not_have_is_refused() -> None:
    data = load_demo_form("sperrmuell-anmelden")
    path = next(
        f"{s['id']}.{g['id']}.{f['id']}"
        for s in data["steps"]
        for g in s["groups"]
        for f in g["fields"]
        if f.get("choices")
    )
    data["i18n"] = {"en": {"fields": {path: {"options": {"gibt-es-nicht": "x"}}}}}
    with pytest.raises(DefinitionError, match="gibt-es-nicht"):
        parse_definition(data)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(label=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() == s))
def test_any_overlay_text_is_refused_or_stored_and_shown_as_given(label: str) -> None:
    """Whatever an editor types into a translation: refused with its path (NUL, lone surrogates: PostgreSQL
    cannot store them), or it round-trips through the database and shows escaped."""
    data = copy.deepcopy(load_demo_form(DOG))
    data["i18n"] = {"en": {"fields": {"halter.person.vorname": {"label": label}}}}
    if re.search("[\x00\ud800-\udfff]", label):
        with pytest.raises(DefinitionError) as raised:
            parse_definition(data)
        assert [path for path, _m in raised.value.problems] == ["i18n.en.fields.halter.person.vorname.label"]
        return
    definition = parse_definition(data)
    with connection.cursor() as cursor:  # what storing the definition does with the text, on both databases
        cursor.execute("SELECT %s", [definition.model_dump_json()])
        stored = json.loads(cursor.fetchone()[0])
    assert stored["i18n"]["en"]["fields"]["halter.person.vorname"]["label"] == label
    with translation.override("en"):
        html = _render(definition, "halter")
    assert escape(label) in html  # shown as given, escaped


def test_validation_messages_name_the_field_in_the_page_language(dog: Any) -> None:
    posted = {"hunde.hund.0._item": "1", "hunde.hund.0.name": "Bello", "hunde.hund.0.chipnummer": "123"}
    with translation.override("en"):
        english = validate_step(dog, "hunde", posted, today=TODAY)
    assert english.errors["hunde.hund.0.chipnummer"] == ["The chip number has 15 digits."]
    assert "Breed or cross" in english.errors["hunde.hund.0.rasse"][0]
    with translation.override("de"):
        german = validate_step(dog, "hunde", posted, today=TODAY)
    assert german.errors["hunde.hund.0.chipnummer"] == ["Die Chipnummer hat 15 Ziffern."]
    assert german.answers == english.answers  # the answers do not depend on the language
