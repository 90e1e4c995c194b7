"""Who in the administration sees an application: its unit and the units above it, the administration, no one else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.applications import selectors, services
from rathaus.applications.models import Application, Draft
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import Role
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.tenants.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {"halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}, "hunde": {"hund": [{"name": "Bello"}]}}


@pytest.fixture
def application(tenant: Any, citizen: Any, hund_form: Any, hund_service: Any) -> Application:
    """A forwarded application of the unit »Ordnung«, which sits in »Fachbereich Bürgerdienste«:

    Bürgerdienste ─┬─ Ordnung (the application) ── Hundesteuer
                   └─ Standesamt
    """
    top = OrgUnitFactory(tenant=tenant, key="FB3", name="Fachbereich Bürgerdienste")
    unit = hund_service.org_unit
    unit.parent = top
    unit.save()
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    assert application.org_unit_id == unit.pk
    return application


def _staff_on(tenant: Any, role: str, unit: Any) -> Any:
    user = StaffFactory(tenant=tenant)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user


def _office(tenant: Any, user: Any) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, user)
    return client


def test_the_unit_and_the_units_above_it_see_the_application(tenant: Any, application: Application) -> None:
    unit = application.org_unit
    for user in (
        _staff_on(tenant, Role.CASEWORKER, unit),
        _staff_on(tenant, Role.UNIT_LEAD, unit.parent),
        _staff_on(tenant, Role.TENANT_ADMIN, OrgUnitFactory(tenant=tenant)),  # the administration, anywhere
    ):
        office = _office(tenant, user)
        assert application.number in office.get("/intern/antraege/").content.decode()
        assert office.get(f"/intern/antraege/{application.number}/").status_code == 200
        assert selectors.application_for_office(tenant, user, application.number) == application


def test_sibling_and_sub_units_do_not_see_the_application(tenant: Any, application: Application) -> None:
    unit = application.org_unit
    sibling = OrgUnitFactory(tenant=tenant, key="FB3-2", name="Standesamt", parent=unit.parent)
    below = OrgUnitFactory(tenant=tenant, key="FB3-1-1", name="Hundesteuer", parent=unit)
    for user in (_staff_on(tenant, Role.UNIT_LEAD, sibling), _staff_on(tenant, Role.CASEWORKER, below)):
        office = _office(tenant, user)
        assert office.get("/intern/antraege/").status_code == 200
        assert application.number not in office.get("/intern/antraege/").content.decode()
        assert office.get(f"/intern/antraege/{application.number}/").status_code == 404
        assert office.post(f"/intern/antraege/{application.number}/", {"body": "fremd"}).status_code == 404
        assert selectors.application_for_office(tenant, user, application.number) is None
    assert not mailbox.messages(tenant, application.mailbox_reference).exists()


def test_a_role_outside_the_office_gets_403_even_on_the_unit(tenant: Any, application: Application) -> None:
    office = _office(tenant, _staff_on(tenant, Role.TREASURY, application.org_unit.parent))
    assert office.get("/intern/antraege/").status_code == 403
    assert office.get(f"/intern/antraege/{application.number}/").status_code == 403
