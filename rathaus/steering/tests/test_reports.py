"""The half-yearly digitalisation report (issue 10): figures frozen at creation, the comparison with the
previous issued report, commentary per section (cleaned, sanitised), issuing (PDF stored, event published),
issued reports never change; bad input; who may do what; no municipality sees another's reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from io import BytesIO
from typing import Any

import pikepdf
import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from rathaus.attachments import storage
from rathaus.core.errors import ValidationFailed
from rathaus.core.models import Event
from rathaus.identity.tests.factories import login_staff
from rathaus.steering import reports
from rathaus.steering.models import Report
from rathaus.steering.models_channels import ChannelCount, DocumentFact, LoginFact
from rathaus.steering.models_reports import ReportImmutable

from .factories import staff_with
from .test_figures import A, W, at, build, decided, submitted

pytestmark = pytest.mark.django_db
H1 = {"start": "01.01.2025", "end": "30.06.2025"}
H2 = {"start": "2025-07-01", "end": "2025-12-31"}
BASE = "/intern/steuerung/berichte/"
NEXT_YEAR = timezone.localdate().year + 1


@pytest.fixture
def world(town: dict[str, Any]) -> dict[str, Any]:
    build(town["tenant"])
    return town


@pytest.fixture
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """WeasyPrint takes seconds: tests about state, not about the PDF, get a small stand-in."""
    seen: list[str] = []

    def render(report: Report, *, issued_at: Any, issued_by: Any) -> bytes:
        seen.append(report.title)
        return f"%PDF-1.7 {report.uuid} {issued_at}".encode()

    monkeypatch.setattr(reports, "render_pdf", render)
    return seen


def create(world: dict[str, Any], raw: dict[str, str] = H1) -> Report:
    return reports.create_report(tenant=world["tenant"], actor=world["digi"], raw=raw)


def client_of(user: Any, host: str = "alpha.testserver") -> Client:
    client = Client(HTTP_HOST=host)
    login_staff(client, user)
    return client


def test_figures_are_frozen_when_the_report_is_created(world: dict[str, Any]) -> None:
    report = create(world)
    assert report.title == "Digitalisierungsbericht 1. Halbjahr 2025" and report.status == Report.Status.DRAFT
    k = report.figures["key_figures"]
    # The known world of test_figures: 6 submitted, decided after 2, 10, 4, 1 and 30 days, W-2 still open.
    assert (k["online_applications"], k["decided"], k["median_days"], k["p90_days"]) == (6, 5, 4.0, 30.0)
    assert (k["backlog"], k["payments"], k["paid_amount"]) == (1, 3, "47.50")
    assert [m["submitted"] for m in report.figures["months"]] == [2, 1, 1, 1, 1, 0]
    per_service = [
        (r["key"], r["submitted"], r["decided"], r["median_days"], r["backlog"]) for r in report.figures["services"]
    ]
    assert per_service == [(A, 4, 4, 3.0, 0), (W, 2, 1, 30.0, 1)]
    assert [s["title"] for s in report.sections] == [title for _k, title in reports.SECTIONS]
    submitted(world["tenant"], "A-9", A, at(3, 1))  # arrives after the report was made
    report.refresh_from_db()
    assert report.figures["key_figures"]["online_applications"] == 6
    decided(world["tenant"], "W-2", at(8, 19, 12))  # submitted in the first half-year, decided in the second
    k2 = create(world, H2).figures["key_figures"]
    assert (k2["online_applications"], k2["decided"], k2["median_days"], k2["backlog"]) == (0, 1, 91.0, 1)


def test_comparison_with_the_previous_issued_report(world: dict[str, Any], fake_pdf: list[str]) -> None:
    first = create(world)
    assert all(row["before"] is None and row["change"] is None for row in first.comparison)
    reports.issue_report(tenant=world["tenant"], report_uuid=first.uuid, actor=world["digi"])
    submitted(world["tenant"], "A-9", A, at(8, 1))
    second = create(world, H2)
    assert second.previous == first
    rows = {row["key"]: row for row in second.comparison}
    assert rows["online_applications"] == {
        "key": "online_applications", "label": "Online-Anträge im Berichtszeitraum", "unit": "",
        "before": 6, "now": 1, "change": "-5", "trend": "schlechter",
    }  # fmt: skip
    assert (rows["backlog"]["before"], rows["backlog"]["now"], rows["backlog"]["trend"]) == (1, 2, "schlechter")
    assert rows["median_days"]["now"] is None and rows["median_days"]["change"] is None


def test_an_issued_report_never_changes(world: dict[str, Any], fake_pdf: list[str]) -> None:
    report = create(world)
    stale = Report.objects.for_tenant(world["tenant"]).get(pk=report.pk)
    issued = reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["admin"])
    assert issued.is_issued and issued.issued_by == world["admin"] and len(issued.pdf_sha256) == 64
    stale.sections = [{**s, "commentary": "später"} for s in stale.sections]
    with pytest.raises(ReportImmutable):
        stale.save()  # a copy loaded while it was a draft cannot overwrite it
    with pytest.raises(ReportImmutable):
        issued.delete()
    with pytest.raises(ReportImmutable):
        reports.save_commentary(tenant=world["tenant"], report_uuid=report.uuid, key="ausblick", text="neu")
    with pytest.raises(ReportImmutable):
        reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["admin"])
    assert fake_pdf == [report.title]  # the second issue rendered nothing
    report.refresh_from_db()
    assert all(s["commentary"] == "" for s in report.sections)


def test_issuing_stores_the_pdf_and_publishes_the_event(world: dict[str, Any], fake_pdf: list[str]) -> None:
    report = create(world)
    reports.save_commentary(tenant=world["tenant"], report_uuid=report.uuid, key="zusammenfassung", text="Gut.")
    issued = reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["digi"])
    pdf = storage.open_blob(storage.key_for(issued.pdf_sha256))
    assert hashlib.sha256(pdf).hexdigest() == issued.pdf_sha256 and reports.pdf_of(issued) == pdf
    event = Event.objects.for_tenant(world["tenant"]).get(kind="steering.report_issued")
    assert event.subject == str(report.uuid)
    assert event.payload == {
        "report": str(report.uuid), "title": report.title, "period_start": "2025-01-01",
        "period_end": "2025-06-30", "sha256": issued.pdf_sha256,
    }  # fmt: skip
    assert storage.key_for(issued.pdf_sha256) in storage.referenced_keys()  # the blob collector keeps it


def test_a_draft_changed_while_its_pdf_was_rendered_is_not_issued(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = create(world)

    def render(r: Report, *, issued_at: Any, issued_by: Any) -> bytes:
        reports.save_commentary(tenant=world["tenant"], report_uuid=r.uuid, key="ausblick", text="noch schnell")
        return b"%PDF-1.7 stale"

    monkeypatch.setattr(reports, "render_pdf", render)
    with pytest.raises(ValidationFailed):
        reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["digi"])
    report.refresh_from_db()
    assert (
        report.status == Report.Status.DRAFT
        and not Event.objects.for_tenant(world["tenant"]).filter(kind="steering.report_issued").exists()
    )


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"start": "01.07.2025", "end": "30.06.2025"}, "end"),
        ({"start": "2025-01-01", "end": ""}, "end"),
        ({"start": "32.01.2025", "end": "30.06.2025"}, "start"),
        ({"start": "01.01.2024", "end": "30.06.2025"}, "end"),
        ({"start": f"{NEXT_YEAR}-01-01", "end": f"{NEXT_YEAR}-06-30"}, "start"),
        ({"start": "01.01.2025", "end": "30.06.2025", "title": "Bericht\x00"}, "title"),
    ],
)
def test_bad_periods_are_refused(world: dict[str, Any], raw: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create(world, raw)
    assert [e["field"] for e in caught.value.errors] == [field]
    assert not Report.objects.for_tenant(world["tenant"]).exists()


def test_a_second_draft_may_not_overlap_but_a_new_report_may_supersede_an_issued_one(
    world: dict[str, Any], fake_pdf: list[str]
) -> None:
    first = create(world)
    with pytest.raises(ValidationFailed) as caught:
        create(world, {"start": "01.06.2025", "end": "31.12.2025"})
    assert "Digitalisierungsbericht 1. Halbjahr 2025" in caught.value.errors[0]["message"]
    create(world, H2)  # adjoining, not overlapping
    reports.issue_report(tenant=world["tenant"], report_uuid=first.uuid, actor=world["digi"])
    again = create(world, {**H1, "title": "Digitalisierungsbericht 1. Halbjahr 2025 (berichtigt)"})
    assert again.previous == first


@pytest.mark.parametrize("text", ["Vorher\x00nachher", "kaputt \ud800 Zeichen"])
def test_commentary_with_unstorable_characters_is_refused(world: dict[str, Any], text: str) -> None:
    report = create(world)
    with pytest.raises(ValidationFailed) as caught:
        reports.save_commentary(tenant=world["tenant"], report_uuid=report.uuid, key="nutzung", text=text)
    assert "Steuerzeichen" in caught.value.errors[0]["message"]
    if "\x00" in text:  # a lone surrogate cannot even be sent as UTF-8 form data; NUL can
        response = client_of(world["digi"]).post(f"{BASE}{report.uuid}/abschnitte/nutzung/", {"commentary": text})
        assert response.status_code == 422 and "Steuerzeichen" in response.content.decode()
    report.refresh_from_db()
    assert report.sections[2]["commentary"] == ""


def test_commentary_is_saved_per_section_and_html_is_escaped(world: dict[str, Any]) -> None:
    report = create(world)
    client = client_of(world["digi"])
    text = "Die **Nutzung** stieg.\r\n\r\n<script>alert(1)</script> <img src=x onerror=alert(2)>"
    response = client.post(f"{BASE}{report.uuid}/abschnitte/nutzung/", {"commentary": text})
    assert response.status_code == 302 and response["Location"].endswith("/bearbeiten/#abschnitt-nutzung")
    report.refresh_from_db()
    assert report.sections[2]["commentary"].startswith("Die **Nutzung** stieg.\n\n")
    assert [s["commentary"] for s in report.sections if s["key"] != "nutzung"] == [""] * 6
    page = client.get(f"{BASE}{report.uuid}/").content.decode()
    assert "<strong>Nutzung</strong>" in page
    assert "<script>alert(1)" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert client.post(f"{BASE}{report.uuid}/abschnitte/gibtsnicht/", {"commentary": "x"}).status_code == 404


def test_the_pages_of_a_draft_for_the_digitalisation_unit(world: dict[str, Any]) -> None:
    client = client_of(world["digi"])
    response = client.post(BASE + "neu/", H1)
    report = Report.objects.for_tenant(world["tenant"]).get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{report.uuid}/bearbeiten/"
    edit = client.get(f"{BASE}{report.uuid}/bearbeiten/").content.decode()
    assert edit.count('name="commentary"') == 7
    preview = client.get(f"{BASE}{report.uuid}/").content.decode()
    assert preview.count('class="steering-bars"') == 3 and "Entwurf (Vorschau)" in preview
    assert "Im Berichtszeitraum gingen 6 Online-Anträge ein, die meisten im Jan 2025 (2)." in preview
    assert "Dies ist der erste Bericht" in preview
    assert '<td class="kern-table__cell kern-table__cell--numeric">47,50</td>' in preview  # € with two places
    bad = client.post(BASE + "neu/", {"start": "01.07.2025", "end": "30.06.2025"})
    assert bad.status_code == 422 and "liegt vor seinem Beginn" in bad.content.decode()
    assert client.get(BASE).status_code == 200


def test_issue_needs_the_confirmation(world: dict[str, Any], fake_pdf: list[str]) -> None:
    report = create(world)
    client = client_of(world["admin"])
    assert "noch keinen Kommentar" in client.get(f"{BASE}{report.uuid}/herausgeben/").content.decode()
    assert client.post(f"{BASE}{report.uuid}/herausgeben/", {}).status_code == 422
    report.refresh_from_db()
    assert not report.is_issued
    response = client.post(f"{BASE}{report.uuid}/herausgeben/", {"confirm": "ja"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_issued
    # An issued report's edit and issue pages lead to the report itself.
    assert client.get(f"{BASE}{report.uuid}/bearbeiten/")["Location"] == f"{BASE}{report.uuid}/"
    assert client.post(f"{BASE}{report.uuid}/abschnitte/ausblick/", {"commentary": "x"}).status_code == 302
    report.refresh_from_db()
    assert report.sections[-1]["commentary"] == ""


def test_unit_leads_read_issued_reports_only(world: dict[str, Any], fake_pdf: list[str]) -> None:
    issued, draft = create(world), create(world, H2)
    reports.issue_report(tenant=world["tenant"], report_uuid=issued.uuid, actor=world["digi"])
    lead = client_of(world["lead"])
    listing = lead.get(BASE).content.decode()
    assert (
        issued.title in listing
        and draft.title not in listing
        and 'action="/intern/steuerung/berichte/neu/"' not in listing
    )
    assert lead.get(f"{BASE}{issued.uuid}/").status_code == 200
    assert lead.get(f"{BASE}{issued.uuid}/bericht.pdf").content.startswith(b"%PDF")
    for path in ("", "bericht.pdf"):
        assert lead.get(f"{BASE}{draft.uuid}/{path}").status_code == 404
    for path in ("bearbeiten/", "herausgeben/"):
        assert lead.get(f"{BASE}{draft.uuid}/{path}").status_code == 403
    assert lead.post(BASE + "neu/", H1).status_code == 403
    assert lead.post(f"{BASE}{draft.uuid}/abschnitte/ausblick/", {"commentary": "x"}).status_code == 403
    assert lead.post(f"{BASE}{draft.uuid}/herausgeben/", {"confirm": "ja"}).status_code == 403
    clerk = client_of(world["clerk"])
    assert clerk.get(BASE).status_code == 403 and clerk.get(f"{BASE}{issued.uuid}/").status_code == 403
    anonymous = Client(HTTP_HOST="alpha.testserver").get(f"{BASE}{issued.uuid}/bericht.pdf")
    assert anonymous.status_code == 302


def test_no_municipality_sees_anothers_report(world: dict[str, Any], other_tenant: Any, fake_pdf: list[str]) -> None:
    report = create(world)
    reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["digi"])
    draft = create(world, H2)
    from rathaus.tenants.tests.factories import OrgUnitFactory

    beta_digi = staff_with(other_tenant, "digitalisation", OrgUnitFactory(tenant=other_tenant), email="d@beta.example")
    beta = client_of(beta_digi, "beta.testserver")
    for r in (report, draft):
        for path in ("", "bericht.pdf", "bearbeiten/", "herausgeben/"):
            assert beta.get(f"{BASE}{r.uuid}/{path}").status_code == 404, path
        assert beta.post(f"{BASE}{r.uuid}/abschnitte/ausblick/", {"commentary": "x"}).status_code == 404
        assert beta.post(f"{BASE}{r.uuid}/herausgeben/", {"confirm": "ja"}).status_code == 404
    assert report.title not in beta.get(BASE).content.decode()
    # Beta's own report: Alpha's figures and drafts neither count nor clash.
    own = reports.create_report(tenant=other_tenant, actor=beta_digi, raw=H1)
    assert own.figures["key_figures"]["online_applications"] == 0 and own.previous is None


def test_the_pdf_is_tagged_german_titled_and_holds_the_commentary(world: dict[str, Any]) -> None:
    report = create(world)
    reports.save_commentary(
        tenant=world["tenant"], report_uuid=report.uuid, key="zusammenfassung", text="Die Nachfrage wächst weiter."
    )
    issued = reports.issue_report(tenant=world["tenant"], report_uuid=report.uuid, actor=world["digi"])
    data = client_of(world["digi"]).get(f"{BASE}{issued.uuid}/bericht.pdf").content
    with pikepdf.open(BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "de"
        assert str(pdf.docinfo["/Title"]).startswith("Digitalisierungsbericht 1. Halbjahr 2025")
        assert pdf.Root.MarkInfo.Marked
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    for expected in ("Zusammenfassung", "Die Nachfrage wächst weiter.", "Seit dem letzten Bericht", "Ausblick",
                     "Projekte mit Ampel und Budget", "Herausgegeben am"):  # fmt: skip
        assert expected in text, expected
    assert "Entwurf" not in text


def test_a_half_year_report_has_the_further_indicators(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    ChannelCount.objects.create(tenant=tenant, service=A, month=dt.date(2025, 2, 1), paper=3, in_person=1)
    ChannelCount.objects.create(tenant=tenant, service=W, month=dt.date(2025, 3, 1), email=1200)
    ChannelCount.objects.create(tenant=tenant, service=A, month=dt.date(2025, 7, 1), paper=50)  # second half
    for n, level in enumerate(["low", "high", "high"]):
        LoginFact.objects.create(tenant=tenant, event=n, at=at(3, 1), kind="citizen", trust_level=level, source="x")
    for n in range(2):
        DocumentFact.objects.create(
            tenant=tenant, document=uuid.uuid4(), unit="FB33", kind="incoming", staff=7, filed_at=at(4, 1 + n)
        )
    report = create(world)
    k, ind = report.figures["key_figures"], report.figures["indicators"]
    # 6 online and 1204 on other channels in the half-year: 0.5 % online.
    assert (ind["channels"]["online"], ind["channels"]["other_total"], k["online_share_percent"]) == (6, 1204, 0.5)
    assert {c["channel"]: c["cases"] for c in ind["other_channels"]} == {
        "Papier": 3, "persönlich": 1, "E-Mail": 1200, "Telefon": 0,
    }  # fmt: skip
    assert (k["logins"], k["documents_filed"], k["staff_filing"]) == (3, 2, 1)
    # Decided online applications: 5, none filed in the E-Akte (no case events in this world): 0 % without break.
    assert ind["media_break"]["decided_online_applications"] == 5 and k["without_media_break_percent"] == 0.0
    page = client_of(world["digi"]).get(f"{BASE}{report.uuid}/").content.decode()
    assert "Online-Anteil an allen erfassten Fällen: 0,5 %." in page and "Anmeldungen im Portal: 3" in page
    assert '<td class="kern-table__cell kern-table__cell--numeric">1.200</td>' in page  # E-Mail, German digits
    assert "Im Berichtszeitraum wurden 2 Dokumente elektronisch abgelegt" in page
    # Another span than a calendar half-year: the counts are not split, so they are left out, not guessed.
    other = create(world, {"start": "01.07.2025", "end": "30.09.2025"})
    assert other.figures["indicators"] is None and "logins" not in other.figures["key_figures"]
    assert "logins" not in {row["key"] for row in other.comparison}
    assert (
        "werden für Berichte über ein Kalenderhalbjahr ausgewiesen"
        in client_of(world["digi"]).get(f"{BASE}{other.uuid}/").content.decode()
    )


def test_a_draft_can_be_deleted_an_issued_report_cannot(world: dict[str, Any], fake_pdf: list[str]) -> None:
    draft, issued = create(world), create(world, H2)
    reports.issue_report(tenant=world["tenant"], report_uuid=issued.uuid, actor=world["digi"])
    lead = client_of(world["lead"])
    assert lead.post(f"{BASE}{draft.uuid}/loeschen/", {"confirm": "ja"}).status_code == 403
    client = client_of(world["digi"])
    unconfirmed = client.post(f"{BASE}{draft.uuid}/loeschen/", {})
    assert unconfirmed.status_code == 302 and unconfirmed["Location"].endswith("/bearbeiten/#loeschen")
    assert client.post(f"{BASE}{issued.uuid}/loeschen/", {"confirm": "ja"})["Location"] == f"{BASE}{issued.uuid}/"
    assert Report.objects.for_tenant(world["tenant"]).count() == 2
    assert client.post(f"{BASE}{draft.uuid}/loeschen/", {"confirm": "ja"})["Location"] == BASE
    assert list(Report.objects.for_tenant(world["tenant"])) == [issued]
    create(world)  # the period is free for a new draft again
