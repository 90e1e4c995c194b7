"""The importer on real FIM schemas (/work/shared/fim, read in place): truthful completion, code lists, rules,
repetition, and that what our form accepts the JSON Schema accepts too."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from rathaus.formengine import FormDefinition, json_schema, parse_definition, validate_all
from rathaus.formengine.conditions import evaluate
from rathaus.formengine.genericode import GenericodeError, parse_genericode, resolve, resolver
from rathaus.formengine.scope import Scope
from rathaus.formengine.xdatenfelder import XdfImport, read_xdatenfelder

from .fim_applicant import TODAY, complete

FIM = Path(os.environ.get("RATHAUS_FIM_DIR", Path(__file__).resolve().parents[4] / "shared" / "fim"))
if not FIM.is_dir():
    FIM = Path("/work/shared/fim")
CORPUS = Path(__file__).resolve().parents[3] / "tests" / "data" / "fim_public"  # more real schemas, README: sources
SCHEMA_PATHS = {p.name: p for d in (FIM, CORPUS) if d.is_dir() for p in sorted(d.glob("S*.xml"))}
SCHEMAS = sorted(SCHEMA_PATHS)
PLACEHOLDER = [("999", "Platzhalter"), ("000", "deutsch / Deutschland (Platzhalter)")]


def _shared_lists() -> dict[tuple[str, str | None], list[tuple[str, str]]]:
    return resolver(
        parse_genericode(p.read_bytes()) for d in (FIM, CORPUS) if d.is_dir() for p in d.glob("C*genericode*.xml")
    )


@pytest.fixture(scope="module")
def imported() -> dict[str, tuple[XdfImport, FormDefinition, XdfImport]]:
    """Per schema: the import with the shared code lists only, its definition with stand-in lists for the
    missing ones (the structure as it will be once the lists are uploaded), and that import."""
    lists = _shared_lists()

    def with_stand_ins(uri: str, version: str | None) -> list[tuple[str, str]]:
        return resolve(lists, uri, version) or PLACEHOLDER

    out = {}
    for name in SCHEMAS:
        data = SCHEMA_PATHS[name].read_bytes()
        plain = read_xdatenfelder(data, codelists=lists)
        full = read_xdatenfelder(data, codelists=with_stand_ins)
        out[name] = (plain, parse_definition(full.definition), full)
    return out


def test_the_real_schemas_are_there():
    assert len(SCHEMAS) >= 5


@pytest.mark.parametrize("name", SCHEMAS)
def test_a_minimal_truthful_applicant_completes_every_real_schema(imported, name):
    """Natural person, no representative, address in Germany: never made to fill what does not apply."""
    _plain, definition, _full = imported[name]
    outcome = complete(definition)
    assert outcome.completed, outcome.stuck
    assert outcome.forced == []


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_repetition_is_kept(imported, name):
    """Every repeating group or field of the XML repeats in the form, also inside another repetition."""
    plain, _definition, _full = imported[name]
    assert plain.stats["repetitions_kept"] == plain.stats["xml_repetitions"]
    assert not [note for note in plain.notes if "mehrfach vorkommen" in note]


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_code_list_is_resolved_or_reported(imported, name):
    plain, _definition, _full = imported[name]
    definition = parse_definition(plain.definition)
    missing_fields = sum(len(paths) for _uri, _version, paths in definition.missing_codelists())
    assert plain.stats["xml_codelists"] == plain.stats["codelists_resolved"] + missing_fields
    assert sum(len(u.fields) for u in plain.unresolved_codelists) == missing_fields
    for entry in definition.all_fields():
        if entry.field.codelist is not None and not entry.field.codelist.missing:
            assert entry.field.choices, entry.path


@pytest.mark.parametrize("name", SCHEMAS)
def test_answers_our_form_accepts_are_valid_against_our_json_schema(imported, name):
    _plain, definition, _full = imported[name]
    answers = _completed_answers(definition)
    validator = jsonschema_rs.validator_for(json_schema(definition))
    assert validator.is_valid(answers), [str(e) for e in validator.iter_errors(answers)][:3]
    # and an answer set the JSON Schema refuses (a code that is not in the list) our form refuses too
    broken = copy.deepcopy(answers)
    path = _first_choice(definition, broken)
    if path is not None:
        node = broken
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = "kein-code"
        assert not validator.is_valid(broken)
        assert validate_all(definition, broken, files=_files(broken), today=TODAY)


def test_rules_are_translated_or_listed_for_review_with_their_text(imported):
    translated = total = 0
    for name in SCHEMAS:
        _plain, _definition, full = imported[name]
        for rule in full.rules:
            total += 1
            translated += rule.status == "translated"
            if rule.status != "translated":
                assert rule.fim_id.startswith("R") and rule.text and rule.reason
    assert total >= 25
    assert translated / total >= 0.8


def test_the_end_date_of_an_appointment_is_asked_only_when_it_ends(imported):
    """S00000000373 R00000002588: WENN „Art der Mitteilung“ = 001 „Bestellung“, DANN aktiviere G00000002252 und
    deaktiviere F00000003540 „Datum der Erlöschung“ — hidden for an appointment, shown when one ends."""
    plain, definition, _full = imported["S00000000373.xml"]
    assert {r.fim_id: r.status for r in plain.rules} == {"R00000002588": "translated"}
    (end,) = [e for e in definition.all_fields() if e.field.fim_id == "F00000003540"]
    (kind,) = [e for e in definition.all_fields() if e.field.fim_id == "F00000003430"]
    assert end.field.visible_if is not None

    def shown(code: str) -> bool | None:
        return evaluate(end.field.visible_if, lambda p: [[code]] if p == kind.path else [], lambda g: 1, TODAY)

    assert shown("001") is False and shown("002") is True


def test_legal_representative_is_shown_only_when_the_applicant_says_so(imported):
    """R00000002562: WENN „Abfrage Gesetzlicher Vertreter“ = JA, DANN aktiviere G60000000220."""
    _plain, definition, _full = imported["S00000000392.xml"]
    groups = [(s, g) for s in definition.steps for g in s.groups if g.fim_id == "G60000000220"]
    groups += [
        (s, g)
        for s in definition.steps
        for g in s.groups
        if g.title.startswith("Gesetzlicher Vertreter / Bevollmächtigter")
    ]
    assert groups
    for step, group in groups:
        assert group.visible_if is not None
        (question,) = [e for e in definition.fields_in(step.id) if e.field.fim_id == "F00000003327"]
        scope = Scope(definition, {step.id: {question.group.id: {question.field.id: True}}}, TODAY)
        assert scope.holds(group.visible_if)
        scope = Scope(definition, {step.id: {question.group.id: {question.field.id: False}}}, TODAY)
        assert not scope.holds(group.visible_if)


def test_genericode_reads_codes_and_labels_and_refuses_other_xml():
    staat = parse_genericode((FIM / "C60000016_genericode.xml").read_bytes())
    assert staat.uri == "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"
    assert staat.version == "2020-05-11"
    assert ("000", "Deutschland") in staat.entries
    lists = resolver([staat])
    assert resolve(lists, staat.uri, "2020-05-11") == resolve(lists, staat.uri, "1999-01-01") == list(staat.entries)
    assert resolve(lambda uri, version: None, staat.uri, None) is None
    with pytest.raises(GenericodeError):
        parse_genericode(b"<x/>")
    with pytest.raises(GenericodeError):
        parse_genericode(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')


def _completed_answers(definition: FormDefinition) -> dict[str, Any]:
    from rathaus.formengine import validate_step
    from rathaus.formengine.tests import fim_applicant

    answers: dict[str, Any] = {}
    files: dict[str, Any] = {}
    outcome = fim_applicant.Outcome(False, 0)
    for step in definition.steps:
        data: dict[str, Any] = {}
        for _round in range(40):
            result = validate_step(definition, step.id, data, answers=answers, files=files, today=TODAY)
            if result.ok:
                answers[step.id] = result.answers
                break
            for path in result.errors:
                fim_applicant._fill(definition, path, data, files, outcome)
    return answers


def _files(answers: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "sha256" in node and "key" in node:
                found[node["key"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(answers)
    return found


def _first_choice(definition: FormDefinition, answers: dict[str, Any]) -> list[str] | None:
    for entry in definition.all_fields():
        if entry.field.type != "choice" or entry.group.repeat is not None:
            continue
        value = answers.get(entry.step.id, {}).get(entry.group.id, {}).get(entry.field.id)
        if value is not None:
            return [entry.step.id, entry.group.id, entry.field.id]
    return None


def test_groups_of_the_same_name_on_one_page_say_whose_they_are(imported):
    """Finding 5: "Erreichbarkeit" four times on one page with no hint whose it is."""
    _plain, definition, _full = imported["S00000000392.xml"]
    titles = [g.title for g in definition.steps[0].groups if g.title.endswith("Erreichbarkeit")]
    assert len(titles) == 4 and len(set(titles)) == 4
    assert "Angaben zum Antragsteller: Erreichbarkeit" in titles
    street = [g.title for g in definition.steps[0].groups if g.title.endswith("Straßenanschrift")]
    assert len(street) == 3 and len(set(street)) == 3


def test_an_applicant_with_a_representative_must_give_the_representative(imported):
    """The other side of the show rules: answered „Ja“, the representative's data is required."""
    _plain, definition, _full = imported["S00000000392.xml"]
    outcome = complete(definition, represented=True)
    assert outcome.completed, outcome.stuck
    assert any(
        f.startswith("Gesetzliche Vertretung / Bevollmächtigung: Gesetzlich vertretende Person") for f in outcome.forced
    )
