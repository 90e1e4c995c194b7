"""Reads of the steering module: who sees which processes and projects, the ranking, the latest maturity.

Permissions are in the querysets (``identity.permissions``): the digitalisation unit and the administration
see every process of their municipality; a unit lead sees the processes of the units they lead (and the
units below). Projects are for the digitalisation unit and the administration; an invited participant sees
only the project they are invited to (``project_for_participant``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from rathaus.catalog.selectors import published_services
from rathaus.identity import permissions
from rathaus.identity.permissions import STEERING, STEERING_UNITS
from rathaus.tenants.models import Municipality
from rathaus.tenants.selectors import org_units

from . import scoring
from .models import (
    ActionField,
    BoardDecision,
    MaturityAssessment,
    PriorityWeights,
    Process,
    Project,
    ProjectParticipant,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User as UserModel

    AnyUser = UserModel | AnonymousUser

User = get_user_model()


def edits_everything(user: AnyUser, tenant: Municipality) -> bool:
    """The digitalisation unit and the administration: every process, the priorities, projects, maturity."""
    return permissions.has_role(user, tenant, *STEERING)


def may_use_catalog(user: AnyUser, tenant: Municipality) -> bool:
    return permissions.has_role(user, tenant, *STEERING, *STEERING_UNITS)


def processes_visible_to(user: AnyUser, tenant: Municipality) -> QuerySet[Process]:
    processes = Process.objects.for_tenant(tenant).select_related("org_unit")
    if edits_everything(user, tenant):
        return processes
    return permissions.visible(user, tenant, processes, *STEERING_UNITS)


def process_for(user: AnyUser, tenant: Municipality, process_uuid: uuid.UUID) -> Process | None:
    return processes_visible_to(user, tenant).filter(uuid=process_uuid).first()


def unit_keys_for(user: AnyUser, tenant: Municipality) -> dict[str, int]:
    """The units whose processes ``user`` may create and change: key → id."""
    if edits_everything(user, tenant):
        units = org_units(tenant)
    else:
        units = permissions.units_with_role(user, tenant, *STEERING_UNITS).order_by("key")
    return dict(units.values_list("key", "pk"))


def all_unit_keys(tenant: Municipality) -> dict[str, int]:
    return dict(org_units(tenant).values_list("key", "pk"))


def service_keys(tenant: Municipality) -> dict[str, int]:
    """LeiKa key → id of the municipality's services a process or project may name."""
    return dict(published_services(tenant).values_list("leika_key", "pk"))


def service_choices(tenant: Municipality) -> list[tuple[str, str]]:
    return list(published_services(tenant).order_by("name").values_list("leika_key", "name"))


def history(process: Process) -> QuerySet[Any]:
    return process.versions.select_related("changed_by").order_by("-number")


def service_keys_of(process: Process) -> list[str]:
    return sorted(process.services.values_list("leika_key", flat=True))


# ------------------------------------------------------------------------------------------ prioritisation


def current_weights(tenant: Municipality) -> dict[str, int]:
    row = PriorityWeights.objects.for_tenant(tenant).first()
    weights = dict(scoring.DEFAULT_WEIGHTS)
    if row is not None:
        weights.update({k: int(v) for k, v in row.weights.items() if k in weights})
    return weights


def facts_of(process: Process) -> scoring.Facts:
    return scoring.Facts(
        key=process.key,
        name=process.name,
        cases_per_year=process.cases_per_year,
        target_groups=tuple(process.target_groups),
        digital_duty=process.digital_duty,
        digital_duty_due=process.digital_duty_due,
        deficit_level=process.deficit_level,
        cost_per_year=process.cost_per_year,
        automation_potential=process.automation_potential,
        it_extension_potential=process.it_extension_potential,
        budget_need_teur=process.budget_need_teur,
        staff_need_days=process.staff_need_days,
    )


@dataclass(frozen=True)
class RankedProcess:
    process: Process
    scored: scoring.Scored

    @property
    def quadrant(self) -> str:
        return scoring.quadrant(self.scored)


