"""Valid answers for every demo form (with today = 16.03.2026), their files, the expected fee, and a bad input."""

from __future__ import annotations

from typing import Any

from .helpers import VALID_IBAN, file_ref

ADDRESS = {"street": "Rathausplatz", "house_number": "1", "postal_code": "12345", "city": "Musterstadt"}
PERSON = {"vorname": "Erika", "familienname": "Mustermann"}

DEMO_ANSWERS: dict[str, dict[str, Any]] = {
    "wohnsitz-anmelden": {
        "answers": {
            "einzug": {
                "wohnung": {"einzugsdatum": "2026-03-10", "anschrift": ADDRESS, "wohnungsstatus": "alleinige"},
                "wohnungsgeber": {"name": "Wohnbau Musterstadt GmbH", "bestaetigung": file_ref("wgb")},
            },
            "person": {
                "name": {
                    **PERSON,
                    "geburtsdatum": "1980-05-17",
                    "geburtsort": "Köln",
                    "staatsangehoerigkeit": "deutsch",
                },
                "bisher": {
                    "anschrift": {**ADDRESS, "street": "Alter Weg", "city": "Köln", "postal_code": "50667"},
                    "beibehalten": False,
                },
            },
            "mitziehende": {
                "frage": {"weitere_personen": True},
                "person": [
                    {"vorname": "Max", "familienname": "Mustermann", "geburtsdatum": "2015-01-02", "beziehung": "kind"}
                ],
            },
            "kontakt": {"kontakt": {"email": "erika@example.de"}},
        },
        "files": {"einzug.wohnungsgeber.bestaetigung": file_ref("wgb")},
        "total": "0.00",
        "bad": (
            "einzug",
            {"einzug.wohnung.einzugsdatum": "2026-02-01"},
            "einzug.wohnung.einzugsdatum",
            "mehr als 14 Tage",
        ),
    },
    "hund-anmelden": {
        "answers": {
            "halter": {
                "person": {**PERSON, "geburtsdatum": "1980-05-17", "anschrift": ADDRESS, "email": "erika@example.de"},
                "zahlung": {"lastschrift": True, "iban": VALID_IBAN, "kontoinhaber": "Erika Mustermann"},
            },
            "hunde": {
                "hund": [
                    {"name": "Bello", "rasse": "Dackel", "geburtsdatum": "2020-01-01", "haltung_seit": "2020-03-01"},
                    {
                        "name": "Luna",
                        "rasse": "Mischling",
                        "geburtsdatum": "2022-06-01",
                        "haltung_seit": "2023-01-01",
                        "chipnummer": "276098106543210",
                    },
                ]
            },
            "ermaessigung": {"antrag": {"beantragt": True, "nachweis": file_ref("bescheid")}},
        },
        "files": {"ermaessigung.antrag.nachweis": file_ref("bescheid")},
        "total": "150.00",
        "bad": (
            "halter",
            {"halter.zahlung.lastschrift": "ja", "halter.zahlung.iban": "DE89 3704 0044 0532 0130 01"},
            "halter.zahlung.iban",
            "Prüfziffer",
        ),
    },
    "sperrmuell-anmelden": {
        "answers": {
            "abholung": {
                "ort": {"anschrift": ADDRESS, "wunschtermin": "2026-04-01"},
                "menge": {
                    "gegenstaende": ["moebel", "holz"],
                    "volumen": "ueber_5",
                    "beschreibung": "1 Sofa, 1 Schrank, Bretter",
                    "abholung_im_jahr": "weitere",
                },
            },
            "kontakt": {"person": {**PERSON, "email": "erika@example.de", "telefon": "0211 123456"}},
        },
        "files": {},
        "total": "60.00",
        "bad": (
            "abholung",
            {"abholung.ort.wunschtermin": "2026-03-17"},
            "abholung.ort.wunschtermin",
            "ab dem 23.03.2026",
        ),
    },
    "gewerbe-anmelden": {
        "answers": {
            "betrieb": {
                "art": {
                    "rechtsform": "gmbh",
                    "firmenname": "Muster Rad GmbH",
                    "registernummer": "HRB 12345",
                    "taetigkeit": "Einzelhandel mit Fahrrädern und Zubehör",
                    "beginn": "2026-04-01",
                    "betriebsstaette": ADDRESS,
                    "beschaeftigte": 3,
                    "nebenerwerb": False,
                    "erlaubnispflichtig": False,
                }
            },
            "inhaber": {
                "person": {**PERSON, "geburtsdatum": "1980-05-17", "anschrift": ADDRESS, "email": "erika@example.de"}
            },
        },
        "files": {},
        "total": "40.00",
        "bad": (
            "betrieb",
            {"betrieb.art.rechtsform": "gmbh", "betrieb.art.registernummer": "12345"},
            "betrieb.art.registernummer",
            "HRB 12345",
        ),
    },
    "bewohnerparkausweis-beantragen": {
        "answers": {
            "wohnung": {"person": {**PERSON, "anschrift": ADDRESS, "zone": "a"}},
            "fahrzeug": {
                "kfz": {"kennzeichen": "MS-AB 123", "halter": "selbst", "zulassung": file_ref("zb1")},
                "ermaessigung": {"beantragt": False},
            },
            "kontakt": {"kontakt": {"email": "erika@example.de", "beginn": "2026-04-01"}},
        },
        "files": {"fahrzeug.kfz.zulassung": file_ref("zb1")},
        "total": "120.00",
        "bad": ("fahrzeug", {"fahrzeug.kfz.kennzeichen": "ms-ab 123"}, "fahrzeug.kfz.kennzeichen", "Großbuchstaben"),
    },
    "fuehrungszeugnis-beantragen": {
        "answers": {
            "zeugnis": {
                "art": {
                    "verwendung": "behoerde",
                    "erweitert": True,
                    "aufforderung": file_ref("auff"),
                    "ehrenamt": False,
                },
                "behoerde": {"name": "Jugendamt Musterstadt", "anschrift": ADDRESS, "aktenzeichen": "51-2026-17"},
            },
            "person": {
                "person": {
                    **PERSON,
                    "geburtsdatum": "1980-05-17",
                    "geburtsort": "Köln",
                    "staatsangehoerigkeit": "deutsch",
                    "anschrift": ADDRESS,
                    "email": "erika@example.de",
                }
            },
        },
        "files": {"zeugnis.art.aufforderung": file_ref("auff")},
        "total": "13.00",
        "bad": (
            "person",
            {"person.person.geburtsdatum": "2015-01-01"},
            "person.person.geburtsdatum",
            "bis zum 16.03.2012",
        ),
    },
    "sondernutzung-strasse-beantragen": {
        "answers": {
            "nutzung": {
                "vorhaben": {
                    "art": "geruest",
                    "gehweg_frei": False,
                    "notweg": "Notweg mit Absperrung auf der Fahrbahn",
                    "flaeche": 12,
                    "halteverbot": True,
                },
                "ort": {
                    "anschrift": ADDRESS,
                    "beginn": "2026-04-01",
                    "ende": "2026-04-30",
                    "lageplan": file_ref("plan"),
                },
            },
            "antragsteller": {
                "person": {**PERSON, "anschrift": ADDRESS, "email": "erika@example.de", "telefon": "+49 211 123456"}
            },
        },
        "files": {"nutzung.ort.lageplan": file_ref("plan")},
        "total": "101.00",
        "bad": (
            "nutzung",
            {"nutzung.ort.beginn": "2026-05-01", "nutzung.ort.ende": "2026-04-30"},
            "nutzung.ort.ende",
            "nicht vor dem ersten Tag",
        ),
    },
    "kita-platz-anmelden": {
        "answers": {
            "kinder": {
                "kind": [
                    {
                        "vorname": "Max",
                        "geburtsdatum": "2025-02-01",
                        "beginn": "2026-08-01",
                        "umfang": "35",
                        "wunsch_kitas": ["kita-sonnenblume", "waldkindergarten"],
                        "foerderbedarf": False,
                    },
                    {
                        "vorname": "noch offen",
                        "geburtsdatum": "2026-09-01",
                        "beginn": "2027-08-01",
                        "umfang": "45",
                        "wunsch_kitas": ["kita-am-schlosspark"],
                        "foerderbedarf": True,
                        "foerderbedarf_text": "Frühgeburt, Physiotherapie",
                    },
                ]
            },
            "eltern": {"person": {**PERSON, "anschrift": ADDRESS, "email": "erika@example.de", "berufstaetig": True}},
        },
        "files": {},
        "total": "0.00",
        "bad": (
            "kinder",
            {
                "kinder.kind.0.vorname": "Max",
                "kinder.kind.0.geburtsdatum": "2026-09-01",
                "kinder.kind.0.beginn": "2026-08-01",
            },
            "kinder.kind.0.beginn",
            "frühestens nach der Geburt",
        ),
    },
}
