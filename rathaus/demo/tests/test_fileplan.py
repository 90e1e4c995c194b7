"""The demo file plan: every demo service is filed under a plan unit with retention and A/B/V, and it loads twice."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.catalog.models import Service
from rathaus.demo.fileplan import load_file_plan
from rathaus.demo.loader import load_demo, load_json
from rathaus.records import services as records
from rathaus.records.models import FilePlanUnit
from rathaus.tenants.models import Municipality

pytestmark = pytest.mark.django_db


def test_the_plan_is_well_formed() -> None:
    plan = load_json("aktenplan.json")["units"]
    codes = [unit["code"] for unit in plan]
    assert len(codes) == len(set(codes))
    seen: set[str] = set()
    for unit in plan:
        assert unit.get("parent") is None or unit["parent"] in seen, unit["code"]  # parents first
        assert unit["disposal"] in {"A", "B", "V"} and 1 <= unit["retention_years"] <= 110
        seen.add(unit["code"])
    slugs = [slug for unit in plan for slug in unit.get("services", [])]
    assert len(slugs) == len(set(slugs))
    assert set(slugs) == {s["slug"] for s in load_json("musterstadt.json")["services"]}


def test_the_demo_files_every_service_under_its_plan_unit(settings: Any) -> None:
    load_demo()
    load_demo()  # idempotent
    tenant = Municipality.objects.get(slug="musterstadt")
    units = FilePlanUnit.objects.for_tenant(tenant)
    assert units.count() == len(load_json("aktenplan.json")["units"])
    services = Service.objects.for_tenant(tenant)
    assert not services.filter(file_plan_code="").exists()
    hund = services.get(slug="hund-anmelden")
    plan_unit = records.plan_unit_for_service(tenant.pk, hund.file_plan_code)
    assert (plan_unit.code, plan_unit.retention_years, plan_unit.disposal) == ("92.01", 10, "V")
    assert plan_unit.parent.code == "92" and plan_unit.owner_unit.key == "FB20-1"
    assert units.get(code="13.01").disposal == "A"
    second = Municipality.objects.get(slug="beispielheim")
    assert FilePlanUnit.objects.for_tenant(second).filter(code="92.01").exists()
    assert load_file_plan(tenant, load_json("aktenplan.json"), {}) == units.count()
