from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.template import Context, Template

from rathaus.formengine import demo_form_slugs, load_demo_form, parse_definition, validate_step

from .demo_answers import DEMO_ANSWERS
from .helpers import TODAY, file_ref, sample, valid_answers


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, Any]] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []
        self.fieldsets: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.append({"tag": tag, **a})
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag == "fieldset":
            self.fieldsets.append(a)


def _render(definition, step: str, answers=None, errors=None) -> str:
    template = Template(
        "{% load formengine %}{% form_error_summary definition errors %}"
        "{% render_step definition step answers errors today %}"
    )
    return template.render(
        Context(
            {"definition": definition, "step": step, "answers": answers or {}, "errors": errors or {}, "today": TODAY}
        )
    )


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.mark.parametrize("slug", demo_form_slugs())
def test_every_input_of_every_demo_step_has_a_label_and_ids_are_unique(slug: str):
    definition = parse_definition(load_demo_form(slug))
    answers = DEMO_ANSWERS[slug]["answers"]
    for step in definition.steps:
        page = _parse(_render(definition, step.id, answers))
        assert page.inputs, step.id
        for element in page.inputs:
            if element.get("type") == "submit" or element["tag"] == "button":
                continue
            assert element.get("id") in page.labels, (slug, element)
        assert len(page.ids) == len(set(page.ids)), slug


def test_inputs_are_named_by_path_with_kern_markup_and_types():
    html = _render(sample(), "person", valid_answers())
    assert 'name="person.name.vorname" id="f-person-name-vorname"' in html
    assert 'class="kern-form-input__input"' in html
    assert 'type="date" name="person.name.geburt"' in html and 'value="1980-05-17"' in html
    assert 'name="person.name.anschrift.postal_code"' in html and 'inputmode="numeric" maxlength="5"' in html
    assert 'type="email" name="person.name.email"' in html and 'autocomplete="email"' in html
    assert 'type="tel" name="person.name.telefon"' in html
    assert "<textarea" in html
    assert "(Pflichtangabe)" in html
    assert 'aria-describedby="f-person-name-notiz-hint"' in html


def test_errors_are_shown_next_to_the_field_with_aria_and_in_the_summary():
    definition = sample()
    result = validate_step(
        definition, "person", {"person.name.vorname": "", "person.name.anschrift.postal_code": "12"}, today=TODAY
    )
    html = _render(definition, "person", {"person": result.display}, result.errors)
    assert 'class="kern-alert kern-alert--danger"' in html
    assert '<a class="kern-link" href="#f-person-name-vorname">Bitte geben Sie Ihren Vornamen an.</a>' in html
    assert 'href="#f-person-name-anschrift">Anschrift: Bitte geben Sie die Straße an.' in html
    assert 'id="f-person-name-vorname-error"' in html
    assert 'aria-invalid="true" aria-describedby="f-person-name-vorname-error"' in html
    # the address part that is wrong is marked and keeps the typed value
    assert 'id="f-person-name-anschrift-postal_code-error"' in html
    assert 'value="12"' in html


def test_yes_no_and_choices_are_radio_groups_in_fieldsets():
    html = _render(sample(), "hunde", {"hunde": {"frage": {"hat_hund": True}, "hund": [{"rasse": "pudel"}]}})
    assert '<legend class="kern-label">Haben Sie einen Hund?' in html
    assert 'type="radio" name="hunde.frage.hat_hund" id="f-hunde-frage-hat_hund" value="ja" checked' in html
    assert 'type="radio" name="hunde.hund.0.rasse" id="f-hunde-hund-0-rasse-1" value="pudel" checked' in html
    assert 'type="checkbox" name="hunde.hund.0.farben"' in html
    assert (
        'type="file" name="hunde.hund.0.nachweis" id="f-hunde-hund-0-nachweis" '
        'accept="application/pdf,image/jpeg,image/png"' in html
    )


def test_follow_up_questions_are_shown_only_when_the_answer_on_the_same_step_asks_for_them():
    html = _render(sample(), "hunde", {})
    assert 'name="hunde.frage.hat_hund"' in html
    assert "hunde.frage.anzahl" not in html and "hunde.hund" not in html
    assert "Nur ausfüllen" not in html and "-condition" not in html
    html = _render(sample(), "hunde", {"hunde": {"frage": {"hat_hund": False}}})
    assert "hunde.frage.anzahl" not in html and "hunde.hund" not in html
    html = _render(sample(), "hunde", {"hunde": {"frage": {"hat_hund": True}}})
    assert 'name="hunde.frage.anzahl"' in html
    assert "Nur ausfüllen" not in html and "-condition" not in html
    assert 'name="hunde.hund.0._item"' in html  # min 1: one item shown
    assert 'name="_add:hunde.hund"' in html and "formnovalidate" in html
    assert 'name="_remove:hunde.hund.0"' in html
    assert 'name="_default"' in html  # Enter submits this, not "remove"
    assert "<script" not in html


def test_earlier_step_conditions_decide_whether_a_group_is_rendered():
    assert "zahlung.konto.iban" not in _render(sample(), "zahlung", {"hunde": {"frage": {"hat_hund": False}}})
    html = _render(sample(), "zahlung", {"hunde": {"frage": {"hat_hund": True}}})
    assert 'name="zahlung.konto.iban"' in html
    assert "zahlung.konto.beleg" not in html  # a follow-up of "Ermäßigung?", not answered yet
    assert "Nur ausfüllen" not in html


def test_add_button_disappears_at_max_and_uploaded_file_is_named():
    answers = {"hunde": {"frage": {"hat_hund": True}, "hund": [{}, {}, {"nachweis": file_ref()}]}}
    html = _render(sample(), "hunde", answers)
    assert "_add:hunde.hund" not in html
    assert "Hochgeladen: plan.pdf (1,2 MB)." in html


def test_error_summary_is_empty_without_errors():
    template = Template("{% load formengine %}{% form_error_summary definition errors %}")
    assert template.render(Context({"definition": sample(), "errors": {}})) == ""
