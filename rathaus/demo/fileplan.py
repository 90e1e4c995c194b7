"""The demo file plan (Aktenplan, KGSt-style main groups) of Musterstadt: ``data/aktenplan.json``.

Each unit has its retention period and Aussonderungsart (A/B/V) and its lead organisational unit; the
``services`` of a unit get its code as ``file_plan_code``, so their applications are filed under it.
Loading is idempotent (update by code).
"""

from __future__ import annotations

from typing import Any

from rathaus.catalog.models import Service
from rathaus.records.models import FilePlanUnit
from rathaus.tenants.models import Municipality, OrgUnit


def load_file_plan(tenant: Municipality, document: dict[str, Any], units: dict[str, OrgUnit]) -> int:
    """Create or update the plan units (parents before children) and point the services at them."""
    by_code: dict[str, FilePlanUnit] = {}
    for record in document["units"]:
        plan_unit, _ = FilePlanUnit.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            code=record["code"],
            defaults={
                "title": record["title"],
                "parent": by_code[record["parent"]] if record.get("parent") else None,
                "retention_years": record["retention_years"],
                "disposal": record["disposal"],
                "owner_unit": units.get(record.get("owner_unit", "")),
                "description": record.get("description", ""),
            },
        )
        by_code[plan_unit.code] = plan_unit
        if record.get("services"):
            Service.objects.for_tenant(tenant).filter(slug__in=record["services"]).update(file_plan_code=plan_unit.code)
    return len(by_code)
