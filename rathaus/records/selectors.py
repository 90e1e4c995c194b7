"""Reads of the E-Akte: permission- and tenant-aware querysets (the permission is in the SQL, never a loop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from rathaus.identity.permissions import Role, visible
from rathaus.tenants.models import Municipality

from .models import Case, CaseFile, DocumentVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User

# Who works on cases: the caseworkers and leads of the owning unit and the units above it; the administration.
CASE_ROLES = (Role.CASEWORKER, Role.UNIT_LEAD)


def cases_visible_to(user: User | AnonymousUser, tenant: Municipality) -> QuerySet[Case]:
    cases = Case.objects.select_related("file", "owner_unit")
    return visible(user, tenant, cases, *CASE_ROLES, unit_field="owner_unit")


def files_visible_to(user: User | AnonymousUser, tenant: Municipality) -> QuerySet[CaseFile]:
    return visible(user, tenant, CaseFile.objects.select_related("plan_unit"), *CASE_ROLES, unit_field="owner_unit")


def case_of_application(tenant_id: int, number: str) -> Case | None:
    return Case.objects.for_tenant(tenant_id).select_related("file").filter(application_number=number).first()


def referenced_blob_keys() -> set[str]:
    """Every blob key a document version of any municipality points to (tombstones no longer do)."""
    return set(
        DocumentVersion.objects.unscoped().filter(destroyed_at__isnull=True).values_list("key", flat=True).distinct()
    )
