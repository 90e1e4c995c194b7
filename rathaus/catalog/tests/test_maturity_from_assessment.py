"""The catalog's OZG maturity is the latest self-assessment of the steering module, not a free number: an
assessment sets it, an older assessment entered later does not, and a catalog import does not overwrite it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.catalog.services import export_catalog, import_catalog, record_maturity
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import ValidationFailed
from rathaus.steering import maturity
from rathaus.steering.models import MaturityAssessment
from rathaus.steering.services import assess_maturity
from rathaus.tenants.models import Municipality
from rathaus.tenants.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


def _ratings(weakest: int, **stages: int) -> dict[str, str]:
    """Every criterion at 5, the first one at ``weakest``, then the given ones."""
    rated = {key: "5" for key in maturity.CRITERION_KEYS}
    rated[maturity.CRITERION_KEYS[0]] = str(weakest)
    rated.update({key: str(stage) for key, stage in stages.items()})
    return rated


def _assess(tenant: Any, service: Service, weakest: int, on: dt.date) -> MaturityAssessment:
    return assess_maturity(
        tenant=tenant, actor=None, service_id=service.pk, raw=_ratings(weakest), note="", assessed_on=on
    )


@pytest.fixture
def service(tenant: Any) -> Service:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Bürgerbüro")
    return ServiceFactory(tenant=tenant, org_unit=unit, leika_key="99115001000001", slug="anmelden", ozg_maturity=1)


def test_an_assessment_becomes_the_catalogs_maturity_with_its_criteria_and_date(tenant: Any, service: Any) -> None:
    version = Municipality.objects.get(pk=tenant.pk).catalog_version
    _assess(tenant, service, 3, dt.date(2026, 6, 1))
    service.refresh_from_db()
    assert service.ozg_maturity == 3
    assert service.ozg_maturity_assessed_on == dt.date(2026, 6, 1)
    assert service.ozg_maturity_criteria[maturity.CRITERION_KEYS[0]] == 3
    assert service.ozg_maturity_criteria[maturity.CRITERION_KEYS[-1]] == 5
    assert len(service.ozg_maturity_criteria) == 13
    # the portal's search indexes learn of the change
    assert Municipality.objects.get(pk=tenant.pk).catalog_version == version + 1


def test_a_newer_assessment_replaces_it_and_an_older_one_entered_later_does_not(tenant: Any, service: Any) -> None:
    _assess(tenant, service, 2, dt.date(2026, 3, 1))
    _assess(tenant, service, 4, dt.date(2026, 9, 1))
    _assess(tenant, service, 1, dt.date(2026, 5, 1))  # a paper assessment from May, typed in late
    service.refresh_from_db()
    assert (service.ozg_maturity, service.ozg_maturity_assessed_on) == (4, dt.date(2026, 9, 1))
    assert MaturityAssessment.objects.for_tenant(tenant).filter(service_id=service.pk).count() == 3
    # the same day again counts: a correction of today's assessment
    _assess(tenant, service, 3, dt.date(2026, 9, 1))
    service.refresh_from_db()
    assert service.ozg_maturity == 3


def test_an_import_keeps_the_assessed_maturity_but_sets_it_for_services_never_assessed(
    tenant: Any, service: Any
) -> None:
    never = ServiceFactory(tenant=tenant, org_unit=service.org_unit, leika_key="99115001000002", slug="abmelden")
    _assess(tenant, service, 2, dt.date(2026, 6, 1))
    document = export_catalog(tenant)
    for record in document["services"]:
        record["ozg_maturity"] = 7
    import_catalog(tenant=tenant, document=document)
    service.refresh_from_db()
    never.refresh_from_db()
    assert service.ozg_maturity == 2
    assert never.ozg_maturity == 7


def test_another_municipalitys_service_is_neither_assessed_nor_changed(
    tenant: Any, other_tenant: Any, service: Any
) -> None:
    unit = OrgUnitFactory(tenant=other_tenant, key="FB32", name="Bürgerbüro")
    theirs = ServiceFactory(tenant=other_tenant, org_unit=unit, leika_key="99115001000001", ozg_maturity=1)
    with pytest.raises(ValidationFailed):
        _assess(tenant, theirs, 6, dt.date(2026, 6, 1))
    assert not record_maturity(
        tenant=tenant, service_id=theirs.pk, level=6, criteria={}, assessed_on=dt.date(2026, 6, 1)
    )
    theirs.refresh_from_db()
    assert (theirs.ozg_maturity, theirs.ozg_maturity_assessed_on) == (1, None)


@pytest.mark.parametrize("level", [-1, 8])
def test_a_stage_outside_0_to_7_is_refused(tenant: Any, service: Any, level: int) -> None:
    with pytest.raises(ValueError, match="0 to 7"):
        record_maturity(tenant=tenant, service_id=service.pk, level=level, criteria={}, assessed_on=dt.date.today())
    service.refresh_from_db()
    assert service.ozg_maturity == 1
