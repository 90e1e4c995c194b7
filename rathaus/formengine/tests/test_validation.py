from __future__ import annotations

import copy

from django.http import QueryDict

from rathaus.formengine import move_files, validate_all, validate_step
from rathaus.formengine.validation import clean_all

from .helpers import TODAY, VALID_IBAN, file_ref, sample, valid_answers, valid_files

PERSON = {
    "person.name.vorname": "Erika",
    "person.name.geburt": "17.05.1980",
    "person.name.anschrift.street": "Musterweg",
    "person.name.anschrift.house_number": "12a",
    "person.name.anschrift.postal_code": "12345",
    "person.name.anschrift.city": "Musterstadt",
}


def _qd(data: dict[str, object]) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            qd.setlist(key, value)
        else:
            qd[key] = value
    return qd


def test_valid_step_from_a_querydict_is_cleaned():
    result = validate_step(sample(), "person", _qd(PERSON), today=TODAY)
    assert result.ok
    assert result.answers["name"]["geburt"] == "1980-05-17"
    assert result.answers["name"]["anschrift"] == {
        "street": "Musterweg",
        "house_number": "12a",
        "postal_code": "12345",
        "city": "Musterstadt",
    }


def test_every_invalid_field_gets_a_german_message_and_other_answers_are_kept():
    data = {
        **PERSON,
        "person.name.geburt": "31.02.1980",
        "person.name.anschrift.postal_code": "1234",
        "person.name.email": "erika@",
        "person.name.telefon": "abc",
        "person.name.vorname": "E" * 51,
    }
    result = validate_step(sample(), "person", _qd(data), today=TODAY)
    assert not result.ok
    assert result.errors == {
        "person.name.vorname": ["Bitte geben Sie höchstens 50 Zeichen an (jetzt: 51)."],
        "person.name.geburt": ["Bitte geben Sie ein gültiges Datum an, z. B. 31.01.2026."],
        "person.name.anschrift": ["Bitte geben Sie die Postleitzahl mit 5 Ziffern an, z. B. 40210."],
        "person.name.email": ["Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.de."],
        "person.name.telefon": [
            "Bitte geben Sie eine gültige Telefonnummer an, z. B. 0211 123456 oder +49 211 123456."
        ],
    }
    assert result.display["name"]["geburt"] == "31.02.1980"  # shown again as typed
    assert result.display["name"]["anschrift"]["postal_code"] == "1234"


def test_required_fields_have_type_specific_messages():
    result = validate_step(sample(), "person", {}, today=TODAY)
    assert result.errors["person.name.vorname"] == ["Bitte geben Sie Ihren Vornamen an."]
    assert result.errors["person.name.anschrift"] == [
        "Bitte geben Sie Ihre Anschrift an (Straße, Hausnummer, Postleitzahl und Ort)."
    ]
    result = validate_step(sample(), "hunde", {}, today=TODAY)
    assert result.errors == {
        "hunde.frage.hat_hund": ["Bitte beantworten Sie die Frage „Haben Sie einen Hund?“ mit „Ja“ oder „Nein“."]
    }


def test_date_limits_relative_to_today_have_german_messages():
    answers = {"hunde": {"frage": {"hat_hund": True}}}
    data = {"zahlung.konto.iban": VALID_IBAN, "zahlung.konto.einzug": "2026-03-01", "zahlung.konto.ermaessigt": "nein"}
    result = validate_step(sample(), "zahlung", data, answers=answers, today=TODAY)
    assert result.errors == {"zahlung.konto.einzug": ["Bitte geben Sie ein Datum ab dem 02.03.2026 an."]}
    result = validate_step(sample(), "person", {**PERSON, "person.name.geburt": "2026-03-17"}, today=TODAY)
    assert result.errors == {"person.name.geburt": ["Bitte geben Sie ein Datum bis zum 16.03.2026 an."]}


def test_keys_outside_the_step_are_ignored():
    data = {**PERSON, "person.name.is_admin": "1", "hunde.frage.hat_hund": "ja", "person.unknown.x": "1", "fee": "0"}
    result = validate_step(sample(), "person", data, today=TODAY)
    assert result.ok
    assert set(result.answers) == {"name"}
    assert "is_admin" not in result.answers["name"]


def test_invisible_field_values_are_dropped_and_their_errors_too():
    data = {
        "hunde.frage.hat_hund": "nein",
        "hunde.frage.anzahl": "viele",
        "hunde.hund.0.rasse": "dackel",
        "hunde.hund.0._item": "1",
    }
    result = validate_step(sample(), "hunde", data, today=TODAY)
    assert result.ok, result.errors
    assert result.answers == {"frage": {"hat_hund": False}}


