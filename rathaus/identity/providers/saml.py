"""SAML 2.0 plugins: BundID (citizens) and Mein Unternehmenskonto (businesses, ELSTER-based).

The plugin knows the attribute names of its provider and turns a checked response
(``rathaus.identity.saml.CheckedResponse``) into the normalised :class:`VerifiedIdentity`. The protocol itself
(request, signatures, encryption, replay) lives in ``rathaus.identity.saml``.

Data minimisation: the AKDB request extension names the subject and the trust level (always) and, of the
attribute groups the municipality switched on (``attributes``, the ceiling), only those the login needs: the
e-mail address for a plain login, what the service names for a login on the way to its application
(``rathaus.identity.login_needs``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.utils.translation import gettext_lazy as _
from pydantic import field_validator

from rathaus.core.plugins import PluginOptions, option
from rathaus.identity.services import Attribute, OrganisationData, VerifiedIdentity
from rathaus.identity.trust import TrustLevel

from .base import IdentityPlugin
from .registry import register

if TYPE_CHECKING:
    from rathaus.identity.models import IdentityProvider

# BundID's attribute names (OIDs, name format URI).
BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
TRUST_LEVEL = "urn:oid:1.2.40.0.10.2.1.1.261.94"
BIRTH_DATE = "urn:oid:1.2.40.0.10.2.1.1.55"
STREET = "urn:oid:2.5.4.16"
POSTAL_CODE = "urn:oid:2.5.4.17"
LOCALITY = "urn:oid:2.5.4.7"
# Mein Unternehmenskonto: the organisation and the acting person (names as configured at the MUK; these are the
# defaults Rathaus' demo uses — check them against the interface description you receive on registration).
ORG_ID = "urn:oid:2.5.4.97"
ORG_NAME = "urn:oid:2.5.4.10"
ORG_LEGAL_FORM = "urn:de:muk:attribute:rechtsform"
ORG_REGISTER_NUMBER = "urn:de:muk:attribute:registernummer"
PERSON_ID = "urn:de:muk:attribute:personId"

STORK_QAA = {f"STORK-QAA-Level-{n}": n for n in range(1, 5)}
# BundID returns the level of every attribute in akdb:TrustLevel with these words.
AKDB_TRUST_WORDS = {"UNTERGEORDNET": 1, "NORMAL": 2, "SUBSTANTIELL": 3, "HOCH": 4}


def trust_level_of_stork(level: int) -> str:
    """STORK-QAA 1 and 2 (user name and password, Basisregistrierung) → niedrig; 3 (ELSTER) → substanziell;
    4 (eID card) → hoch."""
    if level >= 4:
        return TrustLevel.HIGH
    if level == 3:
        return TrustLevel.SUBSTANTIAL
    return TrustLevel.LOW


@dataclasses.dataclass(frozen=True)
class CheckedResponse:
    """A response that passed every check of ``rathaus.identity.saml``: what the plugin turns into an identity."""

    name_id: str
    session_index: str
    stork_level: int
    attributes: dict[str, tuple[str, int | None]]  # name → (first value, akdb trust level 1–4 if sent)


class MissingSubject(ValueError):
    """The response lacks an attribute the subject is made of (``args``: their names)."""


AttributeGroup = Literal["name", "email", "birth_date", "address"]
GROUPS: dict[str, list[str]] = {
    "name": [GIVEN_NAME, SURNAME],
    "email": [MAIL],
    "birth_date": [BIRTH_DATE],
    "address": [STREET, POSTAL_CODE, LOCALITY],
}
USER_FIELDS = {GIVEN_NAME: "first_name", SURNAME: "last_name"}
PROFILE_FIELDS = {BIRTH_DATE: "birth_date", STREET: "street", POSTAL_CODE: "postal_code", LOCALITY: "city"}


class SAMLOptions(PluginOptions):
    idp_entity_id: str = option(label=_("Entity-ID des Identitätsanbieters"), max_length=500)
    metadata_url: str = option(
        "",
        label=_("Adresse der Metadaten des Anbieters"),
        help=_("leer: Metadaten als Datei hinterlegen"),
        max_length=500,
    )
    metadata_xml: str = option(
        "",
        label=_("Metadaten des Anbieters (Dateiinhalt)"),
        help=_("leer: von der Adresse laden"),
        max_length=200_000,
        validate_default=True,
    )
    attributes: list[AttributeGroup] = option(
        ["name", "email"],
        label=_("angeforderte Angaben"),
        help=_("nur, was die Leistungen brauchen: name, email, birth_date, address"),
    )
    min_stork_level: int = option(1, label=_("mindestens angeforderte Stufe (STORK-QAA 1–4)"), ge=1, le=4)
    max_trust_level: Literal["low", "substantial", "high"] = option(
        "high", label=_("höchstes erreichbares Vertrauensniveau")
    )
    clock_skew_seconds: int = option(60, label=_("erlaubte Zeitabweichung (Sekunden)"), ge=0, le=300)

    @field_validator("metadata_xml")
    @classmethod
    def _one_source(cls, value: str, info: Any) -> str:
        if not value and not (info.data or {}).get("metadata_url"):
            raise ValueError(str(_("Bitte die Adresse der Metadaten angeben oder die Metadaten-Datei hinterlegen.")))
        return value


class SAMLPlugin(IdentityPlugin):
    protocol = "saml"
    options_model = SAMLOptions
    trust_level_attribute: ClassVar[str] = TRUST_LEVEL
    subject_attributes: ClassVar[list[str]] = [BPK2]
    always_requested: ClassVar[list[str]] = [BPK2, TRUST_LEVEL]

    def requested_attributes(self, groups: list[str] | None = None) -> list[tuple[str, bool]]:
        """(name, required) for the AKDB extension: the subject and level always, then ``groups`` (chosen by
        ``identity.login_needs`` within the configured ones) or, without, every configured group."""
        configured = list(self.options.attributes)  # type: ignore[attr-defined]
        names = [(name, True) for name in self.always_requested]
        for group in configured if groups is None else [g for g in configured if g in groups]:
            names += [(name, group == "email") for name in GROUPS[group]]
        return names

    def subject(self, checked: CheckedResponse) -> str:
        parts = [checked.attributes.get(name, ("", None))[0] for name in self.subject_attributes]
        if not all(parts):
            raise MissingSubject(*self.subject_attributes)
        return "|".join(parts)

    def identity(self, checked: CheckedResponse, *, source: str, trust_level: str) -> VerifiedIdentity:
        attributes = {
            name: Attribute(value, trust_level_of_stork(level) if level else trust_level)
            for name, (value, level) in checked.attributes.items()
        }
        user_fields = {f: attributes[n].value[:150] for n, f in USER_FIELDS.items() if n in attributes}
        profile_fields: dict[str, Any] = {}
        for name, field in PROFILE_FIELDS.items():
            if name not in attributes:
                continue
            value: Any = attributes[name].value
            if field == "birth_date":
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    continue
            profile_fields[field] = value
        profile_fields = {k: (v[:200] if isinstance(v, str) else v) for k, v in profile_fields.items()}
        mail = attributes.get(MAIL)
        return VerifiedIdentity(
            subject=self.subject(checked),
            email=mail.value if mail else "",
            # BundID confirms the address it sends (it is the account's verified contact address).
            email_verified=mail is not None,
            user_fields=user_fields,
            profile_fields=profile_fields,
            kind=self.identity_kind,
            trust_level=trust_level,
            source=source,
            attributes=attributes,
            organisation=self.organisation(attributes),
        )

    def organisation(self, attributes: dict[str, Any]) -> Any:
        return None

    def display_name(self, provider: IdentityProvider) -> str:
        return f"{provider.tenant.name} – {provider.name}"


@register
class BundIDPlugin(SAMLPlugin):
    identifier = "bundid"
    label = _("BundID (SAML 2.0)")


@register
class MUKPlugin(SAMLPlugin):
    identifier = "muk"
    label = _("Mein Unternehmenskonto (SAML 2.0)")
    identity_kind = "organisation"
    subject_attributes = [ORG_ID, PERSON_ID]
    always_requested = [ORG_ID, PERSON_ID, ORG_NAME, ORG_LEGAL_FORM, ORG_REGISTER_NUMBER, TRUST_LEVEL]

    def organisation(self, attributes: dict[str, Any]) -> Any:
        def value(name: str, limit: int) -> str:
            return str(attributes[name].value)[:limit] if name in attributes else ""

        return OrganisationData(
            identifier=value(ORG_ID, 255),
            name=value(ORG_NAME, 300),
            legal_form=value(ORG_LEGAL_FORM, 100),
            register_number=value(ORG_REGISTER_NUMBER, 100),
            street=value(STREET, 200),
            postal_code=value(POSTAL_CODE, 10),
            city=value(LOCALITY, 100),
        )
