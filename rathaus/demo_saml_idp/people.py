"""The demo people of the Demo-BundID and the Demo-Unternehmenskonto (all invented)."""

from __future__ import annotations

import dataclasses

PASSWORD = "Demo-BundID-2026"  # noqa: S105 - the demo password, printed on the login page


@dataclasses.dataclass(frozen=True)
class Person:
    username: str
    label: str
    stork_level: int  # of the login method: 1 password, 3 ELSTER certificate, 4 eID card
    attributes: dict[str, tuple[str, str]]  # OID → (value, akdb trust word)


BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
TRUST_LEVEL = "urn:oid:1.2.40.0.10.2.1.1.261.94"
BIRTH_DATE = "urn:oid:1.2.40.0.10.2.1.1.55"
STREET = "urn:oid:2.5.4.16"
POSTAL_CODE = "urn:oid:2.5.4.17"
LOCALITY = "urn:oid:2.5.4.7"
ORG_ID = "urn:oid:2.5.4.97"
ORG_NAME = "urn:oid:2.5.4.10"
ORG_LEGAL_FORM = "urn:de:muk:attribute:rechtsform"
ORG_REGISTER_NUMBER = "urn:de:muk:attribute:registernummer"
PERSON_ID = "urn:de:muk:attribute:personId"

BUNDID = [
    Person(
        "erika", "Erika Mustermann – Online-Ausweis (STORK-QAA 4)", 4,
        {BPK2: ("bpk2-demo-erika", "HOCH"), GIVEN_NAME: ("Erika", "HOCH"), SURNAME: ("Mustermann", "HOCH"),
         MAIL: ("erika.mustermann@bundid.example", "NORMAL"), BIRTH_DATE: ("1964-08-12", "HOCH"),
         STREET: ("Heidestraße 17", "HOCH"), POSTAL_CODE: ("51147", "HOCH"), LOCALITY: ("Köln", "HOCH")},
    ),
    Person(
        "max", "Max Mustermann – ELSTER-Zertifikat (STORK-QAA 3)", 3,
        {BPK2: ("bpk2-demo-max", "SUBSTANTIELL"), GIVEN_NAME: ("Max", "SUBSTANTIELL"),
         SURNAME: ("Mustermann", "SUBSTANTIELL"), MAIL: ("max.mustermann@bundid.example", "NORMAL"),
         BIRTH_DATE: ("1983-03-21", "SUBSTANTIELL"), STREET: ("Rathausplatz 1", "SUBSTANTIELL"),
         POSTAL_CODE: ("40699", "SUBSTANTIELL"), LOCALITY: ("Erkrath", "SUBSTANTIELL")},
    ),
    Person(
        "lena", "Lena Beispiel – Benutzername und Passwort (STORK-QAA 1)", 1,
        {BPK2: ("bpk2-demo-lena", "UNTERGEORDNET"), GIVEN_NAME: ("Lena", "UNTERGEORDNET"),
         SURNAME: ("Beispiel", "UNTERGEORDNET"), MAIL: ("lena.beispiel@bundid.example", "NORMAL")},
    ),
]  # fmt: skip

MUK = [
    Person(
        "musterbau", "Karl Beispiel für Musterbau GmbH – ELSTER-Organisationszertifikat (STORK-QAA 3)", 3,
        {ORG_ID: ("muk-org-4711", "SUBSTANTIELL"), PERSON_ID: ("muk-person-0815", "SUBSTANTIELL"),
         ORG_NAME: ("Musterbau GmbH", "SUBSTANTIELL"), ORG_LEGAL_FORM: ("GmbH", "SUBSTANTIELL"),
         ORG_REGISTER_NUMBER: ("HRB 12345 (Amtsgericht Düsseldorf)", "SUBSTANTIELL"),
         GIVEN_NAME: ("Karl", "SUBSTANTIELL"), SURNAME: ("Beispiel", "SUBSTANTIELL"),
         MAIL: ("karl.beispiel@musterbau.example", "NORMAL"), STREET: ("Industriestraße 5", "SUBSTANTIELL"),
         POSTAL_CODE: ("40699", "SUBSTANTIELL"), LOCALITY: ("Erkrath", "SUBSTANTIELL")},
    ),
]  # fmt: skip

PROFILES = {"bundid": ("Demo-BundID", BUNDID), "muk": ("Demo-Unternehmenskonto", MUK)}
