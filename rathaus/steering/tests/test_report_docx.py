"""The half-yearly report as DOCX for the council information system: the same frozen figures and commentary as
the PDF, as headings, paragraphs and real tables; a draft says so; the same people may download it as the PDF."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from docx import Document
from docx.oxml.ns import qn

from rathaus.steering import report_docx, reports
from rathaus.tenants.tests.factories import OrgUnitFactory

from . import test_reports
from .factories import staff_with
from .test_figures import A, at, submitted
from .test_reports import BASE, H2, client_of, create

world = test_reports.world  # the fixtures of the report tests: the known world, a quick stand-in for the PDF
fake_pdf = test_reports.fake_pdf

pytestmark = pytest.mark.django_db


def _docx(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == report_docx.CONTENT_TYPE
    return Document(BytesIO(response.content))


def _texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def _tables(document: Any) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_an_issued_report_as_docx_has_its_sections_commentary_and_frozen_tables(
    world: dict[str, Any],
    fake_pdf: list[str],
) -> None:
    report = create(world)
    reports.save_commentary(
        tenant=world["tenant"],
        report_uuid=report.uuid,
        key="zusammenfassung",
        text="Die Nachfrage **wächst** weiter.\n\n- mehr Anträge\n- kürzere Wege",
    )
    issued = reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["digi"])
    submitted(world["tenant"], "A-99", A, at(2, 3))  # arrives later: the issued report's figures stay frozen

    response = client_of(world["digi"]).get(f"{BASE}{issued.uuid}/bericht.docx")
    disposition = 'attachment; filename="digitalisierungsbericht-2025-01-01-2025-06-30.docx"'
    assert response["Content-Disposition"] == disposition
    document = _docx(response)
    assert document.core_properties.title == issued.title and document.core_properties.language == "de-DE"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    sections = [f"{i}. {title}" for i, (_key, title) in enumerate(reports.SECTIONS, start=1)]
    assert [h for h in headings if h[:1].isdigit()] == sections
    texts = _texts(document)
    assert "Die Nachfrage wächst weiter." in texts and any(t.startswith("Herausgegeben am") for t in texts)
    strong = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "wächst" in strong
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert {"mehr Anträge", "kürzere Wege"} <= set(bullets)
    assert not any("Entwurf" in t for t in texts)

    tables = _tables(document)
    comparison = next(t for t in tables if t[0] == ["Kennzahl", "vorher", "jetzt", "Veränderung"])
    online = next(row for row in comparison if row[0].startswith("Online-Anträge"))
    assert online[2] == "6"  # as frozen when the report was made (6 submitted), not 7 after the late one
    months = next(t for t in tables if t[0][:2] == ["Monat", "Online-Anträge"])
    assert [row[1] for row in months[1:]] == ["2", "1", "1", "1", "1", "0"]
    header_rows = [
        table.rows[0]._tr.trPr is not None and table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        for table in document.tables
    ]
    assert header_rows and all(header_rows)  # every table's first row is its header row


def test_a_draft_as_docx_says_it_is_a_draft(world: dict[str, Any]) -> None:
    draft = create(world, H2)
    response = client_of(world["digi"]).get(f"{BASE}{draft.uuid}/bericht.docx")
    assert response["Content-Disposition"].endswith('-entwurf.docx"')
    texts = _texts(_docx(response))
    assert "Entwurf – nicht herausgegeben" in texts and not any(t.startswith("Herausgegeben am") for t in texts)


def test_who_may_download_the_docx(world: dict[str, Any], other_tenant: Any, fake_pdf: list[str]) -> None:
    issued, draft = create(world), create(world, H2)
    reports.issue_report(tenant=world["tenant"], report_uuid=issued.uuid, actor=world["digi"])
    lead = client_of(world["lead"])
    assert _docx(lead.get(f"{BASE}{issued.uuid}/bericht.docx"))
    assert lead.get(f"{BASE}{draft.uuid}/bericht.docx").status_code == 404
    assert client_of(world["clerk"]).get(f"{BASE}{issued.uuid}/bericht.docx").status_code == 403
    assert Client(HTTP_HOST="alpha.testserver").get(f"{BASE}{issued.uuid}/bericht.docx").status_code == 302
    beta_digi = staff_with(other_tenant, "digitalisation", OrgUnitFactory(tenant=other_tenant), email="d@beta.example")
    beta = client_of(beta_digi, "beta.testserver")
    for report in (issued, draft):
        assert beta.get(f"{BASE}{report.uuid}/bericht.docx").status_code == 404
    assert client_of(world["digi"]).post(f"{BASE}{issued.uuid}/bericht.docx").status_code == 405
