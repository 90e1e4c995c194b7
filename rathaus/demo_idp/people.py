"""The demo people of the Demo-Servicekonto (fixed, with a published password: demo only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEMO_PASSWORD = "Musterstadt-Demo-2026"  # noqa: S105 - published demo password, never for production

# eIDAS levels of assurance as the ``acr`` values the Demo-Servicekonto reports; the Rathaus demo
# municipality maps them in its IdentityProvider row (rathaus/demo/loader.py).
ACR_LOW = "http://eidas.europa.eu/LoA/low"
ACR_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
ACR_HIGH = "http://eidas.europa.eu/LoA/high"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    given_name: str
    family_name: str
    email: str
    email_verified: bool
    birthdate: str
    street_address: str
    postal_code: str
    locality: str
    acr: str | None  # None: the login reports no level at all (counts as »niedrig« at the portal)
    description: str

    @property
    def subject(self) -> str:
        # Stable across re-created demo databases, so a portal account stays linked.
        return f"demo-{self.username}"

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": self.subject,
            "name": f"{self.given_name} {self.family_name}",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "preferred_username": self.username,
            "birthdate": self.birthdate,
            "email": self.email,
            "email_verified": self.email_verified,
            "address": {
                "formatted": f"{self.street_address}\n{self.postal_code} {self.locality}\nDeutschland",
                "street_address": self.street_address,
                "postal_code": self.postal_code,
                "locality": self.locality,
                "country": "DE",
            },
        }
        if self.acr:
            claims["acr"] = self.acr
        return claims


PEOPLE: dict[str, DemoPerson] = {
    person.username: person
    for person in (
        DemoPerson(
            username="erika",
            given_name="Erika",
            family_name="Mustermann",
            email="erika.mustermann@servicekonto.example",
            email_verified=True,
            birthdate="1964-08-12",
            street_address="Heidestraße 17",
            postal_code="51147",
            locality="Köln",
            acr=ACR_HIGH,
            description="Online-Ausweis – Vertrauensniveau hoch",
        ),
        DemoPerson(
            username="max",
            given_name="Max",
            family_name="Mustermann",
            email="max.mustermann@servicekonto.example",
            email_verified=True,
            birthdate="1983-03-21",
            street_address="Rathausplatz 1",
            postal_code="40699",
            locality="Erkrath",
            acr=ACR_SUBSTANTIAL,
            description="ELSTER-Zertifikat – Vertrauensniveau substanziell",
        ),
        DemoPerson(
            username="lena",
            given_name="Lena",
            family_name="Beispiel",
            email="lena.beispiel@servicekonto.example",
            email_verified=False,
            birthdate="1999-11-30",
            street_address="Lindenallee 3",
            postal_code="50667",
            locality="Köln",
            acr=None,
            description="Benutzername und Passwort – kein Vertrauensniveau gemeldet (E-Mail-Adresse unbestätigt)",
        ),
    )
}
