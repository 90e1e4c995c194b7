"""The service catalog (Leistungskatalog) of a municipality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned
from rathaus.identity.trust import TrustLevel
from rathaus.tenants.models import OrgUnit

from .validators import validate_leika_key


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

    class Meta:
        verbose_name = _("Lebenslage")
        verbose_name_plural = _("Lebenslagen")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="lifesituation_slug_per_tenant")]

    def __str__(self) -> str:
        return self.name


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
    processing_time = models.CharField(_("Bearbeitungsdauer"), max_length=120, blank=True)
    processing_days = models.PositiveIntegerField(_("Bearbeitungsdauer in Tagen"), null=True, blank=True)
    trust_level = models.CharField(
        _("Erforderliches Vertrauensniveau"), max_length=20, choices=TrustLevel, default=TrustLevel.NONE
    )
    ozg_maturity = models.PositiveSmallIntegerField(
        _("OZG-Reifegrad (Modell 2.0, 0–7)"), default=0, validators=[MaxValueValidator(7)]
    )
    ozg_level_legacy = models.PositiveSmallIntegerField(
        _("OZG-Reifegrad (altes Modell, 0–4)"), default=0, validators=[MaxValueValidator(4)]
    )
    ozg_maturity_criteria = models.JSONField(_("erfüllte Kriterien"), default=list, blank=True)
    ozg_topic = models.CharField(_("OZG-Themenfeld"), max_length=80, blank=True)
    channels = models.JSONField(_("Zugangswege"), default=list, blank=True)
    keywords = models.JSONField(_("Suchbegriffe und Synonyme"), default=list, blank=True)
    life_situations = models.ManyToManyField(LifeSituation, blank=True, related_name="services")
    is_top = models.BooleanField(_("häufig gesucht"), default=False)
    is_published = models.BooleanField(_("veröffentlicht"), default=True)
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
