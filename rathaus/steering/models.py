"""Steering (issue 10, part 1): the process catalog with its history, prioritisation, projects, maturity.

The half-yearly report (next part) cites processes, projects and board decisions by their ``uuid``; the live
figures will come from events. Everything here belongs to one municipality (``TenantOwned``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned


class TargetGroup(models.TextChoices):
    CITIZENS = "citizens", _("Bürgerinnen und Bürger")
    BUSINESSES = "businesses", _("Unternehmen")
    POLITICS = "politics", _("Politik")
    INSTITUTIONS = "institutions", _("andere Einrichtungen")


class ProcessType(models.TextChoices):
    """Art des Prozesses, as the product plan sorts them."""

    STEERING = "steering", _("Steuerung")
    OUTPUT = "output", _("Output")
    SERVICE = "service", _("Service")


class Level(models.IntegerChoices):
    """Automation potential, IT extension potential, weight of the deficits."""

    NONE = 0, _("keine")
    LOW = 1, _("gering")
    MEDIUM = 2, _("mittel")
    HIGH = 3, _("hoch")


class Process(TenantOwned):
    """One process of the catalog (Prozesskatalog, seed 001), filled in by its unit.

    ``key`` is the unit's own number for it (``FB33-001``); a spreadsheet import matches rows by it.
    Every change is a :class:`ProcessVersion` (who, when, what); ``version`` counts them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    key = models.CharField(_("Prozessnummer"), max_length=30)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    org_unit = models.ForeignKey(
        "tenants.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("Organisationseinheit")
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    target_groups = models.JSONField(_("Zielgruppen"), default=list, blank=True)
    process_type = models.CharField(_("Art des Prozesses"), max_length=10, choices=ProcessType)
    product = models.CharField(_("Produkt (Produktplan)"), max_length=30, blank=True)
    participants = models.TextField(_("Prozessbeteiligte"), blank=True)
    trigger = models.TextField(_("Auslöser"), blank=True)
    result = models.TextField(_("Ergebnis"), blank=True)
    data_processed = models.TextField(_("verarbeitete Daten"), blank=True)
    personal_data = models.BooleanField(_("personenbezogene Daten"), default=False)
    personal_data_categories = models.TextField(_("Kategorien personenbezogener Daten"), blank=True)
    # The record of processing activities (Art. 30 DSGVO, ``gdpr_record.py``) for processes with personal data.
    gdpr_purpose = models.TextField(_("Zweck der Verarbeitung"), blank=True)
    gdpr_data_subjects = models.TextField(_("Kategorien betroffener Personen"), blank=True)
    gdpr_recipients = models.TextField(_("Empfänger"), blank=True)
    gdpr_third_country = models.TextField(_("Übermittlung in Drittländer"), blank=True)
    gdpr_retention = models.TextField(_("Löschfristen"), blank=True)
    gdpr_measures = models.TextField(_("Technische und organisatorische Maßnahmen"), blank=True)
    cases_per_year = models.PositiveIntegerField(_("Fälle pro Jahr"), default=0)
    minutes_per_case = models.PositiveIntegerField(_("Minuten je Fall"), null=True, blank=True)
    staff_cost_rate = models.DecimalField(
        _("Personalkostensatz (€ je Stunde)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    deficits = models.TextField(_("bestehende Defizite"), blank=True)
    deficit_level = models.PositiveSmallIntegerField(_("Gewicht der Defizite"), choices=Level, default=Level.NONE)
    legal_basis = models.TextField(_("gesetzliche Grundlagen"), blank=True)
    digital_duty = models.BooleanField(_("gesetzliche Pflicht zum digitalen Angebot"), default=False)
    digital_duty_basis = models.CharField(_("Grundlage der Pflicht"), max_length=200, blank=True)
    digital_duty_due = models.DateField(_("digital anzubieten bis"), null=True, blank=True)
    automation_potential = models.PositiveSmallIntegerField(
        _("Automatisierungsmöglichkeit"), choices=Level, default=Level.NONE
    )
    it_system = models.CharField(_("eingesetztes IT-Verfahren"), max_length=200, blank=True)
    it_extension_potential = models.PositiveSmallIntegerField(
        _("Erweiterungsmöglichkeit des IT-Verfahrens"), choices=Level, default=Level.NONE
    )
    budget_need_teur = models.DecimalField(
        _("Budgetbedarf der Digitalisierung (T€)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    staff_need_days = models.PositiveIntegerField(
        _("Personalbedarf der Digitalisierung (Personentage)"), null=True, blank=True
    )
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="+", verbose_name=_("Leistungen"))
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Prozess")
        verbose_name_plural = _("Prozesse")
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="steering_process_key_per_tenant")]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    @property
    def hours_per_year(self) -> Decimal | None:
        if self.minutes_per_case is None:
            return None
        return (Decimal(self.cases_per_year) * self.minutes_per_case / 60).quantize(Decimal("0.1"))

    @property
    def cost_per_year(self) -> Decimal | None:
        """Staff cost of the process in € per year: cases × minutes ÷ 60 × hourly rate."""
        hours = self.hours_per_year
        if hours is None or self.staff_cost_rate is None:
            return None
        return (hours * self.staff_cost_rate).quantize(Decimal("1"))

    def target_group_labels(self) -> list[str]:
        return [str(TargetGroup(g).label) for g in self.target_groups if g in TargetGroup.values]


class ProcessVersion(TenantOwned):
    """One change of a process: who, when, from where, each field's old and new value; written once."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20)  # "form", "import", "demo"
    changes = models.JSONField(default=dict)  # field -> [old, new]

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["process", "number"], name="steering_process_version_once")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecord("Eine Version eines Prozesses wird nicht geändert.")
        super().save(*args, **kwargs)


class ImmutableRecord(Exception):
    """A history entry or a board decision was about to change: they are written once."""


class PriorityWeights(TenantOwned):
    """The digitalisation unit's weights (per cent; the benefit weights add up to 100, so do the feasibility ones)."""

    weights = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="steering_weights_once_per_tenant")]


