"""Steering's issued digitalisation report is filed in the E-Akte (steering.report_issued → records): a case
with the PDF in the file of council reports; a replay files nothing twice; a municipality without the
file-plan unit gets a clear log entry and a retry, and the report is filed once the unit exists."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from rathaus.attachments import storage
from rathaus.core import events
from rathaus.core.events import registry
from rathaus.core.models import Delivery, Event
from rathaus.records.consumers import file_steering_report
from rathaus.records.models import Case, CaseFile, Document, FilePlanUnit
from rathaus.steering import reports
from rathaus.steering.tests.factories import staff_with
from rathaus.tenants.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db
H1 = {"start": "01.01.2025", "end": "30.06.2025"}
H2 = {"start": "01.07.2025", "end": "31.12.2025"}


@pytest.fixture(autouse=True)
def small_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "render_pdf", lambda r, **kw: f"%PDF-1.7 {r.uuid}".encode())


@pytest.fixture
def digi(tenant: Any) -> Any:
    return staff_with(tenant, "digitalisation", OrgUnitFactory(tenant=tenant, key="FB10-1"), email="d@alpha.example")


def plan_unit(tenant: Any, code: str = "01", *, lead: bool = True) -> FilePlanUnit:
    unit = OrgUnitFactory(tenant=tenant, key=f"U{code}") if lead else None
    return FilePlanUnit.objects.create(
        tenant=tenant, code=code, title="Gremien und Berichte an den Rat", retention_years=30, owner_unit=unit
    )


def issue(tenant: Any, actor: Any, raw: dict[str, str]) -> tuple[Any, Event]:
    report = reports.create_report(tenant=tenant, actor=actor, raw=raw)
    report = reports.issue_report(tenant=tenant, report_uuid=report.uuid, actor=actor)
    event = Event.objects.for_tenant(tenant).get(kind="steering.report_issued", subject=str(report.uuid))
    events.deliver_event(event.pk)
    return report, event


def test_an_issued_report_is_filed_once(tenant: Any, digi: Any) -> None:
    unit = plan_unit(tenant)
    report, event = issue(tenant, digi, H1)
    document = Document.objects.for_tenant(tenant).get(origin=f"steering.report:{report.uuid}")
    assert document.title == report.title and document.kind == Document.Kind.OUTGOING
    version = document.versions.get()
    assert version.sha256 == report.pdf_sha256 and version.content_type == "application/pdf"
    assert version.name == "digitalisierungsbericht-2025-01-01-2025-06-30.pdf"
    assert storage.open_blob(version.key).startswith(b"%PDF")
    case = document.case
    assert case.subject == report.title and case.file.plan_unit == unit and case.owner_unit == unit.owner_unit
    # A replay (at-least-once delivery) finds the document and files nothing.
    file_steering_report(event, registry.kind(event.kind).parse(event.payload))
    assert Document.objects.for_tenant(tenant).filter(origin__startswith="steering.report:").count() == 1
    assert Case.objects.for_tenant(tenant).count() == 1
    # The next report joins the same file as a case of its own.
    second, _event = issue(tenant, digi, H2)
    assert CaseFile.objects.for_tenant(tenant).count() == 1 and Case.objects.for_tenant(tenant).count() == 2
    assert Document.objects.for_tenant(tenant).get(origin=f"steering.report:{second.uuid}").case.number == 2


@pytest.mark.parametrize("lead", [False, True])
def test_without_the_file_plan_unit_the_delivery_is_retried(
    tenant: Any, digi: Any, caplog: pytest.LogCaptureFixture, lead: bool
) -> None:
    if not lead:
        plan_unit(tenant, lead=False)  # present, but nobody leads it
    with caplog.at_level(logging.ERROR, logger="rathaus.records"):
        report, event = issue(tenant, digi, H1)
    delivery = Delivery.objects.get(event=event, consumer="records.file_steering_report")
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert "ReportFilePlanMissing" in delivery.last_error
    assert "Aktenplaneinheit '01'" in caplog.text and "RATHAUS_REPORTS_FILE_PLAN_CODE" in caplog.text
    assert not Document.objects.for_tenant(tenant).exists()
    report.refresh_from_db()
    assert report.is_issued  # issuing itself is not undone
    FilePlanUnit.objects.for_tenant(tenant).filter(code="01").delete()
    plan_unit(tenant)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=event.created_at)
    events.sweep()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DONE
    assert Document.objects.for_tenant(tenant).filter(origin=f"steering.report:{report.uuid}").exists()


def test_another_municipalitys_file_plan_is_never_used(tenant: Any, other_tenant: Any, digi: Any) -> None:
    plan_unit(other_tenant)
    _report, event = issue(tenant, digi, H1)
    assert Delivery.objects.get(event=event, consumer="records.file_steering_report").state == Delivery.State.PENDING
    assert not Document.all_tenants.exists() and not CaseFile.all_tenants.exists()
