"""The service catalog (Leistungskatalog) of a municipality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned
from rathaus.identity.trust import TrustLevel
from rathaus.tenants.models import OrgUnit

from .validators import validate_leika_key, validate_login_attributes

# Content languages besides German. German is the source text of every field; a translation may leave out
# any field, which then shows in German (marked lang="de" on a page in another language, WCAG 3.1.2).
CONTENT_LANGUAGES = ("en",)
SERVICE_TRANSLATED_FIELDS = (
    "name", "short_description", "description", "required_documents", "processing_time", "keywords",
)  # fmt: skip
SITUATION_TRANSLATED_FIELDS = ("name", "description")


class LocalizedText(str):
    """A text in the page's language, or its German original; ``lang`` says which ("" when it matches the page)."""

    lang: str

    def __new__(cls, value: str, lang: str = "") -> LocalizedText:
        obj = super().__new__(cls, value)
        obj.lang = lang
        return obj


def localized(obj: Any, field: str, language: str | None = None) -> Any:
    """``obj.field`` in ``language`` (default: the active one), falling back to German.

    Strings come back as :class:`LocalizedText`, lists as a list of them, so a template can mark the
    German fallback with ``lang="de"``.
    """
    language = (language or get_language() or "de").split("-")[0]
    value = getattr(obj, field)
    lang = ""
    if language != "de":
        translated = ((getattr(obj, "translations", None) or {}).get(language) or {}).get(field)
        if translated:
            value = translated
        elif value:
            lang = "de"
    if isinstance(value, list):
        return [LocalizedText(str(v), lang) for v in value]
    return LocalizedText(value or "", lang)


def clean_translations(value: Any, fields: tuple[str, ...]) -> str | None:
    """An error message when ``value`` is not ``{language: {field: text or list of texts}}``, else None."""
    if not isinstance(value, dict):
        return str(_("Übersetzungen müssen ein Objekt je Sprache sein."))
    for language, content in value.items():
        if language not in CONTENT_LANGUAGES:
            return str(_("Unbekannte Sprache »%(l)s«.") % {"l": language})
        if not isinstance(content, dict):
            return str(_("Übersetzungen müssen ein Objekt je Sprache sein."))
        for key, text in content.items():
            if key not in fields:
                return str(_("Dieses Feld kann nicht übersetzt werden: %(f)s") % {"f": key})
            if key in ("required_documents", "keywords"):
                if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
                    return str(_("»%(f)s« muss eine Liste von Texten sein.") % {"f": key})
            elif not isinstance(text, str):
                return str(_("»%(f)s« muss ein Text sein.") % {"f": key})
    return None


class Channel(models.TextChoices):
    ONLINE = "online", _("online beantragen")
    APPOINTMENT = "appointment", _("Termin vereinbaren")
    ON_SITE = "on_site", _("vor Ort")
    POST = "post", _("per Post")


