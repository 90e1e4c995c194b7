"""Test data of the steering module, made through its services (so every process has its history)."""

from __future__ import annotations

from typing import Any

from rathaus.identity.models import StaffRole, User
from rathaus.identity.tests.factories import StaffFactory
from rathaus.steering import services
from rathaus.steering.models import Process
from rathaus.tenants.models import Municipality, OrgUnit


def row(**over: Any) -> dict[str, Any]:
    """A complete, valid process row as a unit would fill the spreadsheet (German cells)."""
    values: dict[str, Any] = {
        "key": "FB33-001", "name": "Wohnsitz anmelden", "org_unit": "FB33",
        "description": "Anmeldung nach Zuzug", "target_groups": "Bürgerinnen und Bürger",
        "process_type": "Service", "product": "01.02.01", "participants": "Bürgerbüro",
        "trigger": "Zuzug", "result": "Meldebestätigung", "data_processed": "Name, Anschrift",
        "personal_data": "ja", "personal_data_categories": "Identitätsdaten", "cases_per_year": "12.000",
        "minutes_per_case": "15", "staff_cost_rate": "58,50", "deficits": "Papierformular",
        "deficit_level": "mittel", "legal_basis": "BMG", "digital_duty": "ja",
        "digital_duty_basis": "§ 5 EGovG NRW", "digital_duty_due": "31.12.2027",
        "automation_potential": "hoch", "it_system": "VOIS|MESO", "it_extension_potential": "mittel",
        "budget_need_teur": "25", "staff_need_days": "40", "services": "",
    }  # fmt: skip
    values.update(over)
    return values


def make_process(tenant: Municipality, actor: User | None = None, **over: Any) -> Process:
    raw = row(**over)
    units = dict(OrgUnit.objects.for_tenant(tenant).values_list("key", "pk"))
    return services.save_process(tenant=tenant, actor=actor, raw=raw, allowed_units=units, source="test")


def staff_with(tenant: Municipality, role: str, unit: OrgUnit, **kwargs: Any) -> User:
    user = StaffFactory(tenant=tenant, roles=[], **kwargs)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user
