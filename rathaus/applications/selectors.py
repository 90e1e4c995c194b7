"""Reads of online applications, scoped by municipality and by who may see what (in the queryset)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from rathaus import formengine
from rathaus.catalog.models import Service
from rathaus.identity.permissions import Role, visible
from rathaus.identity.selectors import Acting, owned_by
from rathaus.identity.trust import TrustLevel, rank
from rathaus.mailbox import selectors as mailbox
from rathaus.tenants.models import Municipality

from .models import MAILBOX_KIND, Application, Draft, FormVersion, OnlineApplicants, StatusEvent, TargetGroup

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


def target_group(service: Service) -> str:
    """Who may apply online for the service (``TargetGroup``); everyone unless the municipality said otherwise."""
    found = (
        OnlineApplicants.objects.for_tenant(service.tenant_id)
        .filter(service=service)
        .values_list("target_group", flat=True)
        .first()
    )
    return found or TargetGroup.EVERYONE


def applies_as_allowed(service: Service, organisation_id: int | None) -> bool:
    """Whether someone acting for an organisation (``organisation_id``) or for themselves (None) may apply."""
    group = target_group(service)
    if group == TargetGroup.ORGANISATIONS:
        return organisation_id is not None
    if group == TargetGroup.PERSONS:
        return organisation_id is None
    return True


def needed_level(service: Service) -> str:
    """Online applications need an account: at least *niedrig*, or what the service demands."""
    return max(service.trust_level, TrustLevel.LOW, key=rank)


# Who owns what: a person their own drafts and applications; acting for an organisation (a business login),
# the organisation's, whichever representative started or submitted them, while the person still represents
# it. Every lookup of a citizen's or business's draft or application goes through these selectors
# (``identity.selectors.owned_by`` is the one rule, shared with the mailbox and payments).


def drafts_of(tenant: Municipality, who: User | Acting) -> QuerySet[Draft]:
    """The open drafts of ``who`` (a person for themselves, or acting for an organisation), newest first."""
    return (
        Draft.objects.for_tenant(tenant)
        .filter(owned_by(who, person="owner"), expires_at__gt=timezone.now())
        .select_related("form_version__service", "owner")
        # The definition is parsed once per published version and cached (FormVersion.parsed).
        .defer("form_version__definition")
        .order_by("-updated_at")
    )


def draft_of(tenant: Municipality, who: User | Acting, draft_uuid: Any) -> Draft | None:
    return drafts_of(tenant, who).filter(uuid=draft_uuid).first()


def _unread(tenant: Municipality, *, for_office: bool) -> Any:
    """Per application, the messages of its mailbox thread the other side has not read (in the same query)."""
    reference = Concat(Value(f"{MAILBOX_KIND}:"), OuterRef("number"), output_field=CharField())
    return mailbox.unread_subquery(tenant, reference, for_office=for_office)


def applications_of(tenant: Municipality, who: User | Acting) -> QuerySet[Application]:
    """The applications of ``who`` (a person's own, or an organisation's), newest first, with ``unread``."""
    unread = _unread(tenant, for_office=False)
    return (
        Application.objects.for_tenant(tenant)
        .filter(owned_by(who, person="applicant"))
        .select_related("service", "applicant", "organisation")
        .annotate(unread=unread)
        .order_by("-submitted_at")
    )


def application_of(tenant: Municipality, who: User | Acting, number: str) -> Application | None:
    return (
        Application.objects.for_tenant(tenant)
        .filter(owned_by(who, person="applicant"), number=number)
        .select_related("service", "org_unit", "form_version", "applicant", "organisation", "started_by")
        .first()
    )


def applications_for_office(tenant: Municipality, user: User) -> QuerySet[Application]:
    """Forwarded applications of the staff member's units and the units below (not those awaiting payment)."""
    qs = Application.objects.for_tenant(tenant).filter(forwarded_at__isnull=False)
    qs = visible(user, tenant, qs, *OFFICE_ROLES)
    unread = _unread(tenant, for_office=True)
    return (
        qs.select_related("service", "org_unit", "applicant", "organisation", "started_by")
        .annotate(unread=unread)
        .order_by("-submitted_at")
    )


def application_for_office(tenant: Municipality, user: User, number: str) -> Application | None:
    return applications_for_office(tenant, user).filter(number=number).first()


def file_of(application: Application, sha256: str) -> dict[str, Any] | None:
    """A file of the application or of its mailbox thread by content hash: {key, name, content_type, size}."""
    found = application.attachments.filter(sha256=sha256).values("key", "name", "content_type", "size").first()
    if found:
        return dict(found)
    return mailbox.file_of(application.tenant_id, application.mailbox_reference, sha256)


def all_drafts_of(tenant: Municipality, user: User) -> QuerySet[Draft]:
    """Every draft ``user`` started for themselves, expired ones included (for the data export), newest first.
    Drafts started for an organisation are the organisation's."""
    return (
        Draft.objects.for_tenant(tenant)
        .filter(owned_by(user, person="owner"))
        .select_related("form_version__service")
        .order_by("-updated_at")
    )


def status_history(application: Application) -> QuerySet[StatusEvent]:
    """The application's status changes, oldest first."""
    return StatusEvent.objects.for_tenant(application.tenant_id).filter(application=application).order_by("at", "pk")


def attachments_of(application: Application) -> list[dict[str, Any]]:
    """The application's files as {field, name, content_type, size, sha256}."""
    rows = application.attachments.order_by("pk").values("field", "name", "content_type", "size", "sha256")
    return [dict(row) for row in rows]


def application_by_number(tenant_id: int, number: str) -> Application | None:
    """The application itself, for modules that act on its events (records files it as a case)."""
    return (
        Application.objects.for_tenant(tenant_id)
        .select_related("service", "applicant", "organisation", "started_by", "org_unit", "form_version", "tenant")
        .filter(number=number)
        .first()
    )


def answers_text(application: Application) -> str:
    """The application's answers as plain text, one "step / group / label: value" per line (full-text search)."""
    lines = [application.service.name]
    for step in formengine.summary(application.form_version.parsed(), application.answers):
        for group in step.groups:
            lines.extend(f"{group.title} – {row.label}: {row.value}" for row in group.rows)
    return "\n".join(lines)


def answers_json(application: Application) -> bytes:
    """The application as structured data (UTF-8 JSON): what was asked, what was answered, the fee."""
    document = {
        "number": application.number,
        "organisation": _organisation_json(application),
        "submitted_by": application.applicant.get_full_name() or application.applicant.email,
        "service": {"leika_key": application.service.leika_key, "name": application.service.name},
        "form_version": application.form_version_id,
        "submitted_at": application.submitted_at.isoformat(),
        "trust_level": application.trust_level,
        "answers": application.answers,
        "fee_lines": application.fee_lines,
        "fee_total": str(application.fee_total),
        "attachments": attachments_of(application),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()


def submitted_by_for_organisations(tenant: Municipality, user: User) -> QuerySet[Application]:
    """The applications ``user`` submitted for an organisation (for the person's data export: who acted)."""
    return (
        Application.objects.for_tenant(tenant)
        .filter(applicant=user, organisation__isnull=False)
        .select_related("service", "organisation")
        .order_by("-submitted_at")
    )


def _organisation_json(application: Application) -> dict[str, str] | None:
    organisation = application.organisation
    if organisation is None:
        return None
    return {
        "name": organisation.name,
        "legal_form": organisation.legal_form,
        "register_number": organisation.register_number,
        "address": ", ".join(
            part for part in (organisation.street, f"{organisation.postal_code} {organisation.city}".strip()) if part
        ),
    }
