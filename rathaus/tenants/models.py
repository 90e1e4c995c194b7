"""Municipalities (Mandanten), their host names, their organisation units and their plugin configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

from .validators import validate_ags, validate_host, validate_logo


class Municipality(models.Model):
    """One municipality served by this installation. The tenant of every tenant-owned row."""

    class Colour(models.TextChoices):
        # Brand colours a municipality may choose; each keeps WCAG AA contrast with white text.
        KERN_BLUE = "kern-blue", _("KERN-Blau (Standard)")
        PETROL = "petrol", _("Petrol")
        GREEN = "green", _("Grün")
        RED = "red", _("Rot")
        PURPLE = "purple", _("Violett")
        ANTHRACITE = "anthracite", _("Anthrazit")

    slug = models.SlugField(_("Kurzname"), unique=True, max_length=60)
    name = models.CharField(_("Name"), max_length=200)
    ags = models.CharField(_("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True, validators=[validate_ags])
    is_active = models.BooleanField(_("aktiv"), default=True)
    logo = models.FileField(_("Logo"), upload_to="branding/", blank=True, validators=[validate_logo])
    brand_colour = models.CharField(_("Hausfarbe"), max_length=20, choices=Colour, default=Colour.KERN_BLUE)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("Postleitzahl"), max_length=5, blank=True, validators=[RegexValidator(r"^\d{5}$", _("Fünf Ziffern."))]
    )
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    imprint = models.TextField(_("Impressum"), blank=True)
    privacy = models.TextField(_("Datenschutzerklärung"), blank=True)
    accessibility = models.TextField(_("Erklärung zur Barrierefreiheit"), blank=True)
    # Legal texts are Markdown. Other languages: {"en": {"imprint": "…", "privacy": "…", "accessibility": "…"}};
    # a text left out shows in German (marked lang="de").
    legal_translations = models.JSONField(_("Rechtstexte in anderen Sprachen"), default=dict, blank=True)
    # BITV 2.0 § 4: the portal explained in Deutscher Gebärdensprache (a video the municipality publishes).
    sign_language_video = models.URLField(_("Video in Deutscher Gebärdensprache (Adresse)"), blank=True)
    # Bumped by every catalog write; the in-process search index rebuilds when it changes.
    catalog_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    """A host name that resolves to exactly one municipality."""

    host = models.CharField(_("Hostname"), max_length=253, unique=True, validators=[validate_host])
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="domains")
    is_primary = models.BooleanField(_("Haupt-Hostname"), default=False)

    class Meta:
        verbose_name = _("Hostname")
        verbose_name_plural = _("Hostnamen")

    def __str__(self) -> str:
        return self.host


class OrgUnit(TenantOwned):
    """Organisation unit (Fachbereich, Abteilung, Sachgebiet) as a tree per municipality."""

    key = models.CharField(_("Kennung"), max_length=30)
    name = models.CharField(_("Name"), max_length=200)
    short_name = models.CharField(_("Kurzname"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("übergeordnet")
    )
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="orgunit_key_unique_per_tenant")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id is not None:
            parent = OrgUnit.all_tenants.filter(pk=self.parent_id).values_list("tenant_id", flat=True).first()
            if parent != self.tenant_id:
                raise ValidationError({"parent": _("Die übergeordnete Einheit gehört zu einer anderen Kommune.")})
            if self.pk is not None and self.pk in {u.pk for u in self.ancestors()}:
                raise ValidationError({"parent": _("Eine Einheit kann nicht unter sich selbst hängen.")})

    def ancestors(self) -> list[OrgUnit]:
        chain: list[OrgUnit] = []
        node = self.parent
        while node is not None and len(chain) < 50:
            chain.append(node)
            node = node.parent
        return chain


class PluginConfig(TenantOwned):
    """A municipality's configuration of one plugin (``rathaus.core.plugins``): its options and whether it is on.

    ``options`` holds what the plugin's options schema accepted, as JSON, never a secret (secrets are named
    by environment variable). Only ``rathaus.tenants.services.save_plugin_config`` writes these rows, so a row
    always passed the schema when it was saved.
    """

    kind = models.CharField(_("Art"), max_length=40)
    plugin_id = models.CharField(_("Anbindung"), max_length=40)
    options = models.JSONField(_("Einstellungen"), default=dict, blank=True)
    enabled = models.BooleanField(_("aktiv"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geändert von"),
    )
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Anbindung")
        verbose_name_plural = _("Anbindungen")
        ordering = ["kind", "plugin_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "plugin_id"], name="pluginconfig_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.plugin_id}"