def test_visible_conditional_field_is_validated_and_required():
    data = {"hunde.frage.hat_hund": "ja", "hunde.frage.anzahl": "9"}
    result = validate_step(sample(), "hunde", data, today=TODAY)
    assert result.errors["hunde.frage.anzahl"] == ["Bitte geben Sie eine Zahl von 1 bis 5 an."]
    assert result.errors["hunde.hund"] == ["Bitte geben Sie mindestens 1 Eintrag an."]


def test_group_hidden_by_an_earlier_step_ignores_posted_values():
    answers = {"hunde": {"frage": {"hat_hund": False}}}
    result = validate_step(sample(), "zahlung", {"zahlung.konto.iban": "kaputt"}, answers=answers, today=TODAY)
    assert result.ok
    assert result.answers == {}


def test_choice_values_must_be_offered_and_multichoice_keeps_definition_order():
    data = {
        "hunde.frage.hat_hund": "ja",
        "hunde.frage.anzahl": "1",
        "hunde.hund.0.rasse": "wolf",
        "hunde.hund.0.farben": ["weiss", "braun", "lila"],
        "hunde.hund.0.geboren": "2020-01-01",
        "hunde.hund.0.seit": "2020-02-01",
    }
    result = validate_step(sample(), "hunde", _qd(data), today=TODAY)
    assert result.errors == {
        "hunde.hund.0.rasse": ["Bitte wählen Sie eine der angebotenen Möglichkeiten."],
        "hunde.hund.0.farben": ["Bitte wählen Sie eine der angebotenen Möglichkeiten."],
    }
    data["hunde.hund.0.rasse"] = "pudel"
    data["hunde.hund.0.farben"] = ["weiss", "braun"]
    result = validate_step(sample(), "hunde", _qd(data), today=TODAY)
    assert result.ok
    assert result.answers["hund"][0]["farben"] == ["braun", "weiss"]


def _dogs(n: int) -> dict[str, str]:
    data = {"hunde.frage.hat_hund": "ja", "hunde.frage.anzahl": str(max(n, 1))}
    for i in range(n):
        data |= {
            f"hunde.hund.{i}.rasse": "dackel",
            f"hunde.hund.{i}.geboren": "2020-01-01",
            f"hunde.hund.{i}.seit": f"2020-0{i + 2}-01",
        }
    return data


def test_add_button_adds_an_empty_item_without_showing_errors():
    result = validate_step(sample(), "hunde", {**_dogs(1), "_add:hunde.hund": "1"}, today=TODAY)
    assert not result.ok
    assert result.action is not None and result.action.kind == "add"
    assert result.errors == {}
    assert len(result.display["hund"]) == 2


def test_add_is_ignored_at_max_and_posting_more_than_max_is_an_error():
    result = validate_step(sample(), "hunde", {**_dogs(3), "_add:hunde.hund": "1"}, today=TODAY)
    assert len(result.display["hund"]) == 3
    result = validate_step(sample(), "hunde", _dogs(4), today=TODAY)
    assert result.errors["hunde.hund"] == ["Bitte geben Sie höchstens 3 Einträge an."]
    assert len(result.answers["hund"]) == 3


def test_remove_button_removes_the_item_and_renumbers_the_rest():
    result = validate_step(sample(), "hunde", {**_dogs(3), "_remove:hunde.hund.0": "1"}, today=TODAY)
    assert result.action is not None and result.action.kind == "remove"
    assert [d["seit"] for d in result.answers["hund"]] == ["2020-03-01", "2020-04-01"]
    assert result.moved == {"hunde.hund.1": "hunde.hund.0", "hunde.hund.2": "hunde.hund.1"}
    files = {
        "hunde.hund.0.nachweis": file_ref("a"),
        "hunde.hund.2.nachweis": file_ref("c"),
        "zahlung.konto.beleg": file_ref("z"),
    }
    assert move_files(files, result) == {"hunde.hund.1.nachweis": file_ref("c"), "zahlung.konto.beleg": file_ref("z")}


def test_repeat_items_are_validated_each_and_rules_apply_per_item():
    data = _dogs(2)
    data["hunde.hund.1.seit"] = "2019-01-01"  # before birth
    data["hunde.hund.0.geboren"] = ""
    result = validate_step(sample(), "hunde", data, today=TODAY)
    assert result.errors == {
        "hunde.hund.0.geboren": ["Bitte geben Sie bei „Geboren am“ ein Datum an, z. B. 31.01.2026."],
        "hunde.hund.1.seit": ["Der Hund kann nicht vor seiner Geburt bei Ihnen sein."],
    }


