"""Factories shared by every app's tests (factory-boy). Tenants get hosts <slug>.testserver."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.catalog.models import Fee, LifeSituation, Service
from rathaus.identity.models import IdentityProvider, Profile, StaffRole, User
from rathaus.tenants.models import Domain, Municipality, OrgUnit

PASSWORD = "Test-Passwort-2026!"  # noqa: S105 - test fixture password


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"kommune{n}")
    name = factory.LazyAttribute(lambda o: f"Stadt {o.slug.title()}")
    ags = factory.Sequence(lambda n: f"05{n:06d}"[:8] if n else "05000001")
    imprint = factory.LazyAttribute(lambda o: f"Impressum der {o.name}")
    privacy = factory.LazyAttribute(lambda o: f"Datenschutz der {o.name}")
    accessibility = factory.LazyAttribute(lambda o: f"Barrierefreiheit der {o.name}")

    @factory.post_generation
    def host(obj: Municipality, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            Domain.objects.get_or_create(host=extracted or f"{obj.slug}.testserver", defaults={"municipality": obj})


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    tenant = factory.SubFactory(MunicipalityFactory)
    key = factory.Sequence(lambda n: f"FB{n:02d}")
    name = factory.Sequence(lambda n: f"Fachbereich {n}")


class LifeSituationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifeSituation

    tenant = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"lebenslage-{n}")
    name = factory.Sequence(lambda n: f"Lebenslage {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    tenant = factory.SubFactory(MunicipalityFactory)
    leika_key = factory.Sequence(lambda n: f"99{n:012d}")
    slug = factory.Sequence(lambda n: f"leistung-{n}")
    name = factory.Sequence(lambda n: f"Leistung {n}")
    short_description = "Eine Leistung der Verwaltung."
    org_unit = factory.LazyAttribute(lambda o: OrgUnitFactory(tenant=o.tenant))
    channels = factory.LazyFunction(lambda: ["online", "on_site"])
    keywords = factory.LazyFunction(list)


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    service = factory.SubFactory(ServiceFactory)
    label = "Gebühr"
    amount_min = Decimal("10.00")
    amount_max = Decimal("10.00")


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
    token_endpoint = "http://idp.invalid/o/token/"  # noqa: S105 - a URL, not a secret
    userinfo_endpoint = "http://idp.invalid/o/userinfo/"
    jwks_uri = "http://idp.invalid/o/.well-known/jwks.json"
    client_id = "rathaus"
    acr_mapping = factory.LazyFunction(
        lambda: {"http://eidas.europa.eu/LoA/substantial": "substantial", "http://eidas.europa.eu/LoA/high": "high"}
    )


def login_staff(client: Any, user: User) -> None:
    """Log a staff member in with a verified second factor (as after the TOTP step)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    device = TOTPDevice.objects.get(user=user, name="rathaus")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def login_citizen(client: Any, user: User, level: str = "low") -> None:
    from rathaus.identity.trust import SESSION_KEY

    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[SESSION_KEY] = level
    session.save()
