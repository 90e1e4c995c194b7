"""Test factories of the tenants app (factory-boy). A municipality gets the host ``<slug>.testserver``."""

from __future__ import annotations

from typing import Any

import factory

from rathaus.tenants.models import Domain, Municipality, OrgUnit


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
