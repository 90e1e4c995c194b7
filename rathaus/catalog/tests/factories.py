"""Test factories of the service catalog (factory-boy)."""

from __future__ import annotations

from decimal import Decimal

import factory

from rathaus.catalog.models import Fee, LifeSituation, Service
from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory


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
