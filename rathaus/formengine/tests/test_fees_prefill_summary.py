from __future__ import annotations

from datetime import date
from decimal import Decimal

from rathaus.formengine import FeeLine, compute_fees, prefill, summary, total
from rathaus.formengine.presentation import split_street

from .helpers import TODAY, sample, valid_answers


def test_fees_first_dog_and_each_further_dog():
    lines = compute_fees(sample(), valid_answers(), today=TODAY)
    assert lines == [
        FeeLine("Erster Hund", 1, Decimal("96.00"), Decimal("96.00")),
        FeeLine("Jeder weitere Hund", 1, Decimal("150.00"), Decimal("150.00")),
        FeeLine("Ermäßigung (Abzug nicht möglich, Hinweis)", 1, Decimal("0.00"), Decimal("0.00")),
    ]
    assert total(lines) == Decimal("246.00")


def test_fees_without_dogs_are_empty_and_total_is_zero():
    answers = {"hunde": {"frage": {"hat_hund": False}}}
    assert compute_fees(sample(), answers, today=TODAY) == []
    assert total([]) == Decimal("0.00")


def test_prefill_takes_profile_values_for_fields_that_ask_for_them():
    profile = {
        "first_name": "Erika",
        "birth_date": date(1980, 5, 17),
        "street": "Musterweg 12a",
        "postal_code": "12345",
        "city": "Musterstadt",
        "email": "",
        "last_name": "Mustermann",
    }
    assert prefill(sample(), profile) == {
        "person": {
            "name": {
                "vorname": "Erika",
                "geburt": "1980-05-17",
                "anschrift": {
                    "street": "Musterweg",
                    "house_number": "12a",
                    "postal_code": "12345",
                    "city": "Musterstadt",
                },
            }
        }
    }


def test_street_and_house_number_are_split():
    assert split_street("Am Alten Markt 3 b") == ("Am Alten Markt", "3b")
    assert split_street("Straße des 17. Juni 135") == ("Straße des 17. Juni", "135")
    assert split_street("Musterweg", "7") == ("Musterweg", "7")
    assert split_street("Hauptstraße") == ("Hauptstraße", "")


def test_summary_shows_labels_and_german_display_values_of_visible_fields():
    answers = valid_answers()
    answers["hunde"]["frage"]["anzahl"] = 1234
    steps = summary(sample(), answers, today=TODAY)
    rows = {row.path: row.value for step in steps for group in step.groups for row in group.rows}
    assert rows["person.name.geburt"] == "17.05.1980"
    assert rows["person.name.anschrift"] == "Musterweg 12a, 12345 Musterstadt"
    assert rows["hunde.frage.hat_hund"] == "Ja"
    assert rows["hunde.frage.anzahl"] == "1.234"
    assert rows["hunde.hund.0.rasse"] == "Dackel"
    assert rows["hunde.hund.0.farben"] == "Braun"
    assert rows["hunde.hund.1.nachweis"] == "impfpass.png (2 KB)"
    assert rows["zahlung.konto.beleg"] == "plan.pdf (1,2 MB)"
    assert rows["zahlung.konto.iban"] == "DE89 3704 0044 0532 0130 00"
    assert [g.title for g in steps[1].groups] == ["Frage", "Hund 1", "Hund 2"]


def test_summary_leaves_out_invisible_and_empty_fields():
    answers = valid_answers()
    answers["hunde"]["frage"]["hat_hund"] = False
    steps = summary(sample(), answers, today=TODAY)
    paths = {row.path for step in steps for group in step.groups for row in group.rows}
    assert "hunde.frage.anzahl" not in paths
    assert not any(p.startswith("hunde.hund") or p.startswith("zahlung") for p in paths)
    assert "person.name.telefon" not in paths