class BoardDecision(TenantOwned):
    """A frozen ranking the administration board (Verwaltungsvorstand) decided on: never changed."""

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    decided_on = models.DateField(_("Datum des Beschlusses"))
    note = models.TextField(_("Vermerk"), blank=True)
    weights = models.JSONField(default=dict)
    ranking = models.JSONField(default=list)  # [{rank, key, uuid, name, unit, benefit, feasibility, score}]
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-created_at"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecord("Ein Beschluss des Verwaltungsvorstands wird nicht geändert.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecord("Ein Beschluss des Verwaltungsvorstands wird nicht gelöscht.")


class ActionField(TenantOwned):
    """Handlungsfeld of the strategy (Modernes Arbeiten, DMS/E-Akte, OZG, Informationssicherheit, Smart City)."""

    key = models.SlugField(_("Kurzname"), max_length=40)
    name = models.CharField(_("Bezeichnung"), max_length=120)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="steering_action_field_key")]

    def __str__(self) -> str:
        return self.name


class Project(TenantOwned):
    class Status(models.TextChoices):
        GREEN = "green", _("im Plan")
        YELLOW = "yellow", _("gefährdet")
        RED = "red", _("kritisch")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    action_field = models.ForeignKey(ActionField, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("Bezeichnung"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Projektleitung")
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status, default=Status.GREEN)
    status_reason = models.TextField(_("Begründung des Status"), blank=True)
    risks = models.TextField(_("Risiken"), blank=True)
    processes = models.ManyToManyField(Process, blank=True, related_name="projects", verbose_name=_("Prozesse"))
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="+", verbose_name=_("Leistungen"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action_field__position", "name"]

    def __str__(self) -> str:
        return self.name


class ProjectBudget(TenantOwned):
    """Budget of one project in one year, in thousand euros (T€), as the council's reports count it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("Jahr"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    planned_teur = models.DecimalField(_("geplant (T€)"), max_digits=9, decimal_places=1, default=Decimal(0))
    committed_teur = models.DecimalField(_("gebunden (T€)"), max_digits=9, decimal_places=1, default=Decimal(0))
    spent_teur = models.DecimalField(_("ausgegeben (T€)"), max_digits=9, decimal_places=1, default=Decimal(0))

    class Meta:
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="steering_budget_once_per_year")]


class Milestone(TenantOwned):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("Meilenstein"), max_length=200)
    due_on = models.DateField(_("geplant zum"))
    done_on = models.DateField(_("erreicht am"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]


class ProjectParticipant(TenantOwned):
    """An invited person (often external: IT service provider, consultants): sees and comments on this project only."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="steering_participant_once")]


class ProjectComment(TenantOwned):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("Kommentar"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class MaturityAssessment(TenantOwned):
    """A self-assessment of one service against the OZG Reifegradmodell 2.0: each criterion's stage (0–7);
    the weakest criterion decides the service's stage (``level``). Written once; the newest one counts."""

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    criteria = models.JSONField(default=dict)  # criterion key -> stage 0..7
    level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(7)])
    note = models.TextField(_("Vermerk"), blank=True)
    assessed_on = models.DateField(_("bewertet am"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecord("Eine Bewertung des Reifegrads wird nicht geändert.")
        super().save(*args, **kwargs)


# The live figures' fact tables (a module of their own; imported here so Django finds the models).
from .models_channels import CaseFact as CaseFact  # noqa: E402
from .models_channels import ChannelCount as ChannelCount  # noqa: E402
from .models_channels import DocumentFact as DocumentFact  # noqa: E402
from .models_channels import LoginFact as LoginFact  # noqa: E402
from .models_facts import ApplicationFact as ApplicationFact  # noqa: E402
from .models_facts import PaymentFact as PaymentFact  # noqa: E402
from .models_reports import Report as Report  # noqa: E402
