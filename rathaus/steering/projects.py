"""Writes of the digitalisation projects: action fields, projects, budgets (T€ per year), milestones,
invited participants and their comments.

Every function takes the municipality explicitly and checks that what it links (action field, owner,
processes, services) belongs to it. Errors are ``ValidationFailed`` with German ``errors`` per field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from rathaus.core.errors import ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.mailbox import services as mailbox
from rathaus.tenants.models import Municipality

from . import selectors
from .fields import FieldError, Spec, parse_date, parse_decimal
from .models import ActionField, Milestone, Process, Project, ProjectBudget, ProjectComment, ProjectParticipant

if TYPE_CHECKING:
    from rathaus.identity.models import User

_TEUR = Spec("teur", "T€", "teur")
_DATE = Spec("date", "Datum", "date")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def text(
        self, raw: Mapping[str, Any], field: str, *, limit: int, required: bool = False, multiline: bool = False
    ) -> str:
        try:
            value = clean_text(str(raw.get(field) or ""), multiline=multiline)
        except TextRefused as exc:
            self.add(field, exc.message)
            return ""
        if required and not value:
            self.add(field, "Pflichtangabe fehlt.")
        elif len(value) > limit:
            self.add(field, f"Ist zu lang (höchstens {limit} Zeichen).")
        return value

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed("Bitte prüfen Sie die markierten Angaben.", errors=self.items)


def save_action_field(*, tenant: Municipality, raw: Mapping[str, Any]) -> ActionField:
    errors = _Errors()
    key = errors.text(raw, "key", limit=40, required=True).lower()
    name = errors.text(raw, "name", limit=120, required=True)
    if key and not _SLUG.match(key):
        errors.add("key", "Nur Kleinbuchstaben, Ziffern und Bindestriche (z. B. e-akte).")
    position_text = str(raw.get("position") or "0").strip()
    if not position_text.isdigit() or int(position_text) > 999:
        errors.add("position", "Bitte eine Zahl von 0 bis 999 angeben.")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            return ActionField.objects.create(tenant=tenant, key=key, name=name, position=int(position_text))
    except IntegrityError:
        raise ValidationFailed(
            "Bitte prüfen Sie die markierten Angaben.",
            errors=[{"field": "key", "message": "Diesen Kurznamen gibt es schon."}],
        ) from None


def save_project(
    *, tenant: Municipality, raw: Mapping[str, Any], lists: Mapping[str, list[str]], project: Project | None = None
) -> Project:
    """Create or change a project. ``raw``: name, action_field (key), owner (account id), description,
    status, status_reason, risks; ``lists``: processes (uuids), services (LeiKa keys)."""
    errors = _Errors()
    name = errors.text(raw, "name", limit=200, required=True)
    description = errors.text(raw, "description", limit=5000, multiline=True)
    reason = errors.text(raw, "status_reason", limit=2000, multiline=True)
    risks = errors.text(raw, "risks", limit=5000, multiline=True)
    field = selectors.action_fields(tenant).filter(key=str(raw.get("action_field") or "")[:40]).first()
    if field is None:
        errors.add("action_field", "Bitte ein Handlungsfeld wählen.")
    owner_id = str(raw.get("owner") or "")
    owner = selectors.project_owners(tenant).filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    if owner is None:
        errors.add("owner", "Bitte die Projektleitung wählen (Beschäftigte der Kommune).")
    status = str(raw.get("status") or Project.Status.GREEN)
    if status not in Project.Status.values:
        errors.add("status", "Bitte einen Status wählen.")
    elif status != Project.Status.GREEN and not reason:
        errors.add("status_reason", "Bei »gefährdet« oder »kritisch« bitte den Grund nennen.")
    process_ids = list(
        Process.objects.for_tenant(tenant)
        .filter(uuid__in=[u for u in lists.get("processes", []) if _is_uuid(u)])
        .values_list("pk", flat=True)
    )
    if len(process_ids) != len(set(lists.get("processes", []))):
        errors.add("processes", "Ein gewählter Prozess gehört nicht zum Katalog der Kommune.")
    known = selectors.service_keys(tenant)
    unknown = [key for key in lists.get("services", []) if key not in known]
    if unknown:
        errors.add("services", "Eine gewählte Leistung gehört nicht zum Katalog der Kommune.")
    errors.raise_if_any()
    assert field is not None and owner is not None
    with transaction.atomic():
        if project is None:
            project = Project(tenant=tenant)
        project.name, project.description, project.action_field, project.owner = name, description, field, owner
        project.status, project.status_reason, project.risks = status, reason, risks
        project.save()
        project.processes.set(process_ids)
        project.services.set([known[key] for key in set(lists.get("services", []))])
    return project


def _is_uuid(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F-]{32,36}", value))


def set_budget(*, tenant: Municipality, project: Project, raw: Mapping[str, Any]) -> ProjectBudget:
    """Planned, committed and spent money of one year in T€ (one decimal); a figure that looks like euros: refused."""
    errors = _Errors()
    year_text = str(raw.get("year") or "").strip()
    if not (year_text.isdigit() and len(year_text) == 4 and 2000 <= int(year_text) <= 2100):
        errors.add("year", "Bitte ein Jahr zwischen 2000 und 2100 angeben (JJJJ).")
    amounts: dict[str, Any] = {}
    for key in ("planned_teur", "committed_teur", "spent_teur"):
        try:
            amounts[key] = parse_decimal(raw.get(key), _TEUR) or 0
        except FieldError as exc:
            errors.add(key, str(exc))
    errors.raise_if_any()
    with transaction.atomic():
        budget, _created = (
            ProjectBudget.objects.for_tenant(tenant)
            .select_for_update()
            .update_or_create(tenant=tenant, project=project, year=int(year_text), defaults=amounts)
        )
    return budget


def add_milestone(*, tenant: Municipality, project: Project, raw: Mapping[str, Any]) -> Milestone:
    errors = _Errors()
    title = errors.text(raw, "title", limit=200, required=True)
    due_on: dt.date | None = None
    try:
        due_on = parse_date(raw.get("due_on"), _DATE)
    except FieldError as exc:
        errors.add("due_on", str(exc))
    else:
        if due_on is None:
            errors.add("due_on", "Bitte das geplante Datum angeben (TT.MM.JJJJ).")
    errors.raise_if_any()
    assert due_on is not None
    return Milestone.objects.create(tenant=tenant, project=project, title=title, due_on=due_on)


def complete_milestone(*, tenant: Municipality, project: Project, milestone_id: str, done_on: dt.date) -> Milestone:
    milestone = (
        Milestone.objects.for_tenant(tenant).filter(project=project, pk=int(milestone_id)).first()
        if milestone_id.isdigit()
        else None
    )
    if milestone is None:
        raise ValidationFailed("Diesen Meilenstein gibt es in diesem Projekt nicht.")
    if milestone.done_on is None:
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
    return milestone


def invite(*, tenant: Municipality, project: Project, email: str, actor: User) -> ProjectParticipant:
    """Invite the account with ``email`` (of this municipality) to the project; told through their mailbox."""
    account = selectors.account_by_email(tenant, email[:254])
    if account is None:
        raise ValidationFailed(
            "Es gibt kein aktives Konto mit dieser E-Mail-Adresse. Die Person registriert sich zuerst im Portal "
            "(»Konto anlegen«); danach können Sie sie einladen.",
            errors=[{"field": "email", "message": "Kein Konto mit dieser E-Mail-Adresse."}],
        )
    with transaction.atomic():
        participant, created = ProjectParticipant.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, project=project, user=account
        )
        if created:
            mailbox.post(
                tenant=tenant,
                recipient=account,
                reference=f"project:{project.uuid}",
                subject=project.name,
                sender=actor,
                from_office=True,
                body=(
                    f"Sie sind zur Mitarbeit am Digitalisierungsprojekt »{project.name}« eingeladen. "
                    f"Sie finden es nach der Anmeldung unter /intern/steuerung/beteiligung/{project.uuid}/ ."
                ),
            )
            transaction.on_commit(
                lambda: mailbox.notify(
                    recipient=account, subject="Einladung zu einem Projekt", text="Sie haben eine neue Nachricht."
                )
            )
    return participant


def comment(*, tenant: Municipality, project: Project, author: User, body: str) -> ProjectComment:
    errors = _Errors()
    text = errors.text({"body": body}, "body", limit=5000, required=True, multiline=True)
    errors.raise_if_any()
    return ProjectComment.objects.create(tenant=tenant, project=project, author=author, body=text)
