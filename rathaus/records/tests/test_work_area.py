"""The caseworkers' work area over HTTP: queues, the case page and its actions, permissions, the journal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rathaus.applications.models import Application
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.records import journal, queues, services
from rathaus.records.journal import Actor
from rathaus.records.models import Case, Document, DocumentVersion, FilePlanUnit, JournalEntry
from rathaus.records.tests.test_filing import submit
from rathaus.tenants.tests.factories import OrgUnitFactory
from rathaus.tenants.tests.world import pdf_with

SYSTEM = Actor.system()
LOGIN = "/intern/anmelden/"


@pytest.fixture
def unit_a(tenant: Any) -> Any:
    return OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")


@pytest.fixture
def unit_b(tenant: Any, unit_a: Any) -> Any:
    return OrgUnitFactory(tenant=tenant, key="FB50", name="Sozialamt")


@pytest.fixture
def plan(tenant: Any) -> FilePlanUnit:
    return FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)


def make_case(tenant: Any, unit: Any, plan: FilePlanUnit, subject: str = "Hundesteuer Bello", **kw: Any) -> Case:
    case_file = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject=subject, party=None, actor=SYSTEM
    )
    return services.open_case(case_file=case_file, subject=subject, owner_unit=unit, actor=SYSTEM, **kw)


@pytest.fixture
def worker(tenant: Any, unit_a: Any) -> Any:
    return StaffFactory(tenant=tenant, email="anna@alpha.test", first_name="Anna", roles=["caseworker"])


@pytest.fixture
def other_worker(tenant: Any, unit_b: Any) -> Any:
    user = StaffFactory(tenant=tenant, email="bernd@alpha.test", first_name="Bernd")
    from rathaus.identity.models import StaffRole

    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit_b, role="caseworker")
    return user


def entries(tenant: Any, **kw: Any) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(tenant=tenant, **kw).order_by("seq"))


@pytest.mark.django_db
def test_the_queue_lists_my_units_cases_with_counts_filters_and_search(
    tclient: Any, tenant: Any, unit_a: Any, unit_b: Any, plan: Any, worker: Any
) -> None:
    mine = make_case(tenant, unit_a, plan, "Hundesteuer Bello", due_on=timezone.localdate() - dt.timedelta(days=3))
    services_case = make_case(tenant, unit_a, plan, "Hundesteuer Rex")
    hidden = make_case(tenant, unit_b, plan, "Wohngeld Müller")
    Case.objects.for_tenant(tenant).filter(pk=mine.pk).update(assignee=worker)
    login_staff(tclient, worker)

    page = tclient.get("/intern/akten/")
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.reference in body and services_case.reference in body
    assert hidden.reference not in body and "Wohngeld" not in body
    assert "Mir zugewiesen (1)" in body and "Überfällig (1)" in body and "Nicht zugewiesen (1)" in body

    assert services_case.reference not in tclient.get("/intern/akten/?bereich=meine").content.decode()
    assert mine.reference not in tclient.get("/intern/akten/?zugewiesen=niemand").content.decode()
    overdue = tclient.get("/intern/akten/?ueberfaellig=1").content.decode()
    assert mine.reference in overdue and services_case.reference not in overdue
    found = tclient.get("/intern/akten/", {"suche": "Rex"}).content.decode()
    assert services_case.reference in found and mine.reference not in found
    by_reference = tclient.get("/intern/akten/", {"suche": mine.file.reference}).content.decode()
    assert mine.reference in by_reference and services_case.reference not in by_reference
    assert (
        hidden.reference not in tclient.get("/intern/akten/", {"suche": "Wohngeld", "status": "alle"}).content.decode()
    )
    assert not entries(tenant, action="case.list")  # a list is not a read of a case (see views.py)


@pytest.mark.django_db
def test_bad_query_strings_never_break_the_queue(
    tclient: Any, tenant: Any, unit_a: Any, plan: Any, worker: Any
) -> None:
    make_case(tenant, unit_a, plan)
    login_staff(tclient, worker)
    for params in (
        {"seite": "-5"},
        {"seite": "99999999999999999999"},
        {"seite": "x"},
        {"sortierung": "password"},
        {"status": "'; drop table"},
        {"leistung": "ä" * 50},
        {"suche": "x" * 5000},
        {"suche": "\x00"},
    ):
        response = tclient.get("/intern/akten/", params)
        assert response.status_code in (200, 422), params
    assert tclient.get("/intern/akten/", {"suche": "a\x00b"}).status_code == 422
    assert tclient.get("/intern/akten/?suche=%ED%A0%80&seite=%00").status_code in (200, 422)  # a lone surrogate


@pytest.mark.django_db
def test_paging_is_capped_and_pages_do_not_overlap(
    tclient: Any, tenant: Any, unit_a: Any, plan: Any, worker: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    cases = [make_case(tenant, unit_a, plan, f"Fall {i}") for i in range(5)]
    f = queues.QueueFilter.from_query({"sortierung": "aktenzeichen"})
    seen = []
    for number in (1, 2, 3):
        f.page = number
        seen += [c.pk for c in queues.page_of(queues.filtered(worker, tenant, f), f).cases]
    assert sorted(seen) == sorted(c.pk for c in cases) and len(seen) == 5
    assert queues.QueueFilter.from_query({"seite": "10000000"}).page == queues.MAX_PAGE


@pytest.mark.django_db
def test_claim_dates_note_and_due_list(tclient: Any, tenant: Any, unit_a: Any, plan: Any, worker: Any) -> None:
    case = make_case(tenant, unit_a, plan)
    login_staff(tclient, worker)
    url = f"/intern/akten/vorgang/{case.uuid}/"
    assert tclient.get(url).status_code == 200

    assert tclient.post(url, {"_action": "claim"}).status_code == 302
    case.refresh_from_db()
    assert case.assignee_id == worker.pk

    soon = timezone.localdate() + dt.timedelta(days=2)
    assert tclient.post(url, {"_action": "dates", "due_on": "", "resubmit_on": soon.isoformat()}).status_code == 302
    case.refresh_from_db()
    assert case.resubmit_on == soon and case.due_on is None
    assert tclient.post(url, {"_action": "dates", "due_on": "31.02.2026"}).status_code == 422
    assert case.reference in tclient.get("/intern/akten/fristen/").content.decode()

    assert tclient.post(url, {"_action": "note", "title": "", "text": "Rückruf: Halter bestätigt"}).status_code == 302
    note = Document.objects.for_tenant(tenant).get(case=case, kind=Document.Kind.NOTE)
    assert note.versions.get().text == "Rückruf: Halter bestätigt"
    assert tclient.post(url, {"_action": "note", "text": "bad\x00"}).status_code == 422
    assert tclient.post(url, {"_action": "note", "text": ""}).status_code == 422
    assert tclient.post(url, {"_action": "nonsense"}).status_code == 422

    actions = [e.action for e in entries(tenant, object_type="case", object_id=case.reference)]
    for action in ("case.read", "case.assigned", "case.dates_set", "case.note_added"):
        assert action in actions
    assert journal.verify(tenant.pk).ok
    history = tclient.get(url).content.decode()
    assert "Vermerk geschrieben" in history and "Vorgang geöffnet" in history


@pytest.mark.django_db
def test_upload_goes_through_the_checks_and_download_is_journaled(
    tclient: Any, tenant: Any, unit_a: Any, plan: Any, worker: Any, fake_scanner: Any
) -> None:
    case = make_case(tenant, unit_a, plan)
    login_staff(tclient, worker)
    url = f"/intern/akten/vorgang/{case.uuid}/"
    pdf = pdf_with("Stellungnahme")
    upload = SimpleUploadedFile("stellung.pdf", pdf, content_type="application/pdf")
    assert (
        tclient.post(
            url, {"_action": "upload", "kind": "incoming", "title": "Stellungnahme", "file": upload}
        ).status_code
        == 302
    )
    version = DocumentVersion.objects.for_tenant(tenant).get(document__case=case)
    assert fake_scanner.calls  # the virus scan ran
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert tclient.post(url, {"_action": "upload", "kind": "incoming", "file": fake}).status_code == 422
    bad_kind = SimpleUploadedFile("y.pdf", pdf, content_type="application/pdf")
    assert tclient.post(url, {"_action": "upload", "kind": "decision", "file": bad_kind}).status_code == 422
    assert DocumentVersion.objects.for_tenant(tenant).filter(document__case=case).count() == 1

    download = tclient.get(f"{url}dokument/{version.document.uuid}/1/")
    assert download.status_code == 200 and download.content == pdf
    assert entries(tenant, action="document.read", object_id=str(version.document.uuid))
    assert tclient.get(f"{url}dokument/{version.document.uuid}/2/").status_code == 404


@pytest.mark.django_db
def test_other_units_other_tenants_citizens_and_visitors_are_refused_and_journaled(
    client: Any,
    tclient: Any,
    tenant: Any,
    other_tenant: Any,
    unit_a: Any,
    unit_b: Any,
    plan: Any,
    worker: Any,
    other_worker: Any,
) -> None:
    case = make_case(tenant, unit_a, plan)
    url = f"/intern/akten/vorgang/{case.uuid}/"

    def refused() -> int:
        return JournalEntry.objects.filter(tenant=tenant, object_id=str(case.uuid), outcome="refused").count()

    response = tclient.get(url)  # anonymous
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert refused() == 1
    citizen = CitizenFactory(tenant=tenant)
    login_citizen(tclient, citizen)
    assert tclient.get(url).status_code == 302 and refused() == 2
    tclient.logout()
    login_staff(tclient, other_worker)
    assert tclient.get(url).status_code == 404 and refused() == 3
    assert tclient.post(url, {"_action": "claim"}).status_code == 404 and refused() == 4
    assert tclient.get(f"{url}dokument/{case.uuid}/1/").status_code == 404
    case.refresh_from_db()
    assert case.assignee_id is None
    assert case.reference not in tclient.get("/intern/akten/").content.decode()

    stranger = StaffFactory(tenant=other_tenant, email="x@beta.test", roles=["tenant_admin"])
    client.defaults["HTTP_HOST"] = f"{other_tenant.slug}.testserver"
    login_staff(client, stranger)
    assert client.get(url).status_code == 404
    assert JournalEntry.objects.filter(tenant=other_tenant, object_id=str(case.uuid), outcome="refused").exists()
    assert journal.verify(tenant.pk).ok


@pytest.mark.django_db
def test_hand_over_moves_the_case_to_the_other_unit(
    tclient: Any, client: Any, tenant: Any, unit_a: Any, unit_b: Any, plan: Any, worker: Any, other_worker: Any
) -> None:
    case = make_case(tenant, unit_a, plan)
    Case.objects.for_tenant(tenant).filter(pk=case.pk).update(assignee=worker)
    login_staff(tclient, worker)
    url = f"/intern/akten/vorgang/{case.uuid}/"
    assert tclient.post(url, {"_action": "handover", "unit": str(unit_a.pk)}).status_code == 422  # not to itself
    assert tclient.post(url, {"_action": "handover", "unit": "abc"}).status_code == 422
    response = tclient.post(url, {"_action": "handover", "unit": str(unit_b.pk), "reason": "zuständig"})
    assert response.status_code == 302 and response["Location"] == "/intern/akten/"
    case.refresh_from_db()
    assert case.owner_unit_id == unit_b.pk and case.assignee_id is None
    assert tclient.get(url).status_code == 404  # the old unit no longer sees it
    client.defaults["HTTP_HOST"] = tclient.defaults["HTTP_HOST"]
    login_staff(client, other_worker)
    assert client.get(url).status_code == 200
    assert entries(tenant, action="case.handed_over")[0].detail["to_unit"] == unit_b.pk


@pytest.mark.django_db
def test_status_and_requests_reach_the_citizen(
    tclient: Any, tenant: Any, plan: Any, fake_scanner: Any, mailoutbox: Any
) -> None:
    service = ServiceFactory(
        tenant=tenant, slug="hund", name="Hund anmelden", file_plan_code=plan.code, trust_level="none"
    )
    citizen = CitizenFactory(tenant=tenant, first_name="Mia", last_name="Muster", email="mia@example.org")
    application = submit(tenant, service, citizen, pdf_with("Nachweis"))
    case = Case.objects.for_tenant(tenant).get(application_number=application.number)
    worker = StaffFactory(tenant=tenant, email="c@alpha.test")
    from rathaus.identity.models import StaffRole

    StaffRole.objects.create(tenant=tenant, user=worker, org_unit=case.owner_unit, role="caseworker")
    login_staff(tclient, worker)
    url = f"/intern/akten/vorgang/{case.uuid}/"
    page = tclient.get(url).content.decode()
    assert "Bello" in page and application.number in page  # the answers of the application

    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = tclient.post(url, {"_action": "request", "body": "Bitte den Impfpass nachreichen."})
    assert response.status_code == 302
    thread = list(mailbox.messages(tenant, application.mailbox_reference))
    assert thread[-1].body == "Bitte den Impfpass nachreichen." and thread[-1].from_office
    case.refresh_from_db()
    application.refresh_from_db()
    assert case.status == Case.Status.WAITING and application.status == Application.Status.NEEDS_INPUT

    assert tclient.post(url, {"_action": "status", "status": "in_progress", "note": "Wir prüfen."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert tclient.post(url, {"_action": "status", "status": "bogus"}).status_code == 422
    assert tclient.post(url, {"_action": "request", "body": ""}).status_code == 422
    statuses = [e.detail["status"] for e in entries(tenant, action="case.status_changed")]
    assert statuses == ["waiting", "in_progress"]


@pytest.mark.django_db
def test_the_search_box_is_the_full_text_search_and_counts_stop_at_the_cap(
    tclient: Any, tenant: Any, unit_a: Any, unit_b: Any, plan: Any, worker: Any, monkeypatch: Any
) -> None:
    by_text = make_case(tenant, unit_a, plan, "Eingang")
    services.add_document(case=by_text, kind="incoming", title="Brief", name="b.txt", content_type="text/plain",
                          data=b"x", text="Der Zaun am Lindenweg ist umgestürzt.", actor=Actor.system())  # fmt: skip
    stemmed = make_case(tenant, unit_a, plan, "Anmeldung zweier Hunde")
    other_unit = make_case(tenant, unit_b, plan, "Hund am Lindenweg")
    login_staff(tclient, worker)
    # Words of a document's text and German stems (»Hund« finds »Hunde«), not substrings of the subject.
    found = tclient.get("/intern/akten/", {"suche": "lindenweg"}).content.decode()
    assert by_text.reference in found and other_unit.reference not in found and stemmed.reference not in found
    dogs = tclient.get("/intern/akten/", {"suche": "Hund"}).content.decode()
    assert stemmed.reference in dogs and other_unit.reference not in dogs
    assert "Text der Dokumente" in dogs

    monkeypatch.setattr(queues, "COUNT_CAP", 1)
    capped = tclient.get("/intern/akten/").content.decode()
    assert "Mehr als 1 Vorgänge" in capped and by_text.reference in capped and stemmed.reference in capped
