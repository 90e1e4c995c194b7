"""Document templates (Vorlagen): restricted placeholders (no template engine, no injection), a PDF/A letter filed
in the case, managed by the records administration only, never across municipalities."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.core.text import clean_text
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.records import document_templates, services
from rathaus.records.document_templates import TemplateError, check_body, fill
from rathaus.records.journal import Actor
from rathaus.records.models import Document, DocumentVersion, FilePlanUnit, JournalEntry, Party
from rathaus.records.models_templates import DocumentTemplate
from rathaus.records.tests.test_work_area import make_case
from rathaus.tenants.tests.factories import OrgUnitFactory
from rathaus.tenants.tests.world import readable

SYSTEM = Actor.system()
pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(tenant: Any) -> Any:
    return OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")


@pytest.fixture
def plan(tenant: Any) -> FilePlanUnit:
    return FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)


def template(tenant: Any, body: str, title: str = "Anhörung", service_key: str = "") -> DocumentTemplate:
    return document_templates.save_template(
        tenant=tenant, actor=SYSTEM, title=title, body=body, service_key=service_key
    )


@pytest.mark.parametrize(
    "body",
    [
        "Hallo {{ vorname }}",  # no such placeholder
        "{{ akte.reference }}",  # attribute access
        "{{ name|upper }}",  # filters
        "{% include 'base.html' %}",
        "{% load static %}{% debug %}",
        "{{ aktenzeichen }} }}",
        "{# Kommentar #}",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_anything_but_known_placeholders_is_refused(body: str) -> None:
    with pytest.raises(TemplateError):
        check_body(body)


def test_placeholders_are_filled_once_and_never_expanded_again() -> None:
    values = {"name": "{{ aktenzeichen }}", "aktenzeichen": "32-2026-000001/1", "antworten": {"hund": "{{ name }}"}}
    filled = fill("An {{name}} ({{ aktenzeichen }}), Hund {{ antworten.hund }}{{ antworten.fehlt }}.", values)
    assert filled == "An {{ aktenzeichen }} (32-2026-000001/1), Hund {{ name }}."


def test_a_letter_from_a_template_is_filed_as_pdf_a_with_escaped_values(tenant: Any, unit: Any, plan: Any) -> None:
    case = make_case(tenant, unit, plan)
    party = Party.objects.create(tenant=tenant, name="<b>Mia</b> & {{ kommune }}", address="Hauptstr. 1")
    case.file.party = party
    case.file.save(update_fields=["party"])
    letter = template(tenant, "Sehr geehrte/r {{ name }},\nAktenzeichen {{ aktenzeichen }} vom {{ datum }}.")
    document = document_templates.file_from_template(case=case, template_id=str(letter.pk), actor=SYSTEM)
    version = DocumentVersion.objects.for_tenant(tenant).get(document=document)
    assert document.kind == Document.Kind.OUTGOING and document.title == "Anhörung"
    assert version.text.startswith(f"Sehr geehrte/r <b>Mia</b> & {{{{ kommune }}}},\nAktenzeichen {case.reference}")
    pdf = services.storage.open_blob(version.key)
    text = readable(pdf).decode(errors="replace")
    assert "<b>Mia</b> & {{ kommune }}" in text and case.reference in text  # shown as typed, not as markup
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        meta = opened.open_metadata()
        assert meta.pdfa_status == "3B"
    assert JournalEntry.objects.filter(tenant=tenant, action="case.document_from_template", outcome="done").exists()


def test_only_active_templates_of_the_case_service_and_municipality_are_used(
    tenant: Any, other_tenant: Any, unit: Any, plan: Any
) -> None:
    case = make_case(tenant, unit, plan, service_key="99102013104000")
    inactive = template(tenant, "alt", title="Alt")
    document_templates.save_template(
        tenant=tenant, actor=SYSTEM, title="Alt", body="alt", template=inactive, active=False
    )
    other_service = template(tenant, "Bau", title="Bau", service_key="99012070006000")
    foreign = template(other_tenant, "{{ kommune }}", title="Fremd")
    for bad in (inactive.pk, other_service.pk, foreign.pk, "x", "", None):
        with pytest.raises(TemplateError):
            document_templates.file_from_template(case=case, template_id=bad, actor=SYSTEM)
    assert not Document.objects.for_tenant(tenant).filter(case=case).exists()
    refused = JournalEntry.objects.filter(tenant=tenant, action="case.document_from_template", outcome="refused")
    assert refused.count() == 6
    own = template(tenant, "Hund {{ antworten.hunde_hund_0_name }}", title="Hund", service_key="99102013104000")
    assert [t.pk for t in document_templates.templates_for(tenant, case.service_key)] == [own.pk]


def test_saving_checks_text_title_and_key(tenant: Any) -> None:
    template(tenant, "Eins", title="Eingangsbestätigung")
    for title, body, key in (
        ("Eingangsbestätigung", "doppelt", ""),
        ("", "ohne Titel", ""),
        ("Kein Text", "   ", ""),
        ("Schlüssel", "Text", "abc"),
        ("NUL", "Text\x00", ""),
        ("Syntax", "{% now 'Y' %}", ""),
    ):
        with pytest.raises(TemplateError):
            template(tenant, body, title=title, service_key=key)
    assert DocumentTemplate.objects.for_tenant(tenant).count() == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=220), body=st.text(max_size=300))
def test_any_text_is_stored_as_cleaned_or_refused_with_a_message(tenant: Any, title: str, body: str) -> None:
    before = DocumentTemplate.objects.for_tenant(tenant).count()
    try:
        saved = template(tenant, body, title=title)
    except TemplateError as exc:
        assert str(exc.detail)
        assert DocumentTemplate.objects.for_tenant(tenant).count() == before
    else:
        saved.refresh_from_db()
        assert saved.title == clean_text(title) and saved.body == clean_text(body, multiline=True)
        check_body(saved.body)
        saved.delete()


def test_the_records_administration_manages_templates_and_caseworkers_use_them(
    tclient: Any, tenant: Any, other_tenant: Any, unit: Any, plan: Any
) -> None:
    admin: Any = StaffFactory(tenant=tenant, email="admin@alpha.test", roles=[])
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=unit, role="tenant_admin")
    worker: Any = StaffFactory(tenant=tenant, email="sb@alpha.test", roles=[])
    StaffRole.objects.create(tenant=tenant, user=worker, org_unit=unit, role="caseworker")
    case = make_case(tenant, unit, plan)
    base = "/intern/akten/vorlagen/"

    login_staff(tclient, worker)
    assert tclient.get(base).status_code == 403
    assert tclient.post(base, {"title": "X", "body": "Y"}).status_code == 403

    login_staff(tclient, admin)
    bad = tclient.post(base, {"title": "Anhörung", "body": "{% include 'x' %}", "kind": "outgoing", "active": "1"})
    assert bad.status_code == 422 and "Platzhalter" in bad.content.decode()
    ok = tclient.post(base, {"title": "Anhörung", "body": "Az. {{ aktenzeichen }}", "kind": "outgoing", "active": "1"})
    assert ok.status_code == 302
    letter = DocumentTemplate.objects.for_tenant(tenant).get()
    page = tclient.get(f"{base}{letter.pk}/")
    assert page.status_code == 200 and "Az. {{ aktenzeichen }}" in page.content.decode()

    login_staff(tclient, worker)
    case_page = f"/intern/akten/vorgang/{case.uuid}/"
    assert "Anhörung" in tclient.get(case_page).content.decode()
    assert tclient.post(case_page, {"_action": "from_template", "template": str(letter.pk)}).status_code == 302
    filed = DocumentVersion.objects.for_tenant(tenant).get(document__case=case)
    assert filed.text == f"Az. {case.reference}"
    assert tclient.post(case_page, {"_action": "from_template", "template": "999999"}).status_code == 422

    foreign_admin: Any = StaffFactory(tenant=other_tenant, email="admin@beta.test", roles=["tenant_admin"])
    tclient.defaults["HTTP_HOST"] = f"{other_tenant.slug}.testserver"
    login_staff(tclient, foreign_admin)
    assert tclient.get(f"{base}{letter.pk}/").status_code == 404
    assert tclient.post(f"{base}{letter.pk}/", {"title": "Fremd", "body": "x", "kind": "outgoing"}).status_code == 404
    letter.refresh_from_db()
    assert letter.title == "Anhörung"
