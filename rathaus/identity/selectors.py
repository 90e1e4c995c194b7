"""Reads about accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rathaus.tenants.models import Municipality

from .models import IdentityProvider, Organisation, Profile, StaffRole, User
from .trust import satisfies


def identity_providers(tenant: Municipality) -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.for_tenant(tenant).filter(is_active=True).order_by("name")


def acting_organisation(request: HttpRequest) -> Organisation | None:
    """The organisation the logged-in person acts for in this session (a business login), else ``None``.

    Other apps use this to let applications, messages and payments belong to the organisation, with the
    acting person (``request.user``) recorded. Only an organisation the person is recorded as representing,
    in the request's municipality, counts.
    """
    organisation_id = request.session.get("rathaus_acting_for_organisation")
    tenant = getattr(request, "tenant", None)
    if not organisation_id or tenant is None or not request.user.is_authenticated:
        return None
    return (
        Organisation.objects.for_tenant(tenant).filter(pk=organisation_id, representatives__user=request.user).first()
    )


@dataclasses.dataclass(frozen=True)
class Acting:
    """Who acts: ``user`` for themselves (``organisation_id`` None), or as a representative of that organisation.

    Business accounts act for the organisation (Mein Unternehmenskonto): what they start, submit, write and pay
    then belongs to the organisation, with ``user`` recorded as the acting person.
    """

    user: User
    organisation_id: int | None = None


def acting(request: HttpRequest) -> Acting:
    """Who acts in this request (the user must be logged in): the person, for the organisation the session's
    business login named, if any. The claim is not trusted on its own: :func:`owned_by` checks in the query
    that the person still represents the organisation, so removing the link ends the access at once."""
    organisation_id = request.session.get("rathaus_acting_for_organisation")
    return Acting(user=request.user, organisation_id=int(organisation_id) if organisation_id else None)  # type: ignore[arg-type]


def as_acting(who: User | Acting) -> Acting:
    """A plain account acts for itself."""
    return who if isinstance(who, Acting) else Acting(user=who)


def represented_by(user: User) -> QuerySet[Organisation]:
    """The organisations ``user`` is recorded as representing (in the account's municipality)."""
    if user.tenant_id is None:
        return Organisation.objects.unscoped().none()
    return Organisation.objects.for_tenant(user.tenant_id).filter(representatives__user=user)


def owned_by(who: User | Acting, *, person: str, organisation: str = "organisation") -> Q:
    """The condition "belongs to ``who``" for another module's rows, as one filter (no loop, no extra query).

    ``person`` names the row's account field (the owner, applicant, payer, recipient), ``organisation`` its
    organisation field. For oneself: the person's rows that belong to no organisation. For an organisation:
    its rows, whoever of its representatives made them, but only while ``who.user`` still represents it.
    """
    who = as_acting(who)
    if who.organisation_id is None:
        return Q(**{f"{organisation}__isnull": True, person: who.user})
    return Q(**{organisation: who.organisation_id, f"{organisation}__in": represented_by(who.user).values("pk")})


def organisation_of(tenant: Municipality | int, organisation_id: int) -> Organisation | None:
    """One organisation of the municipality by id (for showing whose something is), else None."""
    return Organisation.objects.for_tenant(tenant).filter(pk=organisation_id).first()


def organisations_of(user: User) -> QuerySet[Organisation]:
    """The organisations ``user`` has acted for (business logins), most recent first."""
    return (
        Organisation.objects.for_tenant(user.tenant_id)
        .filter(representatives__user=user)
        .order_by("-representatives__last_acted_at")
    )


def linkable_providers(user: User) -> QuerySet[IdentityProvider]:
    """The active providers of the account's municipality it is not yet connected to (``/konto/verbinden/``)."""
    return (
        IdentityProvider.objects.for_tenant(user.tenant_id)
        .filter(is_active=True)
        .exclude(identities__user=user)
        .order_by("name")
    )


def provider_reaches(provider: IdentityProvider, level: str) -> bool:
    return satisfies(provider.max_trust_level(), level)


def profile_of(user: User) -> Profile:
    profile = Profile.objects.for_tenant(user.tenant_id).filter(user=user).first()
    if profile is None:
        profile = Profile.objects.create(tenant_id=user.tenant_id, user=user)
    return profile


# What a form may prefill from the account (a field's ``prefill`` names one of these).
PREFILL_FIELDS = ("first_name", "last_name", "birth_date", "street", "postal_code", "city", "email", "phone")


def prefill_values(user: User) -> dict[str, Any]:
    """The account's values a form may prefill, JSON-ready (dates as ISO strings); empty values are left out."""
    values: dict[str, Any] = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    profile = Profile.objects.for_tenant(user.tenant_id).filter(user=user).first() if user.tenant_id else None
    if profile is not None:
        for name in PREFILL_FIELDS:
            value = getattr(profile, name, None)
            if value:
                values[name] = value.isoformat() if isinstance(value, dt.date) else value
    return {name: value for name, value in values.items() if value}


def notifies_by_email(user: User) -> bool:
    """Whether news for this account (status, messages) go out by e-mail as well as to the portal mailbox.

    The profile's choice; an account without a profile gets e-mail, an account without an address or a
    deleted (inactive) account none.
    """
    if not user.email or user.tenant_id is None or not user.is_active:
        return False
    profiles = Profile.objects.for_tenant(user.tenant_id).filter(user=user)
    channel = profiles.values_list("preferred_channel", flat=True).first() or Profile.Channel.EMAIL
    return channel == Profile.Channel.EMAIL


def notice_recipients_of_organisation(tenant_id: int, organisation_id: int) -> QuerySet[User]:
    """The accounts to tell by e-mail about the organisation's matters: its representatives in the municipality
    that are active, have an address and chose e-mail (or have no profile) — as :func:`notifies_by_email` says
    for one account, in one query."""
    return (
        User.objects.filter(
            tenant_id=tenant_id,
            is_active=True,
            represented_organisations__organisation_id=organisation_id,
            represented_organisations__tenant_id=tenant_id,
        )
        .exclude(email="")
        .filter(Q(profile__isnull=True) | Q(profile__preferred_channel__in=[Profile.Channel.EMAIL, ""]))
        .distinct()
        .order_by("pk")
    )


def roles_of(user: User) -> QuerySet[StaffRole]:
    """The account's role assignments, for showing them; whether a role counts is ``permissions.has_role``."""
    return StaffRole.objects.for_tenant(user.tenant_id).filter(user=user).select_related("org_unit")


def webauthn_credentials_of(user: User) -> QuerySet[WebAuthnCredential]:
    """The security keys/passkeys of one account (keys belong to a user, and users to one municipality)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
        F("last_used_at").desc(nulls_last=True), "-created_at"
    )


def totp_device(user: User, *, confirmed: bool | None = None) -> TOTPDevice | None:
    """The account's authenticator app (Rathaus keeps one, named ``rathaus``); ``confirmed`` filters on its state."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed)
    return devices.filter(name="rathaus").first()


def staff_second_factor_count(user: User) -> int:
    """How many ways the staff login's second step accepts: the confirmed TOTP app plus every key."""
    return int(totp_device(user, confirmed=True) is not None) + webauthn_credentials_of(user).count()
