"""Reads of online applications, scoped by municipality and by who may see what (in the queryset)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rathaus.catalog.models import Service
from rathaus.identity.permissions import Role, visible
from rathaus.identity.trust import TrustLevel, rank
from rathaus.tenants.models import Municipality

from .models import Application, Draft, FormVersion, Message

if TYPE_CHECKING:
    from rathaus.identity.models import User

# Who works on the applications of a unit (and of the units below it); the administration sees all.
OFFICE_ROLES = (Role.CASEWORKER, Role.UNIT_LEAD, Role.CITIZENS_OFFICE)


def current_form(tenant: Municipality, service: Service) -> FormVersion | None:
    """The service's newest published form version, or None when it has no online form."""
    return (
        FormVersion.objects.for_tenant(tenant)
        .filter(service=service, published_at__isnull=False)
        .order_by("-version")
        .first()
    )


def needed_level(service: Service) -> str:
    """Online applications need an account: at least *niedrig*, or what the service demands."""
    return max(service.trust_level, TrustLevel.LOW, key=rank)


def drafts_of(tenant: Municipality, user: User) -> QuerySet[Draft]:
    return (
        Draft.objects.for_tenant(tenant)
        .filter(owner=user, expires_at__gt=timezone.now())
        .select_related("form_version__service")
        # The definition is parsed once per published version and cached (FormVersion.parsed).
        .defer("form_version__definition")
        .order_by("-updated_at")
    )


def draft_of(tenant: Municipality, user: User, draft_uuid: Any) -> Draft | None:
    return drafts_of(tenant, user).filter(uuid=draft_uuid).first()


def applications_of(tenant: Municipality, user: User) -> QuerySet[Application]:
    unread = Count("messages", filter=Q(messages__from_office=True, messages__read_at__isnull=True))
    return (
        Application.objects.for_tenant(tenant)
        .filter(applicant=user)
        .select_related("service")
        .annotate(unread=unread)
        .order_by("-submitted_at")
    )


def application_of(tenant: Municipality, user: User, number: str) -> Application | None:
    return (
        Application.objects.for_tenant(tenant)
        .filter(applicant=user, number=number)
        .select_related("service", "org_unit", "form_version")
        .first()
    )


def applications_for_office(tenant: Municipality, user: User) -> QuerySet[Application]:
    """Forwarded applications of the staff member's units and the units below (not those awaiting payment)."""
    qs = Application.objects.for_tenant(tenant).filter(forwarded_at__isnull=False)
    qs = visible(user, tenant, qs, *OFFICE_ROLES)
    unread = Count("messages", filter=Q(messages__from_office=False, messages__read_at__isnull=True))
    return qs.select_related("service", "org_unit", "applicant").annotate(unread=unread).order_by("-submitted_at")


def application_for_office(tenant: Municipality, user: User, number: str) -> Application | None:
    return applications_for_office(tenant, user).filter(number=number).first()


def thread(application: Application) -> QuerySet[Message]:
    return Message.objects.for_tenant(application.tenant_id).filter(application=application).select_related("sender")
