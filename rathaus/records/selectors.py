"""Reads of the E-Akte: permission- and tenant-aware querysets (the permission is in the SQL, never a loop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from rathaus.identity.permissions import Role, unit_ids_with_role, visible
from rathaus.tenants.models import Municipality

from .models import Case, CaseFile, DocumentVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User

# Who works on cases: the caseworkers and leads of the owning unit and the units above it; the administration.
CASE_ROLES = (Role.CASEWORKER, Role.UNIT_LEAD)


def case_units_of(user: User | AnonymousUser, tenant: Municipality) -> list[int]:
    """Ids of the units whose cases ``user`` works on in ``tenant`` (all of them for the administration)."""
    return unit_ids_with_role(user, tenant, *CASE_ROLES)


def cases_visible_to(user: User | AnonymousUser, tenant: Municipality) -> QuerySet[Case]:
    """The cases of ``tenant`` whose owner unit ``user`` works in (one query for the units first, once a request).

    The unit ids are read first and go into the query as a list (``owner_unit_id IN (…)``), so the database
    uses the ``(tenant, owner_unit, status)`` index; ``permissions.visible``'s ``admin OR unit IN (subquery)``
    makes PostgreSQL read every case of the municipality and test each. Same answer: a case's unit always
    belongs to its municipality, and the administration's units are all of them.
    """
    units = case_units_of(user, tenant)
    return Case.objects.for_tenant(tenant).select_related("file", "owner_unit").filter(owner_unit_id__in=units)


def files_visible_to(user: User | AnonymousUser, tenant: Municipality) -> QuerySet[CaseFile]:
    return visible(user, tenant, CaseFile.objects.select_related("plan_unit"), *CASE_ROLES, unit_field="owner_unit")


def case_of_application(tenant_id: int, number: str) -> Case | None:
    return Case.objects.for_tenant(tenant_id).select_related("file").filter(application_number=number).first()


def referenced_blob_keys() -> set[str]:
    """Every blob key a document version of any municipality points to (tombstones no longer do)."""
    return set(
        DocumentVersion.objects.unscoped().filter(destroyed_at__isnull=True).values_list("key", flat=True).distinct()
    )