class LifeSituation(TenantOwned):
    """Lebenslage: how citizens think of their need ("Umzug", "Geburt")."""

    slug = models.SlugField(_("Kurzname"), max_length=80)
    name = models.CharField(_("Name"), max_length=120)
    description = models.CharField(_("Beschreibung"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    translations = models.JSONField(_("Übersetzungen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Lebenslage")
        verbose_name_plural = _("Lebenslagen")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="lifesituation_slug_per_tenant")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problem = clean_translations(self.translations, SITUATION_TRANSLATED_FIELDS)
        if problem:
            raise ValidationError({"translations": problem})


class Service(TenantOwned):
    """A service (Verwaltungsleistung) the municipality offers, identified by its LeiKa key."""

    leika_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, validators=[validate_leika_key])
    slug = models.SlugField(_("Kurzname"), max_length=120)
    name = models.CharField(_("Name"), max_length=200)
    short_description = models.CharField(_("Kurzbeschreibung"), max_length=500)
    description = models.TextField(_("Beschreibung"), blank=True)
    required_documents = models.JSONField(_("Erforderliche Unterlagen"), default=list, blank=True)
    legal_basis = models.TextField(_("Rechtsgrundlage"), blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="services", verbose_name=_("Zuständige Stelle")
    )
    # The unit of the file plan (records.FilePlanUnit.code) the cases of this service are filed under.
    file_plan_code = models.CharField(_("Aktenplankennzeichen"), max_length=40, blank=True)
    processing_time = models.CharField(_("Bearbeitungsdauer"), max_length=120, blank=True)
    processing_days = models.PositiveIntegerField(_("Bearbeitungsdauer in Tagen"), null=True, blank=True)
    trust_level = models.CharField(
        _("Erforderliches Vertrauensniveau"), max_length=20, choices=TrustLevel, default=TrustLevel.NONE
    )
    # Data minimisation: what a login on the way to this application asks the citizen's account for
    # (identity.login_needs.ATTRIBUTE_GROUPS); empty: what the identity provider is configured to ask for.
    login_attributes = models.JSONField(
        _("Angaben aus dem Nutzerkonto"),
        default=list,
        blank=True,
        validators=[validate_login_attributes],
        help_text=_(
            "Nur, was der Antrag braucht. Die E-Mail-Adresse wird immer angefordert. Leer: alles, was für den "
            "Anbieter eingestellt ist."
        ),
    )
    ozg_maturity = models.PositiveSmallIntegerField(
        _("OZG-Reifegrad (Modell 2.0, 0–7)"), default=0, validators=[MaxValueValidator(7)]
    )
    ozg_level_legacy = models.PositiveSmallIntegerField(
        _("OZG-Reifegrad (altes Modell, 0–4)"), default=0, validators=[MaxValueValidator(4)]
    )
    # The latest self-assessment of the steering module (catalog.services.record_maturity): its stage per
    # criterion and its date. An import does not overwrite an assessed stage.
    ozg_maturity_criteria = models.JSONField(_("Stufe je Kriterium (letzte Selbstbewertung)"), default=dict, blank=True)
    ozg_maturity_assessed_on = models.DateField(_("Reifegrad bewertet am"), null=True, blank=True)
    ozg_topic = models.CharField(_("OZG-Themenfeld"), max_length=80, blank=True)
    channels = models.JSONField(_("Zugangswege"), default=list, blank=True)
    keywords = models.JSONField(_("Suchbegriffe und Synonyme"), default=list, blank=True)
    life_situations = models.ManyToManyField(LifeSituation, blank=True, related_name="services")
    is_top = models.BooleanField(_("häufig gesucht"), default=False)
    is_published = models.BooleanField(_("veröffentlicht"), default=True)
    translations = models.JSONField(_("Übersetzungen"), default=dict, blank=True)
    # BITV 2.0 § 4: an explanation in Leichte Sprache (Markdown) and a video in Deutscher Gebärdensprache.
    easy_language = models.TextField(_("Erklärung in Leichter Sprache"), blank=True)
    sign_language_video = models.URLField(_("Video in Deutscher Gebärdensprache (Adresse)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Leistung")
        verbose_name_plural = _("Leistungen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="service_slug_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "leika_key"], name="service_leika_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        unknown = [c for c in self.channels if c not in Channel.values]
        if not isinstance(self.channels, list) or unknown:
            errors["channels"] = _("Unbekannter Zugangsweg: %(v)s") % {"v": ", ".join(map(str, unknown))}
        if not isinstance(self.keywords, list) or not all(isinstance(k, str) for k in self.keywords):
            errors["keywords"] = _("Suchbegriffe müssen eine Liste von Wörtern sein.")
        docs = self.required_documents
        if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
            errors["required_documents"] = _("Unterlagen müssen eine Liste von Texten sein.")
        problem = clean_translations(self.translations, SERVICE_TRANSLATED_FIELDS)
        if problem:
            errors["translations"] = problem
        if self.sign_language_video and not self.sign_language_video.startswith("https://"):
            errors["sign_language_video"] = _("Die Adresse des Videos muss mit https:// beginnen.")
        if self.org_unit_id is not None and self.tenant_id is not None:
            unit_tenant = OrgUnit.all_tenants.filter(pk=self.org_unit_id).values_list("tenant_id", flat=True).first()
            if unit_tenant != self.tenant_id:
                errors["org_unit"] = _("Die zuständige Stelle gehört zu einer anderen Kommune.")
        if errors:
            raise ValidationError(errors)

    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]

    @property
    def is_online(self) -> bool:
        return Channel.ONLINE in self.channels


class Fee(models.Model):
    """A fee of a service: fixed (min == max) or a range, with its legal basis (Gebührenordnung)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="fees")
    label = models.CharField(_("Bezeichnung"), max_length=200)
    amount_min = models.DecimalField(
        _("Betrag von (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    amount_max = models.DecimalField(
        _("Betrag bis (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("Gebühr")
        verbose_name_plural = _("Gebühren")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_max__gte=models.F("amount_min")), name="fee_range_ordered")
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.amount_min is not None and self.amount_max is not None and self.amount_max < self.amount_min:
            raise ValidationError({"amount_max": _("Der Höchstbetrag ist kleiner als der Mindestbetrag.")})

    @property
    def is_fixed(self) -> bool:
        return self.amount_min == self.amount_max
