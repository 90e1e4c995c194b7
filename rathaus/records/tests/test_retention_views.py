"""The Aussonderung over HTTP: who may open and act, four eyes, the upload of a refused 0502, isolation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.identity.models import StaffRole
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


def _staff(tenant: Any, email: str, unit: Any, role: str) -> Any:
    user: Any = StaffFactory(tenant=tenant, email=email, roles=[])
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user


def test_close_and_legal_hold_on_the_file_page(tclient: Any, tenant: Any, other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    elsewhere = OrgUnitFactory(tenant=tenant, key="FB50", name="Sozialamt")
    worker = _staff(tenant, "sb@alpha.test", unit, "caseworker")
    lead = _staff(tenant, "lead@alpha.test", unit, "unit_lead")
    stranger = _staff(tenant, "sb50@alpha.test", elsewhere, "caseworker")
    f = filed(tenant, unit, plan(tenant, "32.10", "V"), "Hundesteuer Bello", b"x", closed=None)
    page = f"{BASE}akte/{f.uuid}/"

    login_staff(tclient, stranger)  # another unit's caseworker: the file does not exist for them
    assert tclient.get(page).status_code == 404
    assert tclient.post(page, {"_action": "close"}).status_code == 404
    login_staff(tclient, worker)
    response = tclient.get(page)
    assert response.status_code == 200 and "Akte schließen" in response.content.decode()
    assert "Löschsperre setzen" not in response.content.decode()  # a caseworker does not set holds
    refused = tclient.post(page, {"_action": "hold", "reason": "Klage"})
    assert refused.status_code == 422 and "Leitung" in refused.content.decode()
    assert tclient.post(page, {"_action": "close"})["Location"] == page
    f.refresh_from_db()
    assert f.status == CaseFile.Status.CLOSED and f.closed_at is not None and not f.legal_hold
    assert tclient.post(page, {"_action": "close"}).status_code == 422  # closed already

    login_staff(tclient, lead)
    for bad in ("", "   ", "Klage\x00"):
        assert tclient.post(page, {"_action": "hold", "reason": bad}).status_code == 422
    assert tclient.post(page, {"_action": "lift", "reason": "nichts"}).status_code == 422  # no hold to lift
    f.refresh_from_db()
    assert not f.legal_hold
    tclient.post(page, {"_action": "hold", "reason": "Klage VG 1 K 2/26"})
    f.refresh_from_db()
    assert f.legal_hold and f.legal_hold_reason == "Klage VG 1 K 2/26"
    assert "Klage VG 1 K 2/26" in tclient.get(f"{BASE}akten/?sperre=1").content.decode()
    tclient.post(page, {"_action": "lift", "reason": "Verfahren beendet"})
    f.refresh_from_db()
    assert not f.legal_hold and f.legal_hold_reason == ""

    foreign_admin: Any = StaffFactory(tenant=other_tenant, email="admin@beta.test", roles=["tenant_admin"])
    tclient.defaults["HTTP_HOST"] = f"{other_tenant.slug}.testserver"
    login_staff(tclient, foreign_admin)
    assert tclient.get(page).status_code == 404
    assert tclient.post(page, {"_action": "hold", "reason": "fremd"}).status_code == 404
    f.refresh_from_db()
    assert not f.legal_hold

    log = list(
        JournalEntry.objects.filter(tenant=tenant, object_type="file").values_list("action", "outcome", "detail")
    )
    assert ("file.closed", "done") in [(a, o) for a, o, _d in log]
    assert (
        "file.legal_hold.set",
        "refused",
        {"reason": "Löschsperren setzt die Leitung der Einheit oder die Registratur."},
    ) in log
    assert ("file.legal_hold.lifted", "done", {"reason": "Verfahren beendet"}) in log
    assert [o for a, o, _d in log if a == "file.read"].count("refused") == 2  # the stranger's GET and POST


def test_the_file_list_shows_a_lead_only_their_units_files(tclient: Any, tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    elsewhere = OrgUnitFactory(tenant=tenant, key="FB50", name="Sozialamt")
    lead = _staff(tenant, "lead@alpha.test", unit, "unit_lead")
    mine = filed(tenant, unit, plan(tenant, "32.10", "V"), "Meine Akte", b"m", closed=None)
    theirs = filed(tenant, elsewhere, plan(tenant, "50.10", "V"), "Fremde Akte", b"t", closed=None)
    login_staff(tclient, lead)
    page = tclient.get(f"{BASE}akten/").content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert tclient.get(f"{BASE}akte/{theirs.uuid}/").status_code == 404
    filtered = tclient.get(f"{BASE}akten/", {"q": "nichts-dergleichen", "status": "closed"}).content.decode()
    assert mine.reference not in filtered


def test_one_upload_reads_any_message_of_the_archive(tclient: Any, tenant: Any) -> None:
    from rathaus.records import retention
    from rathaus.records.tests.test_retention import receipt_of_archive

    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    manager: Any = StaffFactory(tenant=tenant, email="reg@alpha.test", roles=["tenant_admin"])
    lead = _staff(tenant, "lead@alpha.test", unit, "unit_lead")
    a = filed(tenant, unit, plan(tenant, "00.01", "A"), "Bauakte", b"A")
    run = retention.create_run(tenant=tenant, user=manager, cutoff=dt.date(2099, 1, 1))
    retention.approve_run(run=run, user=lead)
    run.refresh_from_db()
    retention.execute_run(run=run, user=manager)
    login_staff(tclient, manager)
    step = f"{BASE}{run.uuid}/schritt/"

    def upload(data: bytes) -> str:
        message = SimpleUploadedFile("archiv.xml", data, "application/xml")
        return tclient.post(step, {"action": "import", "message": message}, follow=True).content.decode()

    assert "Empfang des Anbieteverzeichnisses bestätigt (0504)" in upload(
        receipt_of_archive(str(run.process_id), "0504")
    )
    assert "abgelehnt" in upload(b"<kein>xdomea</kein>")
    assert "Bewertung des Archivs (0502) ist übernommen" in upload(appraisal(str(run.process_id), {str(a.uuid): "A"}))
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.APPRAISED
    kept = [(e.message_type, e.accepted) for e in run.exchanges.order_by("pk")]
    assert kept == [("0501", True), ("0504", True), ("0000", False), ("0502", True)]
