"""Retention and Aussonderung: closing, the run with four eyes, destruction, xdomea 0501→0502→0503→0506
(every message validated against the official KoSIT schemas), legal holds, isolation, the journal."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.attachments import storage
from rathaus.core.text import clean_text
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import journal, retention, services, xdomea
from rathaus.records.journal import Actor
from rathaus.records.models import (
    ArchiveExchange,
    CaseFile,
    DisposalItem,
    DisposalRun,
    DocumentVersion,
    FilePlanUnit,
    JournalEntry,
    Party,
)
from rathaus.tenants.tests.factories import OrgUnitFactory

SYSTEM = Actor.system()
XSD = Path("/work/shared/xdomea/3.1.0/xdomea.xsd")
NS = "urn:xoev-de:xdomea:schema:3.1.0"
LONG_AGO = timezone.now() - dt.timedelta(days=365 * 12)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def valid(schema: xmlschema.XMLSchema, data: bytes) -> None:
    errors = list(schema.iter_errors(io.BytesIO(data)))
    assert not errors, errors[0]


@pytest.fixture
def unit(tenant: Any) -> Any:
    return OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")


@pytest.fixture
def manager(tenant: Any, unit: Any) -> Any:
    return StaffFactory(tenant=tenant, email="registratur@alpha.test", roles=["tenant_admin"])


@pytest.fixture
def lead(tenant: Any, unit: Any) -> Any:
    return StaffFactory(tenant=tenant, email="leitung@alpha.test", roles=["unit_lead"])


@pytest.fixture
def worker(tenant: Any, unit: Any) -> Any:
    return StaffFactory(tenant=tenant, email="sb@alpha.test", roles=["caseworker"])


def plan(tenant: Any, code: str, disposal: str, years: int = 10) -> FilePlanUnit:
    return FilePlanUnit.objects.create(
        tenant=tenant, code=code, title=f"Plan {code}", retention_years=years, disposal=disposal
    )


def filed(
    tenant: Any,
    unit: Any,
    plan_unit: FilePlanUnit,
    subject: str,
    data: bytes,
    *,
    party: Party | None = None,
    closed: dt.datetime | None = LONG_AGO,
) -> CaseFile:
    f = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan_unit, owner_unit=unit, subject=subject, party=party, actor=SYSTEM
    )
    case = services.open_case(case_file=f, subject=subject, owner_unit=unit, actor=SYSTEM)
    services.add_document(
        case=case,
        kind="incoming",
        title=f"Brief {subject}",
        name="brief.pdf",
        content_type="application/pdf",
        data=data,
        text=f"Inhalt {subject}",
        actor=SYSTEM,
    )
    if closed is not None:
        f = retention.close_file(case_file=f, actor=SYSTEM, at=closed)
    return f


def keys_of(f: CaseFile) -> list[str]:
    return list(
        DocumentVersion.objects.for_tenant(f.tenant_id).filter(document__case__file=f).values_list("key", flat=True)
    )


def blob_exists(key: str) -> bool:
    return key in set(storage.iter_keys())


def actions(tenant: Any) -> list[tuple[str, str]]:
    return list(JournalEntry.objects.filter(tenant=tenant).order_by("seq").values_list("action", "outcome"))


def appraisal(process_id: str, decisions: dict[str, str]) -> bytes:
    objects = "".join(
        f"<xdomea:BewertetesObjekt><xdomea:ID>{i}</xdomea:ID><xdomea:Aussonderungsart><xdomea:Aussonderungsart>"
        f"<code>{c}</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart></xdomea:BewertetesObjekt>"
        for i, c in decisions.items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><xdomea:Aussonderung.Bewertungsverzeichnis.0502 xmlns:xdomea="{NS}">'
        f"{head(process_id, '0502', 'Empfangsbestaetigung')}{objects}</xdomea:Aussonderung.Bewertungsverzeichnis.0502>"
    ).encode()


def confirmation(process_id: str, results: dict[str, bool]) -> bytes:
    objects = "".join(
        f"<xdomea:AusgesondertesSGO><xdomea:IDSGO>{i}</xdomea:IDSGO><xdomea:Erfolgreich>{str(ok).lower()}"
        f"</xdomea:Erfolgreich></xdomea:AusgesondertesSGO>"
        for i, ok in results.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xdomea:Aussonderung.AussonderungImportBestaetigen.0506 xmlns:xdomea="{NS}">'
        f"{head(process_id, '0506')}{objects}</xdomea:Aussonderung.AussonderungImportBestaetigen.0506>"
    ).encode()


def head(process_id: str, code: str, *flags: str) -> str:
    extra = "".join(f"<xdomea:{f}>false</xdomea:{f}>" for f in flags)
    return (
        f"<xdomea:Kopf><xdomea:ProzessID>{process_id}</xdomea:ProzessID><xdomea:Nachrichtentyp><code>{code}</code>"
        "</xdomea:Nachrichtentyp><xdomea:Erstellungszeitpunkt>2038-01-05T10:00:00+01:00</xdomea:Erstellungszeitpunkt>"
        "<xdomea:Absender><xdomea:Institution><xdomea:Name>Stadtarchiv</xdomea:Name></xdomea:Institution></xdomea:Absender>"
        "<xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Stadt</xdomea:Name></xdomea:Institution></xdomea:Empfaenger>"
        f"{extra}</xdomea:Kopf>"
    )


def test_retention_ends_on_the_anniversary_of_closing(tenant: Any, unit: Any) -> None:
    f = filed(
        tenant, unit, plan(tenant, "1", "V", years=6), "Leap", b"x", closed=dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC)
    )
    assert f.retention_ends() == dt.date(2030, 2, 28)
    assert retention.due_files(tenant.pk, dt.date(2030, 2, 27)) == []
    assert retention.due_files(tenant.pk, dt.date(2030, 2, 28)) == [f]
    still_open = filed(tenant, unit, plan(tenant, "2", "V"), "Offen", b"y", closed=None)
    assert still_open.retention_ends() is None
    assert still_open not in retention.due_files(tenant.pk, dt.date(2099, 1, 1))


def test_the_whole_aussonderung(
    tenant: Any, unit: Any, manager: Any, lead: Any, worker: Any, schema: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = Party.objects.create(tenant=tenant, name="Mia Muster", address="Hauptstr. 1", email="mia@example.org")
    a = filed(tenant, unit, plan(tenant, "00.01", "A"), "Bauakte Mühlweg 3", b"A-Inhalt")
    b = filed(tenant, unit, plan(tenant, "00.02", "B"), "Gewerbe Muster", b"B-Inhalt")
    v = filed(tenant, unit, plan(tenant, "00.03", "V"), "Hundesteuer Bello", b"V-Inhalt", party=person)
    held = filed(tenant, unit, plan(tenant, "00.04", "V"), "Streitsache", b"H-Inhalt")
    retention.set_legal_hold(case_file=held, hold=True, reason="Klage VG 1 K 2/26", actor=SYSTEM)
    young = filed(tenant, unit, plan(tenant, "00.05", "V"), "Neu", b"N-Inhalt", closed=timezone.now())
    today = timezone.localdate()

    run = retention.create_run(tenant=tenant, user=manager, cutoff=today)
    assert {i.file_id for i in run.items.all()} == {a.pk, b.pk, v.pk}  # not the held one, not the young one

    with pytest.raises(retention.RetentionError):
        retention.approve_run(run=run, user=manager)  # four eyes (the admin passes the role check)
    with pytest.raises(retention.RetentionError):
        retention.approve_run(run=run, user=worker)
    with pytest.raises(retention.RetentionError):
        retention.execute_run(run=run, user=manager)  # not approved yet
    run = retention.approve_run(run=run, user=lead)
    assert run.approved_by == lead

    v_keys = keys_of(v)
    with django_capture_on_commit_callbacks(execute=True):
        offer = retention.execute_run(run=run, user=manager)
    v.refresh_from_db()
    assert v.status == CaseFile.Status.DESTROYED and v.subject == retention.ERASED
    versions = DocumentVersion.objects.for_tenant(tenant).filter(document__case__file=v)
    assert all(x.destroyed_at and x.text == "" for x in versions)
    assert not any(blob_exists(k) for k in v_keys)
    person.refresh_from_db()
    assert (person.name, person.address, person.email) == (retention.ERASED, "", "")

    assert offer is not None and offer.message_type == "0501"
    valid(schema, bytes(offer.content))
    offered_xml = bytes(offer.content).decode()
    assert str(a.uuid) in offered_xml and str(b.uuid) in offered_xml and str(v.uuid) not in offered_xml
    assert "Primaerdokument" not in offered_xml and "A-Inhalt" not in offered_xml  # metadata only
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.OFFERED

    answer = appraisal(str(run.process_id), {str(a.uuid): "A", str(b.uuid): "V"})
    valid(schema, answer)
    b_keys = keys_of(b)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.import_appraisal(run=run, user=manager, data=answer) == {str(a.uuid): "A", str(b.uuid): "V"}
    b.refresh_from_db()
    assert b.status == CaseFile.Status.DESTROYED and not any(blob_exists(k) for k in b_keys)

    run.refresh_from_db()
    transfer = retention.build_transfer(run=run, user=manager)
    assert transfer.name == f"{run.process_id}_Aussonderung.Aussonderung.0503.zip"
    with zipfile.ZipFile(io.BytesIO(bytes(transfer.content))) as container:
        names = container.namelist()
        xml = container.read(f"{run.process_id}_Aussonderung.Aussonderung.0503.xml")
        valid(schema, xml)
        document_files = [n for n in names if not n.endswith("0503.xml")]
        assert len(document_files) == 1 and container.read(document_files[0]) == b"A-Inhalt"
        assert document_files[0].encode() in xml  # the message names the primary document it carries
    a_keys = keys_of(a)
    assert all(blob_exists(k) for k in a_keys)  # nothing is deleted before the archive confirms the import

    run.refresh_from_db()
    receipt = confirmation(str(run.process_id), {str(a.uuid): True})
    valid(schema, receipt)
    with django_capture_on_commit_callbacks(execute=True):
        retention.import_confirmation(run=run, user=manager, data=receipt)
    a.refresh_from_db()
    run.refresh_from_db()
    assert a.status == CaseFile.Status.ARCHIVED and not any(blob_exists(k) for k in a_keys)
    assert run.status == DisposalRun.Status.DONE
    assert held.pk not in {i.file_id for i in run.items.all()} and all(blob_exists(k) for k in keys_of(held))
    assert young.status == CaseFile.Status.CLOSED and all(blob_exists(k) for k in keys_of(young))

    log = actions(tenant)
    for step in [
        "file.closed",
        "file.legal_hold.set",
        "disposal.created",
        "disposal.approved",
        "disposal.executed",
        "file.destroyed",
        "party.erased",
        "xdomea.0502.imported",
        "xdomea.0503.sent",
        "xdomea.0506.imported",
    ]:
        assert (step, "done") in log, step
    assert log.count(("disposal.approved", "refused")) == 2 and ("disposal.executed", "refused") in log
    assert journal.verify(tenant.pk).ok
    assert [e.message_type for e in run.exchanges.all()] == ["0501", "0502", "0503", "0506"]


def offered_run(tenant: Any, unit: Any, manager: Any, lead: Any) -> tuple[DisposalRun, CaseFile]:
    a = filed(tenant, unit, plan(tenant, "00.01", "A"), "Bauakte", b"A-Inhalt")
    run = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    retention.approve_run(run=run, user=lead)
    run.refresh_from_db()
    retention.execute_run(run=run, user=manager)
    run.refresh_from_db()
    return run, a


def test_an_appraisal_naming_an_unknown_object_is_refused_whole(
    tenant: Any, unit: Any, manager: Any, lead: Any, schema: Any
) -> None:
    run, a = offered_run(tenant, unit, manager, lead)
    stranger = str(uuid.uuid4())
    answer = appraisal(str(run.process_id), {str(a.uuid): "V", stranger: "A"})
    valid(schema, answer)  # well-formed xdomea, but it names an object this run never offered
    with pytest.raises(xdomea.XdomeaError) as refused:
        retention.import_appraisal(run=run, user=manager, data=answer)
    assert any(stranger in p for p in refused.value.problems)
    a.refresh_from_db()
    assert a.status == CaseFile.Status.OFFERED and all(blob_exists(k) for k in keys_of(a))  # nothing applied
    kept = ArchiveExchange.objects.for_tenant(tenant).get(run=run, message_type="0502")
    assert not kept.accepted and stranger in kept.report
    assert ("xdomea.0502.imported", "refused") in actions(tenant)
    assert DisposalItem.objects.for_tenant(tenant).get(run=run).appraisal == ""

    wrong_process = appraisal(str(uuid.uuid4()), {str(a.uuid): "V"})
    with pytest.raises(xdomea.XdomeaError):
        retention.import_appraisal(run=run, user=manager, data=wrong_process)
    with pytest.raises(xdomea.XdomeaError):
        retention.import_appraisal(
            run=run, user=manager, data=b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"
        )


def test_a_legal_hold_stops_disposal(
    tenant: Any, unit: Any, manager: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    v = filed(tenant, unit, plan(tenant, "00.03", "V"), "Hundesteuer", b"V-Inhalt")
    run = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    retention.approve_run(run=run, user=lead)
    retention.set_legal_hold(case_file=v, hold=True, reason="Auskunftsersuchen", actor=SYSTEM)  # after listing
    run.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        retention.execute_run(run=run, user=manager)
    v.refresh_from_db()
    assert v.status == CaseFile.Status.CLOSED and all(blob_exists(k) for k in keys_of(v))
    assert DisposalItem.objects.for_tenant(tenant).get(run=run).status == DisposalItem.Status.REFUSED
    assert ("file.disposal", "refused") in actions(tenant)
    with pytest.raises(retention.RetentionError):
        retention.destroy_file(case_file=v, actor=SYSTEM)
    assert ("file.destroyed", "refused") in actions(tenant)
    assert all(blob_exists(k) for k in keys_of(v))


def test_a_blob_another_file_still_uses_stays(tenant: Any, unit: Any, django_capture_on_commit_callbacks: Any) -> None:
    gone = filed(tenant, unit, plan(tenant, "00.03", "V"), "Weg", b"gemeinsamer Nachweis")
    kept = filed(tenant, unit, plan(tenant, "00.06", "A", years=30), "Bleibt", b"gemeinsamer Nachweis")
    with django_capture_on_commit_callbacks(execute=True):
        retention.destroy_file(case_file=gone, actor=SYSTEM)
    assert keys_of(gone) == keys_of(kept) and blob_exists(keys_of(kept)[0])


def test_only_the_records_manager_lists_and_only_own_files(
    tenant: Any, other_tenant: Any, unit: Any, manager: Any, worker: Any
) -> None:
    mine = filed(tenant, unit, plan(tenant, "00.03", "V"), "Meins", b"m")
    other_unit = OrgUnitFactory(tenant=other_tenant, key="X", name="Amt X")
    theirs = filed(other_tenant, other_unit, plan(other_tenant, "00.03", "V"), "Fremd", b"f")
    foreign_admin = StaffFactory(tenant=other_tenant, email="admin@beta.test")
    StaffRole.objects.create(tenant=other_tenant, user=foreign_admin, org_unit=other_unit, role="tenant_admin")
    for user in (worker, foreign_admin):
        with pytest.raises(retention.RetentionError):
            retention.create_run(tenant=tenant, user=user, cutoff=timezone.localdate())
    run = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    assert [i.file_id for i in run.items.all()] == [mine.pk]
    assert theirs.pk not in [i.file_id for i in DisposalItem.objects.unscoped()]
    assert actions(tenant).count(("disposal.created", "refused")) == 2


def test_only_what_the_archive_confirmed_is_deleted(
    tenant: Any, unit: Any, manager: Any, lead: Any, schema: Any, django_capture_on_commit_callbacks: Any
) -> None:
    archive_plan = plan(tenant, "00.01", "A")
    one = filed(tenant, unit, archive_plan, "Eins", b"eins")
    two = filed(tenant, unit, archive_plan, "Zwei", b"zwei")
    run = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    retention.approve_run(run=run, user=lead)
    run.refresh_from_db()
    retention.execute_run(run=run, user=manager)
    run.refresh_from_db()
    retention.import_appraisal(
        run=run, user=manager, data=appraisal(str(run.process_id), {str(one.uuid): "A", str(two.uuid): "A"})
    )
    run.refresh_from_db()
    retention.build_transfer(run=run, user=manager)
    run.refresh_from_db()
    receipt = confirmation(str(run.process_id), {str(one.uuid): True, str(two.uuid): False})
    valid(schema, receipt)
    with django_capture_on_commit_callbacks(execute=True):
        retention.import_confirmation(run=run, user=manager, data=receipt)
    one.refresh_from_db()
    two.refresh_from_db()
    run.refresh_from_db()
    assert one.status == CaseFile.Status.ARCHIVED and not blob_exists(keys_of(one)[0])
    assert two.status == CaseFile.Status.OFFERED and blob_exists(keys_of(two)[0])  # import failed: kept
    assert run.status == DisposalRun.Status.TRANSFERRED
    unknown = confirmation(str(run.process_id), {str(uuid.uuid4()): True})
    with pytest.raises(xdomea.XdomeaError):
        retention.import_confirmation(run=run, user=manager, data=unknown)
    assert blob_exists(keys_of(two)[0])


def receipt_of_archive(process_id: str, code: str) -> bytes:
    element = xdomea.RECEIPTS[code]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><xdomea:{element} xmlns:xdomea="{NS}">'
        f"{head(process_id, code)}</xdomea:{element}>"
    ).encode()


def test_receipts_0504_0505_0507_go_both_ways_and_fit_the_schema(
    tenant: Any, unit: Any, manager: Any, lead: Any, worker: Any, schema: Any
) -> None:
    run, a = offered_run(tenant, unit, manager, lead)
    pid = str(run.process_id)
    got_offer = receipt_of_archive(pid, "0504")
    valid(schema, got_offer)
    with pytest.raises(retention.RetentionError):
        retention.import_message(run=run, user=worker, data=got_offer)  # the records manager only
    with pytest.raises(retention.RetentionError):  # 0507 answers a transfer, and there is none yet
        retention.import_message(run=run, user=manager, data=receipt_of_archive(pid, "0507"))
    with pytest.raises(xdomea.XdomeaError):  # another run's receipt
        retention.import_message(run=run, user=manager, data=receipt_of_archive(str(uuid.uuid4()), "0504"))
    assert retention.import_message(run=run, user=manager, data=got_offer) == "0504"
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.OFFERED  # a receipt changes nothing

    # An appraisal that asks for a receipt gets our 0505; one that does not, none.
    answer = appraisal(pid, {str(a.uuid): "A"}).replace(
        b"<xdomea:Empfangsbestaetigung>false", b"<xdomea:Empfangsbestaetigung>true"
    )
    valid(schema, answer)
    assert retention.import_message(run=run, user=manager, data=answer) == "0502"
    ours = ArchiveExchange.objects.for_tenant(tenant).get(run=run, message_type="0505")
    assert ours.direction == ArchiveExchange.Direction.OUT
    assert ours.name.endswith("BewertungEmpfangBestaetigen.0505.xml")
    valid(schema, bytes(ours.content))
    assert pid.encode() in bytes(ours.content)

    run.refresh_from_db()
    retention.build_transfer(run=run, user=manager)
    run.refresh_from_db()
    got_transfer = receipt_of_archive(pid, "0507")
    valid(schema, got_transfer)
    assert retention.import_message(run=run, user=manager, data=got_transfer) == "0507"
    with pytest.raises(xdomea.XdomeaError):  # not a message of the archive at all
        retention.import_message(run=run, user=manager, data=b"<Brief>Hallo</Brief>")
    types = [(e.message_type, e.direction, e.accepted) for e in run.exchanges.order_by("pk")]
    assert [t for t in types if t[2]] == [
        ("0501", "out", True), ("0504", "in", True), ("0502", "in", True), ("0505", "out", True),
        ("0503", "out", True), ("0507", "in", True),
    ]  # fmt: skip
    log = actions(tenant)
    for step in ("xdomea.0504.imported", "xdomea.0505.sent", "xdomea.0507.imported"):
        assert (step, "done") in log, step
    assert ("xdomea.0504.imported", "refused") in log and ("xdomea.0507.imported", "refused") in log


def test_an_appraisal_without_a_receipt_request_gets_no_0505(tenant: Any, unit: Any, manager: Any, lead: Any) -> None:
    run, a = offered_run(tenant, unit, manager, lead)
    retention.import_appraisal(run=run, user=manager, data=appraisal(str(run.process_id), {str(a.uuid): "A"}))
    assert not ArchiveExchange.objects.for_tenant(tenant).filter(run=run, message_type="0505").exists()


@pytest.fixture
def held_file(tenant: Any, unit: Any) -> CaseFile:
    return filed(tenant, unit, plan(tenant, "00.09", "V"), "Sperrprobe", b"s", closed=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(max_size=320))
def test_any_hold_reason_is_stored_cleaned_or_refused_with_a_message(
    tenant: Any, manager: Any, held_file: CaseFile, reason: str
) -> None:
    try:
        held = retention.legal_hold_as(case_file=held_file, user=manager, tenant=tenant, hold=True, reason=reason)
    except retention.RetentionError as exc:
        assert str(exc)
        assert not CaseFile.objects.for_tenant(tenant).get(pk=held_file.pk).legal_hold
    else:
        held.refresh_from_db()
        assert held.legal_hold and held.legal_hold_reason == clean_text(reason) != ""
        retention.legal_hold_as(case_file=held, user=manager, tenant=tenant, hold=False, reason="Probe beendet")
