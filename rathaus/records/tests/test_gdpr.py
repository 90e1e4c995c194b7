"""GDPR: the access export of one person across files and cases, and erasure once their files are gone."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from rathaus.identity.tests.factories import CitizenFactory
from rathaus.records import gdpr, retention
from rathaus.records.journal import Actor
from rathaus.records.models import JournalEntry, Party
from rathaus.records.tests.test_retention import filed, plan
from rathaus.tenants.tests.factories import OrgUnitFactory

SYSTEM = Actor.system()


def test_the_access_export_has_everything_about_the_person_and_nothing_else(tenant: Any, other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    citizen = CitizenFactory(tenant=tenant)
    mia = Party.objects.create(tenant=tenant, name="Mia Muster", account=citizen, email="mia@example.org")
    mia_again = Party.objects.create(tenant=tenant, name="Mia Muster (Gewerbe)", account=citizen)
    other = Party.objects.create(tenant=tenant, name="Otto Anders", account=CitizenFactory(tenant=tenant))
    filed(tenant, unit, plan(tenant, "1", "V"), "Hundesteuer Bello", b"Bello", party=mia)
    filed(tenant, unit, plan(tenant, "2", "A"), "Gewerbe Muster", b"Gewerbe", party=mia_again, closed=None)
    filed(tenant, unit, plan(tenant, "3", "V"), "Otto", b"Otto", party=other)
    other_unit = OrgUnitFactory(tenant=other_tenant, key="X", name="X")
    foreign = Party.objects.create(tenant=other_tenant, name="Mia Muster", account=citizen)
    filed(other_tenant, other_unit, plan(other_tenant, "1", "V"), "Fremd", b"Fremd", party=foreign)

    export = gdpr.access_export(tenant_id=tenant.pk, actor=SYSTEM, account=citizen)
    subjects = sorted(f["subject"] for f in export["files"])
    assert subjects == ["Gewerbe Muster", "Hundesteuer Bello"]
    assert export["files"][0]["cases"][0]["documents"][0]["versions"][0]["text"].startswith("Inhalt")
    with zipfile.ZipFile(io.BytesIO(gdpr.access_export_zip(tenant_id=tenant.pk, actor=SYSTEM, account=citizen))) as z:
        contents = {z.read(n) for n in z.namelist() if n != "auskunft.json"}
        assert contents == {b"Bello", b"Gewerbe"}
        assert json.loads(z.read("auskunft.json"))["parties"][0]["email"] == "mia@example.org"
    assert JournalEntry.objects.filter(tenant=tenant, action="gdpr.access_exported").count() == 2


def test_erasure_waits_for_the_last_file(tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    mia = Party.objects.create(tenant=tenant, name="Mia Muster", address="Hauptstr. 1")
    first = filed(tenant, unit, plan(tenant, "1", "V"), "Eins", b"1", party=mia)
    second = filed(tenant, unit, plan(tenant, "2", "V", years=30), "Zwei", b"2", party=mia)
    retention.destroy_file(case_file=first, actor=SYSTEM)
    assert gdpr.erase_due(tenant_id=tenant.pk, actor=SYSTEM) == 0
    mia.refresh_from_db()
    assert mia.name == "Mia Muster"  # the second file is still kept
    retention.destroy_file(case_file=second, actor=SYSTEM)
    mia.refresh_from_db()
    assert (mia.name, mia.address) == (retention.ERASED, "")
    assert JournalEntry.objects.filter(tenant=tenant, action="party.erased").count() == 1


def test_the_access_export_page(tclient: Any, tenant: Any) -> None:
    from rathaus.identity.tests.factories import StaffFactory, login_staff

    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    admin: Any = StaffFactory(tenant=tenant, email="reg@alpha.test", roles=["tenant_admin"])
    lead: Any = StaffFactory(tenant=tenant, email="lead@alpha.test", roles=["unit_lead"])
    citizen = CitizenFactory(tenant=tenant, email="mia@example.org")
    mia = Party.objects.create(tenant=tenant, name="Mia Muster", account=citizen)
    filed(tenant, unit, plan(tenant, "1", "V"), "Hundesteuer Bello", b"Bello", party=mia)
    url = "/intern/aussonderung/auskunft/"
    login_staff(tclient, lead)
    assert tclient.post(url, {"email": "mia@example.org"}).status_code == 403
    login_staff(tclient, admin)
    assert tclient.post(url, {"email": "mi\x00a@example.org"}).status_code == 200  # refused, no 500
    assert "niemand" in tclient.post(url, {"email": "otto@example.org"}).content.decode()
    response = tclient.post(url, {"email": "MIA@example.org"})
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        assert b"Bello" in {z.read(n) for n in z.namelist()}
    assert JournalEntry.objects.filter(tenant=tenant, action="gdpr.access_exported", actor_id=admin.pk).exists()
