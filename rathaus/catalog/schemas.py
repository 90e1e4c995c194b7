"""The catalog exchange format (JSON import/export and API), validated with pydantic."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .validators import validate_leika_key

TrustCode = Literal["none", "low", "substantial", "high"]
LoginAttribute = Literal["name", "email", "birth_date", "address"]  # identity.login_needs.ATTRIBUTE_GROUPS
ChannelCode = Literal["online", "appointment", "on_site", "post"]
Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[-a-z0-9]+$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class FeeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, Field(min_length=1, max_length=200)]
    amount_min: Amount
    amount_max: Amount
    legal_basis: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _ordered(self) -> FeeRecord:
        if self.amount_max < self.amount_min:
            raise ValueError("Der Höchstbetrag ist kleiner als der Mindestbetrag.")
        return self


ContentLanguage = Literal["en"]


class LifeSituationTranslation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    description: Annotated[str, Field(max_length=300)] | None = None


class ServiceTranslation(BaseModel):
    """The service's texts in one more language; a field left out shows in German."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    short_description: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    description: str | None = None
    required_documents: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = None
    processing_time: Annotated[str, Field(max_length=120)] | None = None
    keywords: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = None


class LifeSituationRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=300)] = ""
    translations: dict[ContentLanguage, LifeSituationTranslation] = {}


class ServiceRecord(BaseModel):
    """One service in the exchange format. Unknown keys are ignored (forward compatibility)."""

    model_config = ConfigDict(extra="ignore")

    leika_key: str
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    short_description: Annotated[str, Field(min_length=1, max_length=500)]
    description: str = ""
    required_documents: list[Annotated[str, Field(min_length=1, max_length=500)]] = []
    fees: list[FeeRecord] = []
    legal_basis: str = ""
    org_unit: Annotated[str, Field(min_length=1, max_length=30)]
    processing_time: Annotated[str, Field(max_length=120)] = ""
    processing_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    trust_level: TrustCode = "none"
    ozg_maturity: Annotated[int, Field(ge=0, le=7)] = 0
    ozg_level_legacy: Annotated[int, Field(ge=0, le=4)] = 0
    ozg_topic: Annotated[str, Field(max_length=80)] = ""
    channels: list[ChannelCode] = []
    keywords: list[Annotated[str, Field(min_length=1, max_length=80)]] = []
    life_situations: list[Slug] = []
    is_top: bool = False
    is_published: bool = True
    translations: dict[ContentLanguage, ServiceTranslation] = {}
    easy_language: str = ""
    sign_language_video: Annotated[str, Field(max_length=200, pattern=r"^(https://\S+)?$")] = ""
    # Data minimisation: what a login for this service's application asks the citizen's account for.
    login_attributes: list[LoginAttribute] = []

    @field_validator("login_attributes")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("leika_key")
    @classmethod
    def _leika(cls, value: str) -> str:
        try:
            validate_leika_key(value)
        except DjangoValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from None
        return value


class CatalogDocument(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: str = "rathaus-catalog/1"
    life_situations: list[LifeSituationRecord] = []
    services: list[ServiceRecord] = []