def test_file_fields_only_take_references_from_files():
    answers = {"hunde": {"frage": {"hat_hund": True}}}
    base = {"zahlung.konto.iban": VALID_IBAN, "zahlung.konto.einzug": "2026-03-16", "zahlung.konto.ermaessigt": "ja"}
    result = validate_step(sample(), "zahlung", base, answers=answers, today=TODAY)
    assert result.errors == {"zahlung.konto.beleg": ["Bitte laden Sie bei „Beleg“ eine Datei hoch."]}
    forged = {**base, "zahlung.konto.beleg": "att-999"}
    result = validate_step(
        sample(), "zahlung", forged, answers=answers, files={"x.y.z": file_ref("att-1")}, today=TODAY
    )
    assert result.errors == {"zahlung.konto.beleg": ["Diese Datei kennen wir nicht. Bitte laden Sie sie erneut hoch."]}
    result = validate_step(
        sample(), "zahlung", base, answers=answers, files={"zahlung.konto.beleg": file_ref()}, today=TODAY
    )
    assert result.ok
    assert result.answers["konto"]["beleg"] == file_ref()


def test_file_type_and_size_are_checked_against_the_field():
    answers = {"hunde": {"frage": {"hat_hund": True}}}
    base = {"zahlung.konto.iban": VALID_IBAN, "zahlung.konto.einzug": "2026-03-16", "zahlung.konto.ermaessigt": "ja"}
    files = {"zahlung.konto.beleg": file_ref(content_type="application/zip")}
    result = validate_step(sample(), "zahlung", base, answers=answers, files=files, today=TODAY)
    assert result.errors == {
        "zahlung.konto.beleg": ["Dieser Dateityp ist hier nicht erlaubt. Erlaubt: PDF, JPEG, PNG."]
    }
    files = {"zahlung.konto.beleg": file_ref(size=11 * 1024 * 1024)}
    result = validate_step(sample(), "zahlung", base, answers=answers, files=files, today=TODAY)
    assert result.errors == {"zahlung.konto.beleg": ["Die Datei ist zu groß (höchstens 10 MB)."]}


def test_nested_json_body_is_accepted_like_the_html_post():
    body = {
        "frage": {"hat_hund": True, "anzahl": 1},
        "hund": [{"rasse": "pudel", "geboren": "2020-01-01", "seit": "2020-01-02"}],
    }
    result = validate_step(sample(), "hunde", body, today=TODAY)
    assert result.ok, result.errors
    assert result.answers["hund"] == [{"rasse": "pudel", "geboren": "2020-01-01", "seit": "2020-01-02"}]
    wrapped = validate_step(sample(), "hunde", {"hunde": body}, today=TODAY)
    assert wrapped.answers == result.answers


def test_validate_all_accepts_complete_answers():
    assert validate_all(sample(), valid_answers(), files=valid_files(), today=TODAY) == {}


def test_validate_all_rejects_tampered_answers():
    answers = valid_answers()
    answers["hunde"]["hund"][0]["rasse"] = "wolf"
    answers["person"]["name"]["rolle"] = "admin"
    answers["extra"] = {}
    answers["zahlung"]["konto"]["beleg"] = file_ref("att-fremd")
    errors = validate_all(sample(), answers, files=valid_files(), today=TODAY)
    assert errors == {
        "extra": ["Unbekannter Schritt."],
        "person.name.rolle": ["Unbekanntes Feld."],
        "hunde.hund.0.rasse": ["Bitte wählen Sie eine der angebotenen Möglichkeiten."],
        "zahlung.konto.beleg": ["Diese Datei kennen wir nicht. Bitte laden Sie sie erneut hoch."],
    }


def test_validate_all_checks_required_fields_of_skipped_steps_and_rules():
    answers = valid_answers()
    del answers["zahlung"]
    answers["hunde"]["hund"][1]["seit"] = "2020-01-01"
    errors = validate_all(sample(), answers, files=valid_files(), today=TODAY)
    assert errors == {
        "hunde.hund.1.seit": ["Der Hund kann nicht vor seiner Geburt bei Ihnen sein."],
        "zahlung.konto.iban": ["Bitte geben Sie bei „IBAN“ die IBAN an, z. B. DE89 3704 0044 0532 0130 00."],
        "zahlung.konto.einzug": ["Bitte geben Sie bei „Einzug ab“ ein Datum an, z. B. 31.01.2026."],
        "zahlung.konto.ermaessigt": ["Bitte beantworten Sie die Frage „Ermäßigung?“ mit „Ja“ oder „Nein“."],
    }


def test_clean_all_drops_values_that_became_invisible():
    answers = valid_answers()
    answers["hunde"]["frage"]["hat_hund"] = False
    cleaned, errors = clean_all(sample(), copy.deepcopy(answers), files=valid_files(), today=TODAY)
    assert errors == {}
    assert cleaned["hunde"] == {"frage": {"hat_hund": False}}
    assert cleaned["zahlung"] == {}