def ranking(tenant: Municipality, weights: dict[str, int], *, today: dt.date) -> list[RankedProcess]:
    """Every process of the municipality, ranked by ``weights`` (highest score first)."""
    processes = {p.key: p for p in Process.objects.for_tenant(tenant).select_related("org_unit")}
    scored = scoring.score([facts_of(p) for p in processes.values()], weights, today=today)
    return [RankedProcess(process=processes[s.facts.key], scored=s) for s in scored]


def costliest(tenant: Municipality, limit: int = 10) -> list[Process]:
    """The most cost- and staff-intensive processes (seed 003): by staff cost per year, then by hours."""
    processes = [p for p in Process.objects.for_tenant(tenant).select_related("org_unit") if p.hours_per_year]
    processes.sort(key=lambda p: (-(p.cost_per_year or 0), -(p.hours_per_year or 0), p.key))
    return processes[:limit]


def decisions(tenant: Municipality) -> QuerySet[BoardDecision]:
    return BoardDecision.objects.for_tenant(tenant).select_related("created_by")


def decision(tenant: Municipality, decision_uuid: uuid.UUID) -> BoardDecision | None:
    return decisions(tenant).filter(uuid=decision_uuid).first()


# ----------------------------------------------------------------------------------------------- projects


def action_fields(tenant: Municipality) -> QuerySet[ActionField]:
    return ActionField.objects.for_tenant(tenant)


def projects(tenant: Municipality) -> QuerySet[Project]:
    return (
        Project.objects.for_tenant(tenant)
        .select_related("action_field", "owner")
        .prefetch_related("budgets", "milestones")
    )


def project(tenant: Municipality, project_uuid: uuid.UUID) -> Project | None:
    return projects(tenant).filter(uuid=project_uuid).first()


def project_for_participant(user: AnyUser, tenant: Municipality, project_uuid: uuid.UUID) -> Project | None:
    """The project, if ``user`` (an account of this municipality) is invited to it; otherwise None."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "tenant_id", None) != tenant.pk:
        return None
    if not user.is_active:
        return None
    invited = ProjectParticipant.objects.for_tenant(tenant).filter(user_id=user.pk).values("project_id")
    return projects(tenant).filter(uuid=project_uuid, pk__in=invited).first()


def participations(user: AnyUser, tenant: Municipality) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False) or getattr(user, "tenant_id", None) != tenant.pk:
        return Project.objects.for_tenant(tenant).none()
    invited = ProjectParticipant.objects.for_tenant(tenant).filter(user_id=user.pk).values("project_id")
    return Project.objects.for_tenant(tenant).filter(pk__in=invited)


def account_by_email(tenant: Municipality, email: str) -> Any:
    """An active account of the municipality with this e-mail address (any kind), or None."""
    return User.objects.filter(tenant=tenant, email__iexact=email.strip(), is_active=True).first()


def project_owners(tenant: Municipality) -> QuerySet[Any]:
    """Staff who may lead a project: the municipality's staff accounts (through identity's selector)."""
    return User.objects.filter(tenant=tenant, kind=User.Kind.STAFF, is_active=True).order_by("last_name", "email")


# ----------------------------------------------------------------------------------------------- maturity


def latest_assessments(tenant: Municipality) -> dict[int, MaturityAssessment]:
    """service id → its newest self-assessment."""
    latest: dict[int, MaturityAssessment] = {}
    newest_first = ("service_id", "-assessed_on", "-created_at", "-pk")
    for assessment in MaturityAssessment.objects.for_tenant(tenant).order_by(*newest_first):
        latest.setdefault(assessment.service_id, assessment)
    return latest


def service_maturity(tenant: Municipality, service_id: int) -> int | None:
    """The service's OZG maturity (Reifegradmodell 2.0): the stage of its newest assessment, None if never assessed.

    This is the figure reports and the catalog should show, rather than a number typed in by hand.
    """
    latest = MaturityAssessment.objects.for_tenant(tenant).filter(service_id=service_id).first()
    return None if latest is None else latest.level


def assessments_of(tenant: Municipality, service_id: int) -> QuerySet[MaturityAssessment]:
    return MaturityAssessment.objects.for_tenant(tenant).filter(service_id=service_id).select_related("created_by")
