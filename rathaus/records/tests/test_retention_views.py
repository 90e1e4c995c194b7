"""The Aussonderung over HTTP: who may open and act, four eyes, the upload of a refused 0502, isolation."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.records.models import CaseFile, DisposalRun, JournalEntry
from rathaus.records.tests.test_retention import appraisal, filed, plan
from rathaus.tenants.tests.factories import OrgUnitFactory

BASE = "/intern/aussonderung/"


def test_the_run_over_http(tclient: Any, tenant: Any, other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    manager: Any = StaffFactory(tenant=tenant, email="reg@alpha.test", roles=["tenant_admin"])
    lead: Any = StaffFactory(tenant=tenant, email="lead@alpha.test", roles=["unit_lead"])
    worker: Any = StaffFactory(tenant=tenant, email="sb@alpha.test", roles=["caseworker"])
    a = filed(tenant, unit, plan(tenant, "00.01", "A"), "Bauakte Mühlweg", b"A")

    assert tclient.get(BASE).status_code == 302  # login first
    login_staff(tclient, worker)
    assert tclient.get(BASE).status_code == 403
    assert tclient.post(BASE, {"cutoff": "2099-01-01"}).status_code == 403

    login_staff(tclient, manager)
    assert tclient.post(BASE, {"cutoff": "kein\x00datum"}).status_code == 302  # refused, no 500
    response = tclient.post(BASE, {"cutoff": "2099-01-01"})
    run = DisposalRun.objects.for_tenant(tenant).get()
    assert response["Location"] == f"{BASE}{run.uuid}/"
    page = tclient.get(f"{BASE}{run.uuid}/").content.decode()
    assert a.reference in page
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "approve"})  # own list: four eyes
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.DRAFT

    login_staff(tclient, lead)
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "approve"})
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "execute"})  # only the records manager
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.APPROVED and run.approved_by == lead

    login_staff(tclient, manager)
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "execute"})
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.OFFERED
    offer = run.exchanges.get(message_type="0501")
    download = tclient.get(f"{BASE}{run.uuid}/nachricht/{offer.pk}/")
    assert download.status_code == 200 and str(a.uuid).encode() in download.content

    stranger = str(uuid.uuid4())
    bad = SimpleUploadedFile("0502.xml", appraisal(str(run.process_id), {stranger: "A"}), "application/xml")
    page = tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "0502", "message": bad}, follow=True).content.decode()
    assert "abgelehnt" in page and stranger in page
    good = SimpleUploadedFile("0502.xml", appraisal(str(run.process_id), {str(a.uuid): "A"}), "application/xml")
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "0502", "message": good})
    tclient.post(f"{BASE}{run.uuid}/schritt/", {"action": "transfer"})
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.TRANSFERRED
    transfer = run.exchanges.get(message_type="0503")
    assert tclient.get(f"{BASE}{run.uuid}/nachricht/{transfer.pk}/")["Content-Type"] == "application/zip"
    assert CaseFile.objects.for_tenant(tenant).get(pk=a.pk).status == CaseFile.Status.OFFERED

    foreign_admin: Any = StaffFactory(tenant=other_tenant, email="admin@beta.test", roles=["tenant_admin"])
    tclient.defaults["HTTP_HOST"] = f"{other_tenant.slug}.testserver"
    login_staff(tclient, foreign_admin)
    assert tclient.get(f"{BASE}{run.uuid}/").status_code == 404
    assert tclient.get(f"{BASE}{run.uuid}/nachricht/{offer.pk}/").status_code == 404
    refused = JournalEntry.objects.filter(tenant=tenant, outcome="refused").values_list("action", flat=True)
    assert {"disposal.approved", "disposal.executed", "xdomea.0502.imported"} <= set(refused)
