from __future__ import annotations

import pytest

from rathaus.formengine import parse_definition, validate_step
from rathaus.formengine.xdatenfelder import XDatenfelderError, import_xdatenfelder, read_xdatenfelder

from .helpers import TODAY


def _field(ident: str, name: str, feldart: str, datentyp: str, extra: str = "", praezisierung: str = "") -> str:
    return f"""
    <xdf:datenfeld>
      <xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1.1</xdf:version></xdf:identifikation>
      <xdf:name>{name}</xdf:name>
      <xdf:bezeichnungEingabe>{name}</xdf:bezeichnungEingabe>
      <xdf:status><code>aktiv</code></xdf:status>
      <xdf:schemaelementart><code>HAR</code></xdf:schemaelementart>
      <xdf:hilfetextEingabe>Hilfe zu {name}</xdf:hilfetextEingabe>
      <xdf:feldart><code>{feldart}</code></xdf:feldart>
      <xdf:datentyp><code>{datentyp}</code></xdf:datentyp>
      {praezisierung}
      {extra}
    </xdf:datenfeld>"""


def _struct(anzahl: str, content: str) -> str:
    return (
        f"<xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:bezug></xdf:bezug>"
        f"<xdf:enthaelt>{content}</xdf:enthaelt></xdf:struktur>"
    )


def _group(ident: str, name: str, body: str, rule: str = "") -> str:
    return f"""
    <xdf:datenfeldgruppe>
      <xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1.3</xdf:version></xdf:identifikation>
      <xdf:name>{name}</xdf:name>
      <xdf:bezeichnungEingabe>{name}</xdf:bezeichnungEingabe>
      <xdf:schemaelementart><code>ABS</code></xdf:schemaelementart>
      {rule}
      {body}
    </xdf:datenfeldgruppe>"""


V2 = f"""<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
  <xdf:header><xdf:nachrichtID>abcd1234</xdf:nachrichtID><xdf:erstellungszeitpunkt>2020-09-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
  <xdf:stammdatenschema>
    <xdf:identifikation><xdf:id>S60000011</xdf:id><xdf:version>2.1</xdf:version></xdf:identifikation>
    <xdf:name>Hundesteueranmeldung</xdf:name>
    <xdf:bezeichnungEingabe>Anmeldung zur Hundesteuer</xdf:bezeichnungEingabe>
    <xdf:beschreibung>Beispielschema</xdf:beschreibung>
    <xdf:status><code>aktiv</code></xdf:status>
    <xdf:ableitungsmodifikationenStruktur><code>3</code></xdf:ableitungsmodifikationenStruktur>
    <xdf:ableitungsmodifikationenRepraesentation><code>1</code></xdf:ableitungsmodifikationenRepraesentation>
    {
    _struct(
        "1:1",
        _group(
            "G00000082",
            "Natürliche Person",
            "".join(
                [
                    _struct(
                        "1:1",
                        _field(
                            "F60000227",
                            "Familienname",
                            "input",
                            "text",
                            praezisierung='<xdf:praezisierung>{"minLength":"1","maxLength":"120"}</xdf:praezisierung>',
                        ),
                    ),
                    _struct("0:1", _field("F60000228", "Geburtsdatum", "input", "date")),
                    _struct(
                        "1:1",
                        _field(
                            "F60000229",
                            "Geschlecht",
                            "select",
                            "text",
                            extra="<xdf:codelisteReferenz><xdf:identifikation><xdf:id>C60000001</xdf:id></xdf:identifikation></xdf:codelisteReferenz>",
                        ),
                    ),
                    _struct(
                        "1:1",
                        _field(
                            "F60000300",
                            "Hinweis Datenschutz",
                            "label",
                            "text",
                            extra="<xdf:inhalt>Ihre Daten sind sicher.</xdf:inhalt>",
                        ),
                    ),
                ]
            ),
            rule="<xdf:regel><xdf:identifikation><xdf:id>R60000037</xdf:id></xdf:identifikation><xdf:name>Mindestalter</xdf:name>"
            "<xdf:beschreibung>Halter muss volljährig sein</xdf:beschreibung>"
            "<xdf:script>if (x) {}</xdf:script></xdf:regel>",
        ),
    )
}
    {
    _struct(
        "1:5",
        _group(
            "G00000100",
            "Hund",
            "".join(
                [
                    _struct("1:1", _field("F00000101", "Rasse", "input", "text")),
                    _struct("1:1", _field("F00000102", "Gefährlicher Hund", "input", "bool")),
                    _struct(
                        "0:1",
                        _field(
                            "F00000103",
                            "Gewicht",
                            "input",
                            "num",
                            praezisierung='<xdf:praezisierung>{"minValue":"0","maxValue":"120"}</xdf:praezisierung>',
                        ),
                    ),
                    _struct("0:1", _field("F00000104", "Merkmale", "input", "obj")),
                ]
            ),
        ),
    )
}
  </xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>""".encode()

