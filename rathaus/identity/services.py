"""Writes for accounts: registration, e-mail verification, session trust level, staff second factor."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth import login, logout
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.core import events
from rathaus.core.errors import NotFound, PermissionDenied, ValidationFailed
from rathaus.tenants.models import Municipality

from .events import LOGIN_SUCCEEDED, LoginSucceeded
from .models import ExternalIdentity, IdentityProvider, Organisation, OrganisationRepresentative, Profile, User
from .selectors import staff_second_factor_count, totp_device, webauthn_credentials_of
from .tasks import send_account_mail
from .trust import SESSION_KEY, TrustLevel, rank

_VERIFY_SALT = "rathaus.identity.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600


def register_citizen(
    *,
    tenant: Municipality,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    company_name: str = "",
) -> User:
    """Create an unverified local account and its profile. Raises ValidationFailed on a taken address."""
    kind = User.Kind.BUSINESS if company_name else User.Kind.CITIZEN
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, tenant=tenant, kind=kind, first_name=first_name, last_name=last_name
            )
            Profile.objects.create(tenant=tenant, user=user, company_name=company_name)
    except IntegrityError:
        raise ValidationFailed(
            _(
                "Mit dieser E-Mail-Adresse gibt es bereits ein Konto. "
                "Melden Sie sich an oder setzen Sie Ihr Passwort zurück."
            ),
            errors=[{"field": "email", "message": _("Diese E-Mail-Adresse ist bereits registriert.")}],
        ) from None
    return user


def verification_token(user: User) -> str:
    """A link token for this account, address and municipality; signed with SECRET_KEY, valid VERIFY_MAX_AGE.

    The salt scopes it to e-mail confirmation (no other signed value of the house is accepted as one).
    """
    return signing.dumps({"u": user.pk, "e": user.email, "t": user.tenant_id}, salt=_VERIFY_SALT)


def send_verification_mail(request: HttpRequest, user: User) -> None:
    link = request.build_absolute_uri(reverse("identity:verify_email", args=[verification_token(user)]))
    tenant = user.tenant
    subject = _("Bitte bestätigen Sie Ihre E-Mail-Adresse – %(name)s") % {"name": tenant.name if tenant else ""}
    body = _(
        "Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse mit diesem Link (3 Tage gültig):\n%(link)s\n\n"
        "Wenn Sie sich nicht registriert haben, können Sie diese Nachricht ignorieren."
    ) % {"link": link}
    # Sent after the account row is committed, by a worker in production (eager in the embedded mode).
    transaction.on_commit(lambda: send_account_mail.delay(subject=subject, body=body, recipient=user.email))


def user_for_verification_token(*, tenant: Municipality, token: str) -> User:
    """The account a verification link is for, without changing anything (the link opens a page whose button
    confirms: a mail scanner that follows links must not confirm). ValidationFailed for a forged, expired or
    foreign token."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(_("Der Bestätigungslink ist abgelaufen. Bitte fordern Sie einen neuen an.")) from None
    except signing.BadSignature:
        raise ValidationFailed(_("Der Bestätigungslink ist ungültig.")) from None
    if data.get("t") != tenant.pk:  # only we sign with this salt: data is always our dict
        raise ValidationFailed(_("Der Bestätigungslink ist ungültig."))
    user = User.objects.filter(pk=data.get("u"), tenant=tenant, email=data.get("e")).first()
    if user is None:
        raise ValidationFailed(_("Der Bestätigungslink ist ungültig."))
    return user


def verify_email(*, tenant: Municipality, token: str) -> User:
    """Mark the address verified. Raises ValidationFailed for a forged, expired or foreign token."""
    user = user_for_verification_token(tenant=tenant, token=token)
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def start_citizen_session(
    request: HttpRequest, user: User, *, trust_level: str, backend: str, source: str = "password"
) -> None:
    """Log the citizen in and record the trust level of *this* authentication in the session; announce the
    login (``identity.login``: kind, trust level, ``source`` — no person) for the figures."""
    login(request, user, backend=backend)
    if user.tenant_id is not None:
        with transaction.atomic():
            events.publish(
                user.tenant_id,
                LOGIN_SUCCEEDED,
                "",
                LoginSucceeded(kind=str(user.kind), trust_level=str(trust_level), source=source[:40]),
            )
    request.session[SESSION_KEY] = trust_level
    # A new login acts for nobody but the person; a business login names its organisation afterwards.
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    profile = Profile.objects.for_tenant(user.tenant_id).filter(user=user).first() if user.tenant_id else None
    if profile is not None and rank(trust_level) > rank(profile.highest_trust_level):
        profile.highest_trust_level = trust_level
        profile.save(update_fields=["highest_trust_level"])


def password_login_trust_level(user: User) -> str:
    """A local account with a verified e-mail address is trust level *niedrig*."""
    return TrustLevel.LOW if user.email_verified_at else TrustLevel.NONE


def session_trust_level(request: HttpRequest) -> str:
    if not request.user.is_authenticated:
        return TrustLevel.NONE
    return request.session.get(SESSION_KEY, TrustLevel.NONE)


