"""Test factories of the identity app (factory-boy) and logins for the test client.

Every account made here has the password :data:`PASSWORD`; staff get a confirmed TOTP device, so
:func:`login_staff` can mark the session as having passed the second factor.
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.identity.models import IdentityProvider, Profile, StaffRole, User
from rathaus.identity.trust import SESSION_KEY
from rathaus.tenants.models import OrgUnit
from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory

PASSWORD = "Test-Passwort-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(MunicipalityFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Erika"
    last_name = "Muster"
    kind = User.Kind.CITIZEN
    email_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    @factory.post_generation
    def profile(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            Profile.objects.for_tenant(obj.tenant).get_or_create(user=obj, defaults={"tenant": obj.tenant})


class StaffFactory(UserFactory):
    kind = User.Kind.STAFF
    first_name = "Sabine"

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for role in extracted or ():
            unit = OrgUnit.objects.for_tenant(obj.tenant).first() or OrgUnitFactory(tenant=obj.tenant)
            StaffRole.objects.create(tenant=obj.tenant, user=obj, org_unit=unit, role=role)
        TOTPDevice.objects.create(user=obj, name="rathaus", confirmed=True)


class IdentityProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityProvider

    tenant = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"idp{n}")
    name = "Servicekonto (Test)"
    issuer = "http://idp.invalid/o"
    authorization_endpoint = "http://idp.invalid/o/authorize/"
    token_endpoint = "http://idp.invalid/o/token/"
    userinfo_endpoint = "http://idp.invalid/o/userinfo/"
    jwks_uri = "http://idp.invalid/o/.well-known/jwks.json"
    client_id = "rathaus"
    acr_mapping = factory.LazyFunction(
        lambda: {"http://eidas.europa.eu/LoA/substantial": "substantial", "http://eidas.europa.eu/LoA/high": "high"}
    )


def login_staff(client: Any, user: User) -> None:
    """Log a staff member in with a verified second factor (as after the TOTP step)."""
    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    device = TOTPDevice.objects.get(user=user, name="rathaus")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def login_citizen(client: Any, user: User, level: str = "low") -> None:
    """Log a citizen in at trust level ``level`` (as after a password or eID login)."""
    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[SESSION_KEY] = level
    session.save()