PLZ = "([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}"
V3 = f"""<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.datenfeldgruppe.0103 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_3.0.0">
  <xdf:header><xdf:nachrichtID>65FD4FCC</xdf:nachrichtID><xdf:erstellungszeitpunkt>2021-04-14T12:49:54Z</xdf:erstellungszeitpunkt></xdf:header>
  {
    _group(
        "G60000000088",
        "Anschrift Inland",
        _struct(
            "1:1",
            _group(
                "G60000000086",
                "Anschrift Inland Straßenanschrift",
                "".join(
                    [
                        _struct(
                            "1:1",
                            _field(
                                "F60000000243",
                                "Straße",
                                "input",
                                "text",
                                praezisierung='<xdf:praezisierung minLength="1" maxLength="55"/>',
                            ),
                        ),
                        _struct(
                            "0:1",
                            _field(
                                "F60000000244",
                                "Hausnummer",
                                "input",
                                "text",
                                praezisierung='<xdf:praezisierung minLength="1" maxLength="11"/>',
                            ),
                        ),
                        _struct(
                            "1:1",
                            _field(
                                "F60000000246",
                                "Postleitzahl",
                                "input",
                                "text",
                                praezisierung=f'<xdf:praezisierung minLength="5" maxLength="5" pattern="{PLZ}"/>',
                            ),
                        ),
                        _struct(
                            "1:1",
                            _field(
                                "F60000000250",
                                "Staat",
                                "select",
                                "text",
                                extra="<xdf:werte><xdf:wert><xdf:code>000</xdf:code><xdf:name>Deutschland</xdf:name></xdf:wert>"
                                "<xdf:wert><xdf:code>160</xdf:code><xdf:name>Österreich</xdf:name></xdf:wert></xdf:werte>",
                            ),
                        ),
                        _struct(
                            "0:1",
                            _field(
                                "F60000000251",
                                "Nachweis",
                                "input",
                                "file",
                                extra="<xdf:mediaType>application/pdf</xdf:mediaType><xdf:maxSize>5242880</xdf:maxSize>",
                            ),
                        ),
                        _struct("0:1", _field("F60000000252", "Intern", "hidden", "text")),
                    ]
                ),
            ),
        ),
    )
}
</xdf:xdatenfelder.datenfeldgruppe.0103>""".encode()


def test_v2_schema_maps_groups_to_steps_and_types_to_field_types():
    result = read_xdatenfelder(V2)
    definition = parse_definition(result.definition)
    assert definition.id == "hundesteueranmeldung"
    assert definition.fim_id == "S60000011"
    assert definition.title == "Anmeldung zur Hundesteuer"
    assert [s.title for s in definition.steps] == ["Natürliche Person", "Hund"]
    person = definition.steps[0].groups[0]
    assert person.fim_id == "G00000082"
    assert person.help == "Ihre Daten sind sicher."  # the label field became help text
    name = person.fields[0]
    assert (name.id, name.fim_id, name.type, name.required, name.min_length, name.max_length) == (
        "familienname",
        "F60000227",
        "text",
        True,
        1,
        120,
    )
    assert person.fields[1].type == "date" and not person.fields[1].required
    geschlecht = person.fields[2]  # code list only referenced and not given: a select marked as missing
    assert geschlecht.type == "choice" and geschlecht.codelist is not None and geschlecht.codelist.missing
    assert definition.missing_codelists() == [
        ("urn:fim:unbekannt:F60000229", None, [f"{definition.steps[0].id}.{person.id}.geschlecht"])
    ]
    assert [(u.uri, u.fields) for u in result.unresolved_codelists] == [("urn:fim:unbekannt:F60000229", ["F60000229"])]
    hund = definition.steps[1].groups[0]
    assert hund.repeat is not None and (hund.repeat.min, hund.repeat.max) == (1, 5)
    assert [f.type for f in hund.fields] == ["text", "yesno", "number"]
    assert (hund.fields[2].min, hund.fields[2].max, hund.fields[2].decimals) == (0, 120, 6)
    notes = " ".join(result.notes)
    assert [(r.fim_id, r.name, r.status) for r in result.rules] == [("R60000037", "Mindestalter", "review")]
    assert result.rules[0].text == "Halter muss volljährig sein"
    assert "Codeliste" in notes
    assert "obj" in notes


def test_v3_group_message_with_values_patterns_and_files():
    result = read_xdatenfelder(V3)
    definition = parse_definition(result.definition)
    fields = {f.id: f for f in definition.steps[0].groups[0].fields}
    assert set(fields) == {"strasse", "hausnummer", "postleitzahl", "staat", "nachweis"}
    assert fields["postleitzahl"].pattern == PLZ
    assert [(c.value, c.label) for c in fields["staat"].choices or ()] == [
        ("000", "Deutschland"),
        ("160", "Österreich"),
    ]
    assert fields["nachweis"].file_spec.types == ("application/pdf",)
    assert fields["nachweis"].file_spec.max_bytes == 5242880
    assert any("Intern" in note for note in result.notes)
    step = definition.steps[0].id
    group = definition.steps[0].groups[0].id
    result_step = validate_step(definition, step, {f"{step}.{group}.postleitzahl": "00123"}, today=TODAY)
    assert result_step.errors[f"{step}.{group}.postleitzahl"] == ["Die Eingabe hat nicht das erwartete Format."]


def test_import_returns_a_parseable_definition_dict():
    assert parse_definition(import_xdatenfelder(V2)).version == 1


@pytest.mark.parametrize(
    "xml",
    [
        b"kein xml",
        b'<x:root xmlns:x="urn:example"/>',
        b'<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2"/>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    ],
)
def test_foreign_broken_or_hostile_xml_is_refused(xml: bytes):
    with pytest.raises(XDatenfelderError):
        import_xdatenfelder(xml)
