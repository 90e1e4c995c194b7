"""Repetition inside repetition in real FIM schemas (read in place from /work/shared/fim).

S00000009 (Gewerbe-Anmeldung, XDatenfelder 2.0): each "Betriebsinhaber" (1:*) has nationalities
(G00000247, 1:*) and legal representatives (G00000249, 0:*), and each representative has nationalities of
its own — three levels. S07000000210 (Jagdschein, 3.0): each entry to change (1:*) holds up to five
foreign address lines (F60000000262, a field 2:5). Before, these were kept once and reported.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema_rs
import pytest

from rathaus.formengine import json_schema, parse_definition, summary, validate_all, validate_step
from rathaus.formengine.rendering import error_links
from rathaus.formengine.templatetags.formengine import render_step
from rathaus.formengine.xdatenfelder import read_xdatenfelder

from .fim_applicant import TODAY
from .test_fim_real import FIM

STAND_IN = [("999", "Platzhalter"), ("000", "deutsch / Deutschland (Platzhalter)")]
OWNER = "betriebsinhaber.betriebsinhaber"
AGENT = f"{OWNER}.gesetzlicher_vertreter_juristische_person"
AGENT_NATIONALITY = f"{AGENT}.staatsangehoerigkeit_unscharf"


def _import(name: str, **kwargs):
    return read_xdatenfelder((FIM / name).read_bytes(), **kwargs)


@pytest.fixture(scope="module")
def gewerbe():
    result = _import("S00000009_xdatenfelder.xml", codelists=lambda uri, version: STAND_IN)
    return result, parse_definition(result.definition)


def test_every_repetition_of_the_real_schemas_is_kept():
    for name in ("S00000009_xdatenfelder.xml", "S07000000210.xml", "S00000000392.xml"):
        result = _import(name)
        assert result.stats["repetitions_kept"] == result.stats["xml_repetitions"], name
        assert not [n for n in result.notes if "Wiederholung in der Wiederholung" in n], name


def test_representatives_and_their_nationalities_repeat_per_owner(gewerbe):
    _result, definition = gewerbe
    owner = definition.group(OWNER)
    agent = definition.group(AGENT)
    nationality = definition.group(AGENT_NATIONALITY)
    assert owner.fim_id == "G00000091" and owner.repeat.min == 1
    assert agent.fim_id == "G00000249" and agent.repeat.min == 0  # FIM 0:*
    assert nationality.fim_id == "G00000247" and nationality.repeat.min == 1  # FIM 1:* per representative
    assert [g.fim_id for g in owner.groups].count("G00000247") == 2  # the owner's own nationalities (twice)
    assert definition.field(f"{AGENT_NATIONALITY}.staatsangehoerigkeit").type == "choice"


def _owner_step(definition, data):
    return validate_step(definition, "betriebsinhaber", data, answers={}, today=TODAY)


def test_a_representative_without_nationality_is_named_in_the_error(gewerbe):
    _result, definition = gewerbe
    data = {f"{OWNER}.0._item": "1", f"{OWNER}.0.{AGENT.rsplit('.', 1)[1]}.0._item": "1"}
    result = _owner_step(definition, data)
    path = f"{OWNER}.0.gesetzlicher_vertreter_juristische_person.0.staatsangehoerigkeit_unscharf"
    assert result.errors[path] == ["Bitte geben Sie mindestens 1 Eintrag an."]
    texts = [link.text for link in error_links(definition, {path: result.errors[path]})]
    assert texts == ["Angaben zum Betriebsinhaber 1, Gesetzlicher Vertreter 1: Staatsangehörigkeit: Bitte geben Sie "
                     "mindestens 1 Eintrag an."]  # fmt: skip
    # the representative's own required fields are asked in that item
    assert f"{OWNER}.0.gesetzlicher_vertreter_juristische_person.0.familienname" in result.errors
    # and an owner without representative is not asked for one
    assert not any(".gesetzlicher_vertreter" in p for p in _owner_step(definition, {f"{OWNER}.0._item": "1"}).errors)


def test_two_nationalities_of_one_representative_are_kept_in_that_representative(gewerbe):
    _result, definition = gewerbe
    agent = f"{OWNER}.0.gesetzlicher_vertreter_juristische_person.0"
    data = {
        f"{OWNER}.0._item": "1",
        f"{agent}._item": "1",
        f"{agent}.staatsangehoerigkeit_unscharf.0._item": "1",
        f"{agent}.staatsangehoerigkeit_unscharf.0.staatsangehoerigkeit": "000",
        f"{agent}.staatsangehoerigkeit_unscharf.1._item": "1",
        f"{agent}.staatsangehoerigkeit_unscharf.1.staatsangehoerigkeit": "999",
    }
    result = _owner_step(definition, data)
    assert not any(p.startswith(f"{agent}.staatsangehoerigkeit_unscharf") for p in result.errors)
    kept = result.answers["betriebsinhaber"][0]["gesetzlicher_vertreter_juristische_person"][0]
    assert [n["staatsangehoerigkeit"] for n in kept["staatsangehoerigkeit_unscharf"]] == ["000", "999"]
    html = str(render_step(definition, "betriebsinhaber", {"betriebsinhaber": result.display}, {}, TODAY))
    assert f'name="_remove:{agent}.staatsangehoerigkeit_unscharf.1"' in html
    assert f'name="_add:{agent}.staatsangehoerigkeit_unscharf"' in html
    assert "Angaben zum Betriebsinhaber 1, Gesetzlicher Vertreter 1, </span>Staatsangehörigkeit 2</legend>" in html


def test_json_schema_of_the_real_schema_nests_three_levels(gewerbe):
    _result, definition = gewerbe
    schema = json_schema(definition)
    owner = schema["properties"]["betriebsinhaber"]["properties"]["betriebsinhaber"]
    agent = owner["items"]["properties"]["gesetzlicher_vertreter_juristische_person"]
    nationality = agent["items"]["properties"]["staatsangehoerigkeit_unscharf"]
    assert (owner["type"], agent["type"], nationality["type"]) == ("array", "array", "array")
    assert nationality["minItems"] == 1 and "staatsangehoerigkeit_unscharf" in agent["items"]["required"]
    validator = jsonschema_rs.Draft202012Validator(schema)
    item = {"staatsangehoerigkeit_unscharf": [{"staatsangehoerigkeit": "000"}]}
    assert not validator.is_valid(
        {"betriebsinhaber": {"betriebsinhaber": [{"gesetzlicher_vertreter_juristische_person": [{}]}]}}
    )
    errors = validate_all(
        definition, {"betriebsinhaber": {"betriebsinhaber": [{"gesetzlicher_vertreter_juristische_person": [item]}]}}
    )
    assert not any(p.startswith(f"{OWNER}.0.gesetzlicher_vertreter_juristische_person.0.staats") for p in errors)


def test_address_lines_repeat_in_each_entry_of_the_hunting_licence():
    result = _import("S07000000210.xml", codelists=lambda uri, version: STAND_IN)
    definition = parse_definition(result.definition)
    entry = "zu_aendernder_eintrag_im_jagdschein.zu_aendernder_eintrag_im_jagdschein"
    lines = definition.group(f"{entry}.zeileanschrift")
    assert lines.repeat.max == 5 and lines.fields[0].fim_id == "F60000000262"
    answers = {
        "zu_aendernder_eintrag_im_jagdschein": {
            "zu_aendernder_eintrag_im_jagdschein": [
                {"zeileanschrift": [{"zeileanschrift": "12 Rue de la Paix"}, {"zeileanschrift": "75002 Paris"}]}
            ]
        }
    }
    rows = summary(definition, answers, today=TODAY)
    titles = [g.title for s in rows for g in s.groups]
    assert "Zu ändernder Eintrag im Jagdschein 1, Anschriftzeile 2" in titles


def test_the_shared_schema_files_are_where_the_tests_read_them():
    assert Path(FIM, "S00000009_xdatenfelder.xml").is_file()