def begin_totp_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the staff member (re-used until confirmed)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="rathaus", confirmed=False)
    return device


def remove_webauthn_credential(*, user: User, credential_id: int) -> None:
    """Delete one of ``user``'s security keys. Raises NotFound for a key of anyone else, ValidationFailed if it
    is the last second factor left (the staff member could not log in any more)."""
    with transaction.atomic():
        # The account row serialises removals, so two at once cannot both take "the other" key.
        User.objects.select_for_update().filter(pk=user.pk).first()
        credential = webauthn_credentials_of(user).filter(pk=credential_id).first()
        if credential is None:
            raise NotFound(_("Diesen Sicherheitsschlüssel gibt es nicht (mehr)."))
        if staff_second_factor_count(user) <= 1:
            raise ValidationFailed(
                _(
                    "Das ist Ihr letzter zweiter Faktor. Richten Sie zuerst einen weiteren Sicherheitsschlüssel ein "
                    "oder wenden Sie sich an die Administration, damit Sie sich weiter anmelden können."
                )
            )
        credential.delete()


def update_profile(*, profile: Profile, data: dict[str, str]) -> Profile:
    """Save what the citizen may change. Fields an identity provider confirmed stay as confirmed."""
    for field in ("street", "postal_code", "city", "phone", "preferred_channel"):
        if field in data and field not in profile.verified_fields:
            setattr(profile, field, data[field])
    profile.full_clean()
    profile.save()
    return profile


# --- Login through an external identity provider (OpenID Connect; see oidc.py) ---------------------------


class ExternalLoginRefused(PermissionDenied):
    """The provider confirmed the person, but Rathaus will not sign them in to an account (German detail)."""

    code = "external-login-refused"


class IdentityKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


@dataclasses.dataclass(frozen=True)
class Attribute:
    """One confirmed attribute with the trust level at which the provider confirmed it (BundID sends one per
    attribute: a name typed in at registration is *niedrig*, one read from the eID chip *hoch*)."""

    value: str
    trust_level: str = TrustLevel.LOW


@dataclasses.dataclass(frozen=True)
class OrganisationData:
    """The organisation a business login acts for (Mein Unternehmenskonto)."""

    identifier: str
    name: str
    legal_form: str = ""
    register_number: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""


@dataclasses.dataclass(frozen=True)
class VerifiedIdentity:
    """What an identity provider confirmed about one login, whatever the protocol (OpenID Connect, SAML).

    ``subject`` is stable per provider (BundID: the bPK2 pseudonym, never the transient NameID); ``kind`` says
    whether a person logs in for themselves or acts for an organisation (then ``organisation`` is set);
    ``attributes`` keeps every received attribute with its own trust level; ``user_fields`` and
    ``profile_fields`` are those of them mapped to account and profile fields.
    """

    subject: str
    email: str
    email_verified: bool
    user_fields: dict[str, str] = dataclasses.field(default_factory=dict)
    profile_fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    kind: str = IdentityKind.PERSON
    trust_level: str = TrustLevel.LOW
    source: str = ""
    attributes: dict[str, Attribute] = dataclasses.field(default_factory=dict)
    organisation: OrganisationData | None = None


def apply_verified_attributes(*, user: User, user_fields: dict[str, str], profile_fields: dict[str, Any]) -> Profile:
    """Store what an identity provider confirmed and mark those fields verified (read-only for the citizen).

    Fields it did not send keep their value and their earlier verification.
    """
    changed = [name for name, value in user_fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, user_fields[name])
    if changed:
        user.save(update_fields=changed)
    if user.tenant_id is None:
        raise ValueError("only accounts of a municipality have a profile")
    profile = Profile.objects.for_tenant(user.tenant_id).filter(user=user).first()
    if profile is None:
        profile = Profile(tenant_id=user.tenant_id, user=user)
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.verified_fields = sorted({*profile.verified_fields, *user_fields, *profile_fields})
    profile.full_clean()
    profile.save()
    return profile


def _refuse(message: str) -> ExternalLoginRefused:
    return ExternalLoginRefused(message)


