"""Decision pages over HTTP: the flow as staff click it, permissions, and the public seal check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from rathaus.attachments import storage
from rathaus.identity.tests.factories import StaffFactory, login_citizen, login_staff
from rathaus.records import decision_views
from rathaus.records.models import Decision, DecisionTemplate, DocumentVersion, JournalEntry
from rathaus.records.tests.test_decisions import sealed_decision, seals, staff, world  # noqa: F401 (fixtures)
from rathaus.records.tests.test_filing import plan, service  # noqa: F401 (fixtures)
from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory
from rathaus.tenants.tests.world import pdf_with

BASE = "/intern/bescheide/"
CHECK = "/bescheid-pruefen/"


def upload(data: bytes, name: str = "bescheid.pdf") -> dict[str, Any]:
    return {"datei": SimpleUploadedFile(name, data, content_type="application/pdf")}


@pytest.mark.django_db
def test_staff_draft_edit_submit_approve_and_seal_through_the_pages(
    tclient: Any,
    tenant: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    w = world
    login_staff(tclient, w["author"])
    page = tclient.get(f"{BASE}vorgang/{w['case'].uuid}/neu/")
    assert page.status_code == 200 and w["template"].title in page.content.decode()
    response = tclient.post(f"{BASE}vorgang/{w['case'].uuid}/neu/", {"vorlage": w["template"].pk})
    decision = Decision.objects.for_tenant(tenant).get(case=w["case"])
    assert response.status_code == 302 and response["Location"] == f"{BASE}{decision.uuid}/"
    url = f"{BASE}{decision.uuid}/"
    assert "Mia Muster" in tclient.get(url).content.decode()
    tclient.post(url, {"_action": "edit", "title": decision.title, "body": "Genehmigt.", "remedy_notice": "Klage."})
    assert (
        tclient.post(url, {"_action": "edit", "title": "x", "body": "a\x00b", "remedy_notice": "y"}).status_code == 400
    )
    tclient.post(url, {"_action": "submit"})
    refused = tclient.post(url, {"_action": "approve"})  # four eyes: the author cannot approve
    assert refused.status_code == 400 and "selbst" in refused.content.decode()
    assert tclient.post(url, {"_action": "seal"}).status_code == 400

    login_staff(tclient, w["lead"])
    assert decision.reference in tclient.get(BASE).content.decode()  # awaiting the lead's approval
    assert tclient.post(url, {"_action": "approve"}).status_code == 302
    login_staff(tclient, w["author"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tclient.post(url, {"_action": "seal"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == "sealed" and decision.body == "Genehmigt."
    page = tclient.get(url).content.decode()
    assert decision.sha256 in page and "PDF öffnen" in page
    assert tclient.post(url, {"_action": "seal"}).status_code == 400  # never twice
    assert tclient.post(url, {"_action": "bogus"}).status_code == 400
    actions = set(
        JournalEntry.objects.filter(tenant=tenant, object_id=decision.reference).values_list("action", flat=True)
    )
    assert {
        "decision.read",
        "decision.drafted",
        "decision.approved",
        "decision.sealed",
        "decision.delivered",
    } <= actions


@pytest.mark.django_db
def test_other_units_other_municipalities_and_visitors_never_see_a_decision(
    client: Any,
    tclient: Any,
    tenant: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    w = world
    decision = sealed_decision(tenant, w)
    url = f"{BASE}{decision.uuid}/"
    other_unit = OrgUnitFactory(tenant=tenant, key="FB50", name="Sozialamt")
    stranger = staff(tenant, other_unit, "caseworker", "bernd@alpha.test")
    login_staff(tclient, stranger)
    assert tclient.get(url).status_code == 404
    assert tclient.post(url, {"_action": "supersede"}).status_code == 404
    assert tclient.get(f"{BASE}vorgang/{w['case'].uuid}/neu/").status_code == 404
    assert decision.reference not in tclient.get(BASE).content.decode()
    refused = JournalEntry.objects.filter(tenant=tenant, outcome="refused", actor_id=stranger.pk)
    assert refused.filter(action="decision.read").count() == 2 and refused.filter(action="decision.drafted").exists()

    beta = MunicipalityFactory(slug="beta", name="Gemeinde Beta", ags="05111001")
    foreign_admin = StaffFactory(tenant=beta, email="admin@beta.test", roles=["tenant_admin"])
    client.defaults["HTTP_HOST"] = "beta.testserver"
    login_staff(client, foreign_admin)
    assert client.get(url).status_code == 404
    assert client.post(f"{BASE}vorgang/{w['case'].uuid}/neu/", {"vorlage": w["template"].pk}).status_code == 404

    tclient.logout()
    assert tclient.get(url).status_code == 302  # to the staff login
    login_citizen(tclient, w["citizen"])
    assert tclient.get(url).status_code in (302, 403)
    assert Decision.objects.for_tenant(tenant).count() == 1


@pytest.mark.django_db
def test_only_unit_leads_create_templates_and_the_sandbox_refuses_tags(
    tclient: Any,
    tenant: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    w = world
    form = {
        "title": "Ablehnung",
        "body": "Abgelehnt, {{ name }}.",
        "remedy_notice": "Klage.",
        "fee_amount": "",
        "four_eyes": "1",
    }
    login_staff(tclient, w["author"])
    assert tclient.post(f"{BASE}vorlagen/", form).status_code == 403
    login_staff(tclient, w["lead"])
    assert tclient.post(f"{BASE}vorlagen/", {**form, "body": "{% load static %}"}).status_code == 400
    assert tclient.post(f"{BASE}vorlagen/", {**form, "fee_amount": "abc"}).status_code == 400
    assert tclient.post(f"{BASE}vorlagen/", form).status_code == 302
    assert DecisionTemplate.objects.for_tenant(tenant).filter(title="Ablehnung", four_eyes=True).exists()


@pytest.mark.django_db
def test_the_public_check_names_the_decision_and_refuses_tampered_foreign_and_garbage(
    tclient: Any,
    tenant: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    decision = sealed_decision(tenant, world)
    pdf = storage.open_blob(DocumentVersion.objects.for_tenant(tenant).get(document=decision.document).key)
    assert tclient.get(CHECK).status_code == 200
    page = tclient.post(CHECK, upload(pdf))
    assert page.status_code == 200 and "Das Siegel ist gültig." in page.content.decode()
    assert decision.reference in page.content.decode()
    at = pdf.index(b"Hundeanmeldung")
    tampered = tclient.post(CHECK, upload(pdf[:at] + b"Y" + pdf[at + 1 :])).content.decode()
    assert "Kein gültiges Siegel." in tampered and decision.reference not in tampered
    for junk in (b"\x00\xff" * 50, b"%PDF-1.4\n" + b"\x00" * 200, pdf_with("ohne Siegel")):
        response = tclient.post(CHECK, upload(junk))
        assert response.status_code == 200 and "Kein gültiges Siegel." in response.content.decode()
    assert tclient.post(CHECK, {}).status_code == 400
    entries = JournalEntry.objects.filter(tenant=tenant, action="decision.verified")
    assert entries.filter(object_id=decision.reference, detail__valid=True).count() == 1
    assert entries.filter(detail__valid=False).count() == 5


@pytest.mark.django_db
def test_the_public_check_is_size_and_rate_limited(tclient: Any, tenant: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(decision_views, "MAX_UPLOAD", 1000)
    assert tclient.post(CHECK, upload(b"%PDF" + b"0" * 1200)).status_code == 400
    monkeypatch.setattr(decision_views, "VERIFY_LIMIT", 2)
    codes = [tclient.post(CHECK, upload(pdf_with("x"))).status_code for _ in range(3)]
    assert codes == [200, 429, 429]  # the oversize upload counted too
