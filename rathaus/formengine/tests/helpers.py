"""A small definition that exercises every field type, plus file references, for the tests."""

from __future__ import annotations

import copy
import hashlib
from datetime import date
from typing import Any

from rathaus.formengine import FormDefinition, parse_definition

TODAY = date(2026, 3, 16)
VALID_IBAN = "DE89370400440532013000"


def file_ref(
    key: str = "att-1", name: str = "plan.pdf", size: int = 1_258_291, content_type: str = "application/pdf"
) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "sha256": hashlib.sha256(key.encode()).hexdigest(),
        "size": size,
        "content_type": content_type,
    }


SAMPLE: dict[str, Any] = {
    "id": "beispiel",
    "version": 1,
    "title": "Beispielformular",
    "steps": [
        {
            "id": "person",
            "title": "Person",
            "groups": [
                {
                    "id": "name",
                    "title": "Name",
                    "fields": [
                        {
                            "id": "vorname",
                            "label": "Vorname",
                            "type": "text",
                            "required": True,
                            "max_length": 50,
                            "prefill": "first_name",
                        },
                        {
                            "id": "geburt",
                            "label": "Geburtsdatum",
                            "type": "date",
                            "required": True,
                            "date_max": "today",
                            "prefill": "birth_date",
                        },
                        {
                            "id": "anschrift",
                            "label": "Anschrift",
                            "type": "address",
                            "required": True,
                            "prefill": "address",
                        },
                        {"id": "email", "label": "E-Mail", "type": "email", "prefill": "email"},
                        {"id": "telefon", "label": "Telefon", "type": "phone"},
                        {"id": "notiz", "label": "Notiz", "type": "textarea", "help": "Freiwillig."},
                    ],
                }
            ],
        },
        {
            "id": "hunde",
            "title": "Hunde",
            "groups": [
                {
                    "id": "frage",
                    "title": "Frage",
                    "fields": [
                        {"id": "hat_hund", "label": "Haben Sie einen Hund?", "type": "yesno", "required": True},
                        {
                            "id": "anzahl",
                            "label": "Wie viele Hunde?",
                            "type": "number",
                            "min": 1,
                            "max": 5,
                            "required": True,
                            "visible_if": {"field": "hunde.frage.hat_hund", "equals": True},
                        },
                    ],
                },
                {
                    "id": "hund",
                    "title": "Hunde",
                    "item_label": "Hund",
                    "repeat": {"min": 1, "max": 3},
                    "visible_if": {"field": "hunde.frage.hat_hund", "equals": True},
                    "fields": [
                        {
                            "id": "rasse",
                            "label": "Rasse",
                            "type": "choice",
                            "required": True,
                            "choices": [{"value": "dackel", "label": "Dackel"}, {"value": "pudel", "label": "Pudel"}],
                        },
                        {
                            "id": "farben",
                            "label": "Farben",
                            "type": "multichoice",
                            "choices": [{"value": "braun", "label": "Braun"}, {"value": "weiss", "label": "Weiß"}],
                        },
                        {"id": "geboren", "label": "Geboren am", "type": "date", "required": True},
                        {"id": "seit", "label": "Bei Ihnen seit", "type": "date", "required": True},
                        {"id": "nachweis", "label": "Nachweis", "type": "file"},
                    ],
                },
            ],
        },
        {
            "id": "zahlung",
            "title": "Zahlung",
            "groups": [
                {
                    "id": "konto",
                    "title": "Konto",
                    "visible_if": {"field": "hunde.frage.hat_hund", "equals": True},
                    "fields": [
                        {"id": "iban", "label": "IBAN", "type": "iban", "required": True},
                        {
                            "id": "einzug",
                            "label": "Einzug ab",
                            "type": "date",
                            "required": True,
                            "date_min": "today-14d",
                        },
                        {"id": "ermaessigt", "label": "Ermäßigung?", "type": "yesno", "required": True},
                        {
                            "id": "beleg",
                            "label": "Beleg",
                            "type": "file",
                            "required": True,
                            "visible_if": {"field": "zahlung.konto.ermaessigt", "equals": True},
                        },
                    ],
                }
            ],
        },
    ],
    "rules": [
        {
            "id": "seit_nach_geburt",
            "message": "Der Hund kann nicht vor seiner Geburt bei Ihnen sein.",
            "fields": ["hunde.hund.seit"],
            "check": {"field": "hunde.hund.seit", "gte_field": "hunde.hund.geboren"},
        }
    ],
    "fees": [
        {"label": "Erster Hund", "amount": "96.00", "when": {"count": "hunde.hund", "gte": 1}},
        {"label": "Jeder weitere Hund", "amount": "150.00", "per": "hunde.hund", "skip": 1},
        {
            "label": "Ermäßigung (Abzug nicht möglich, Hinweis)",
            "amount": "0.00",
            "when": {"field": "zahlung.konto.ermaessigt", "equals": True},
        },
    ],
    "payment_required_before_forwarding": True,
}


def sample_data() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE)


def sample() -> FormDefinition:
    return parse_definition(sample_data())


def valid_answers() -> dict[str, Any]:
    return {
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
                "email": "erika@example.de",
            }
        },
        "hunde": {
            "frage": {"hat_hund": True, "anzahl": 2},
            "hund": [
                {"rasse": "dackel", "farben": ["braun"], "geboren": "2020-01-01", "seit": "2020-03-01"},
                {
                    "rasse": "pudel",
                    "geboren": "2021-01-01",
                    "seit": "2021-02-01",
                    "nachweis": file_ref("att-2", "impfpass.png", 2048, "image/png"),
                },
            ],
        },
        "zahlung": {"konto": {"iban": VALID_IBAN, "einzug": "2026-03-10", "ermaessigt": True, "beleg": file_ref()}},
    }


def valid_files() -> dict[str, Any]:
    return {
        "hunde.hund.1.nachweis": file_ref("att-2", "impfpass.png", 2048, "image/png"),
        "zahlung.konto.beleg": file_ref(),
    }