def _account_for_new_subject(*, provider: IdentityProvider, identity: VerifiedIdentity) -> User:
    """A new account for a subject seen for the first time at ``provider``.

    Never an existing account: an address being "verified" on both sides proves nothing (a forged or
    intercepted confirmation link, a re-used address), so an existing local account is joined to an external
    login only from inside it (:func:`sign_in_external_identity` with ``link_to``).
    """
    tenant = provider.tenant
    email = identity.email.strip().lower()
    if not email:
        raise _refuse(
            _(
                "Ihr Nutzerkonto hat uns keine E-Mail-Adresse übermittelt. Bitte hinterlegen Sie dort eine "
                "E-Mail-Adresse und melden Sie sich noch einmal an."
            )
        )
    existing = User.objects.filter(tenant=tenant, email__iexact=email).first()
    if existing is not None and not existing.is_citizen:
        raise _refuse(
            _(
                "Zu dieser E-Mail-Adresse gibt es ein Konto der Verwaltung. Bürgerkonten werden damit nicht "
                "verbunden. Bitte melden Sie sich im internen Bereich an oder wenden Sie sich an Ihre Verwaltung."
            )
        )
    if existing is not None:
        raise _refuse(
            _(
                "Zu der E-Mail-Adresse aus Ihrem Nutzerkonto gibt es hier schon ein Konto. Zu Ihrem Schutz "
                "verbinden wir die beiden nicht automatisch. Wenn es Ihr Konto ist: Melden Sie sich mit E-Mail "
                "und Passwort an und wählen Sie unter »Mein Konto« »Nutzerkonto verbinden«."
            )
        )
    kind = User.Kind.BUSINESS if identity.kind == IdentityKind.ORGANISATION else User.Kind.CITIZEN
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                None,  # no password: this account signs in through the identity provider
                tenant=tenant,
                kind=kind,
                email_verified_at=timezone.now() if identity.email_verified else None,
            )
            Profile.objects.create(tenant=tenant, user=user)
    except IntegrityError:
        raise _refuse(_("Die Anmeldung ist gerade schon in Arbeit. Bitte versuchen Sie es noch einmal.")) from None
    return user


def sign_in_external_identity(
    *,
    request: HttpRequest,
    provider: IdentityProvider,
    identity: VerifiedIdentity,
    trust_level: str,
    backend: str,
    link_to: User | None = None,
) -> User:
    """Find or create the account for ``identity`` at ``provider``, record what it confirmed, and log it in.

    ``link_to``: the account whose owner, logged in to it, asked to connect this provider (see
    ``rathaus.identity.linking``); a subject seen for the first time is then joined to that account instead of
    getting a new one. Without it an existing account is never joined, whatever its address.

    On return the session belongs to that account at ``trust_level``, the link (provider, subject) exists
    and the confirmed fields are stored and marked verified — or, on ExternalLoginRefused, nothing at all
    was written and nobody is logged in.
    """
    with transaction.atomic():
        link = (
            ExternalIdentity.objects.for_tenant(provider.tenant_id)
            .select_related("user")
            .filter(provider=provider, subject=identity.subject)
            .first()
        )
        if link is not None and link_to is not None and link.user_id != link_to.pk:
            raise _refuse(
                _(
                    "Dieses Nutzerkonto ist hier schon mit einem anderen Konto verbunden. Melden Sie sich ab und "
                    "mit dem Nutzerkonto an, oder wenden Sie sich an Ihre Verwaltung."
                )
            )
        if link is None:
            if link_to is not None:
                if link_to.tenant_id != provider.tenant_id or not link_to.is_citizen:
                    raise _refuse(_("Dieses Konto kann nicht mit einem Nutzerkonto verbunden werden."))
                user = link_to
            else:
                user = _account_for_new_subject(provider=provider, identity=identity)
            link = ExternalIdentity(
                tenant_id=provider.tenant_id, user=user, provider=provider, subject=identity.subject
            )
        user = link.user
        if not user.is_active or not user.is_citizen:
            raise _refuse(_("Dieses Konto ist gesperrt. Bitte wenden Sie sich an Ihre Verwaltung."))
        link.last_trust_level = trust_level
        link.last_login_at = timezone.now()
        link.save()
        apply_verified_attributes(user=user, user_fields=identity.user_fields, profile_fields=identity.profile_fields)
        start_citizen_session(request, user, trust_level=trust_level, backend=backend, source=provider.slug)
    return user


ACTING_FOR_SESSION_KEY = "rathaus_acting_for_organisation"


def act_for_organisation(
    *, request: HttpRequest, provider: IdentityProvider, user: User, data: OrganisationData
) -> Organisation:
    """Record (or update) the organisation a business login confirmed, the acting person, and put "acting for
    this organisation" into the session. Raises ExternalLoginRefused (and logs out) without an organisation id."""
    if not data.identifier or not data.name:
        logout(request)
        raise _refuse(
            _("Ihr Unternehmenskonto hat uns keine Organisation übermittelt. Bitte melden Sie sich erneut an.")
        )
    with transaction.atomic():
        organisation, _created = Organisation.objects.for_tenant(provider.tenant_id).update_or_create(
            provider=provider,
            identifier=data.identifier,
            defaults={
                "tenant_id": provider.tenant_id,
                "name": data.name,
                "legal_form": data.legal_form,
                "register_number": data.register_number,
                "street": data.street,
                "postal_code": data.postal_code,
                "city": data.city,
            },
        )
        OrganisationRepresentative.objects.for_tenant(provider.tenant_id).update_or_create(
            organisation=organisation,
            user=user,
            defaults={"tenant_id": provider.tenant_id, "last_acted_at": timezone.now()},
        )
        profile = Profile.objects.for_tenant(provider.tenant_id).filter(user=user).first()
        if profile is not None and profile.company_name != data.name[:200]:
            profile.company_name = data.name[:200]
            profile.save(update_fields=["company_name"])
    request.session[ACTING_FOR_SESSION_KEY] = organisation.pk
    return organisation
