"""The demo municipality's steering data (``demo_data/musterstadt.json``), loaded through the services.

Idempotent: processes are matched by their number (an unchanged process gets no new version), action fields
by key, projects by name; a service that has an assessment gets no second one, a project keeps its milestones.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.utils import timezone

from rathaus.tenants.models import Municipality

from . import channels, projects, reports, selectors, services
from .models import ActionField, MaturityAssessment, Process, Project, Report

DATA = Path(__file__).parent / "demo_data" / "musterstadt.json"
DEMO_OWNER = "digital@"  # the demo's digitalisation staff member leads the projects


def load_demo(tenant: Municipality) -> None:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    for field in data["action_fields"]:
        ActionField.objects.for_tenant(tenant).update_or_create(
            tenant=tenant, key=field["key"], defaults={"name": field["name"], "position": field["position"]}
        )
    services.import_processes(
        tenant=tenant, actor=None, rows=[(i, row) for i, row in enumerate(data["processes"], start=2)],
        allowed_units=selectors.all_unit_keys(tenant), source="demo",
    )  # fmt: skip
    owners = selectors.project_owners(tenant)
    owner = owners.filter(email__startswith=DEMO_OWNER).first() or owners.first()
    if owner is None:
        raise LookupError("the demo needs a staff account to lead the projects")
    uuids = dict(Process.objects.for_tenant(tenant).values_list("key", "uuid"))
    for record in data["projects"]:
        _project(tenant, record, owner.pk, uuids)
    assessed = set(MaturityAssessment.objects.for_tenant(tenant).values_list("service_id", flat=True))
    ids = selectors.service_keys(tenant)
    for record in data["assessments"]:
        service_id = ids.get(record["service"])
        if service_id is None or service_id in assessed:
            continue
        services.assess_maturity(
            tenant=tenant, actor=None, service_id=service_id, raw=record["criteria"], note=record["note"],
            assessed_on=dt.date.fromisoformat(record["assessed_on"]),
        )  # fmt: skip
    channels.load_demo(tenant)  # cases on paper, in person, by e-mail and phone, as a unit would enter them
    issue_sample_report(tenant, owner, data.get("report_commentary", {}))


def issue_sample_report(tenant: Municipality, actor: Any, commentary: dict[str, str]) -> Report | None:
    """The issued report of the last complete half-year with the demo's commentary (once; None if there is one)."""
    start, end = reports.half_year_of(timezone.localdate())
    if Report.objects.for_tenant(tenant).filter(period_start=start, period_end=end).exists():
        return None
    report = reports.create_report(tenant=tenant, actor=actor, raw={"start": start.isoformat(), "end": end.isoformat()})
    for key, text in commentary.items():
        reports.save_commentary(tenant=tenant, report_uuid=report.uuid, key=key, text=text)
    return reports.issue_report(tenant=tenant, report_uuid=report.uuid, actor=actor)


def _project(tenant: Municipality, record: dict[str, Any], owner_id: int, uuids: dict[str, Any]) -> None:
    raw = {key: record[key] for key in ("name", "action_field", "status", "status_reason", "description", "risks")}
    lists = {"processes": [str(uuids[key]) for key in record["processes"]], "services": record["services"]}
    existing = Project.objects.for_tenant(tenant).filter(name=record["name"]).first()
    project = projects.save_project(tenant=tenant, raw={**raw, "owner": str(owner_id)}, lists=lists, project=existing)
    for year, planned, committed, spent in record["budgets"]:
        projects.set_budget(
            tenant=tenant, project=project,
            raw={"year": str(year), "planned_teur": planned, "committed_teur": committed, "spent_teur": spent},
        )  # fmt: skip
    if existing is None:
        for title, due, done in record["milestones"]:
            milestone = projects.add_milestone(tenant=tenant, project=project, raw={"title": title, "due_on": due})
            if done:
                projects.complete_milestone(
                    tenant=tenant, project=project, milestone_id=str(milestone.pk), done_on=dt.date.fromisoformat(done)
                )
