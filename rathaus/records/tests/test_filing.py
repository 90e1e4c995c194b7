"""Applications become cases in the right file, once, with their documents adopted by hash."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase

from rathaus.applications import services as applications
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.attachments import storage
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core import events
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.records import journal, services, tasks
from rathaus.records.models import Case, CaseFile, Document, DocumentVersion, FilePlanUnit, ImmutableRow
from rathaus.tenants.tests.world import pdf_with

FREE_FORM = {**HUND_FORM, "id": "hund-frei", "fees": [], "payment_required_before_forwarding": False}


@pytest.fixture
def plan(tenant: Any) -> FilePlanUnit:
    return FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)


@pytest.fixture
def service(tenant: Any, plan: FilePlanUnit) -> Any:
    return ServiceFactory(
        tenant=tenant, slug="hund", name="Hund anmelden", file_plan_code=plan.code, trust_level="none"
    )


def _draft(tenant: Any, service: Any, citizen: Any, proof: bytes, organisation_id: int | None = None) -> Any:
    """A filled draft of the dog form with ``proof`` as its file (acting for ``organisation_id`` if given)."""
    form = applications.publish_form(service=service, definition=FREE_FORM)
    draft = applications.start_draft(
        tenant=tenant, service=service, owner=citizen, form_version=form, organisation_id=organisation_id
    )
    applications.save_step(
        draft=draft, step_id="halter", data={"halter.person.vorname": "Mia", "halter.person.nachname": "Muster"}
    )
    applications.save_step(
        draft=draft,
        step_id="hunde",
        data={"hunde.hund.0.name": "Bello"},
        uploads={"hunde.nachweis.datei": SimpleUploadedFile("nachweis.pdf", proof, content_type="application/pdf")},
    )
    return draft


def submit(tenant: Any, service: Any, citizen: Any, proof: bytes, organisation_id: int | None = None) -> Any:
    draft = _draft(tenant, service, citizen, proof, organisation_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return applications.submit(
            draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low", organisation_id=organisation_id
        )


@pytest.mark.django_db
def test_a_forwarded_application_becomes_a_case_with_its_documents(tenant: Any, service: Any, fake_scanner: Any):
    citizen = CitizenFactory(tenant=tenant, first_name="Mia", last_name="Muster")
    proof = pdf_with("Nachweis Bello")
    application = submit(tenant, service, citizen, proof)

    case = Case.objects.for_tenant(tenant).get(application_number=application.number)
    assert case.file.plan_unit.code == "32.10.01"
    assert case.file.reference.startswith(f"32.10.01-{application.submitted_at.year}-")
    assert case.reference == f"{case.file.reference}/1"
    assert case.file.retention_years == 6 and case.owner_unit_id == application.org_unit_id
    kinds = dict(Document.objects.for_tenant(tenant).filter(case=case).values_list("kind", "title"))
    assert set(kinds) == {"application", "data", "attachment"}
    pdf = DocumentVersion.objects.for_tenant(tenant).get(document__case=case, document__kind="application")
    assert storage.open_blob(pdf.key).startswith(b"%PDF") and "Bello" in pdf.text
    data = DocumentVersion.objects.for_tenant(tenant).get(document__case=case, document__kind="data")
    assert json.loads(storage.open_blob(data.key))["number"] == application.number
    adopted = DocumentVersion.objects.for_tenant(tenant).get(document__case=case, document__kind="attachment")
    attachment = application.attachments.get()
    assert (adopted.sha256, adopted.key) == (attachment.sha256, attachment.key)  # the same blob, no copy
    assert journal.verify(tenant.pk).ok


@pytest.mark.django_db
def test_replaying_the_event_files_nothing_twice(tenant: Any, service: Any, fake_scanner: Any):
    citizen = CitizenFactory(tenant=tenant)
    application = submit(tenant, service, citizen, pdf_with("eins"))
    event = Event.objects.for_tenant(tenant).get(kind="application.forwardable", subject=application.number)
    for _ in range(2):
        kind = events.registry.kinds[event.kind]
        events.registry.consumer("records.file_application").handler(event, kind.parse(event.payload))
        services.file_application(tenant=tenant, number=application.number)
    assert Case.objects.for_tenant(tenant).filter(application_number=application.number).count() == 1
    assert Document.objects.for_tenant(tenant).count() == 3


@pytest.mark.django_db
def test_a_second_application_of_the_same_person_joins_the_open_file(tenant: Any, service: Any, fake_scanner: Any):
    citizen = CitizenFactory(tenant=tenant)
    first = submit(tenant, service, citizen, pdf_with("eins"))
    second = submit(tenant, service, citizen, pdf_with("zwei"))
    other = submit(tenant, service, CitizenFactory(tenant=tenant), pdf_with("drei"))
    cases = {c.application_number: c for c in Case.objects.for_tenant(tenant).select_related("file")}
    assert cases[first.number].file_id == cases[second.number].file_id
    assert (cases[first.number].number, cases[second.number].number) == (1, 2)
    assert cases[other.number].file_id != cases[first.number].file_id
    assert CaseFile.objects.for_tenant(tenant).count() == 2


@pytest.mark.django_db
def test_document_versions_are_never_changed_or_deleted(tenant: Any, service: Any, fake_scanner: Any):
    submit(tenant, service, CitizenFactory(tenant=tenant), pdf_with("eins"))
    version = DocumentVersion.objects.for_tenant(tenant).first()
    version.name = "anders.pdf"
    with pytest.raises(ImmutableRow):
        version.save()
    with pytest.raises(ImmutableRow):
        version.delete()


@pytest.mark.django_db
def test_a_new_version_keeps_the_old_one_readable(tenant: Any, service: Any, fake_scanner: Any):
    submit(tenant, service, CitizenFactory(tenant=tenant), pdf_with("eins"))
    document = Document.objects.for_tenant(tenant).get(kind="data")
    old = document.versions.get()
    new = services.add_version(
        document=document, name="neu.json", content_type="application/json", data=b"{}", actor=journal.Actor.system()
    )
    assert (old.version, new.version) == (1, 2)
    assert storage.open_blob(old.key) != storage.open_blob(new.key) == b"{}"


@pytest.mark.django_db(transaction=True)  # the commits inside the request are real, as in production
def test_the_submit_request_does_not_wait_for_the_answers_pdf(
    tclient: Any, tenant: Any, service: Any, fake_scanner: Any, monkeypatch: Any
) -> None:
    citizen = CitizenFactory(tenant=tenant)
    draft = _draft(tenant, service, citizen, pdf_with("Nachweis"))
    real = services.application_receipt.receipt_pdf
    made_inside_request: list[bool] = []

    def receipt_pdf(application: Any, language: str) -> bytes:
        made_inside_request.append(tasks._after_response.get() is not None)
        return real(application, language)

    monkeypatch.setattr(services.application_receipt, "receipt_pdf", receipt_pdf)
    login_citizen(tclient, citizen)
    response = tclient.post(f"/api/v1/applications/drafts/{draft.uuid}/submit")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    case = Case.objects.for_tenant(tenant).get(application_number=number)  # filed inside the request
    assert made_inside_request == [False]  # rendered once, after the response was out
    pdf = DocumentVersion.objects.for_tenant(tenant).get(document__case=case, document__kind="application")
    assert storage.open_blob(pdf.key).startswith(b"%PDF") and "Bello" in pdf.text


@pytest.mark.django_db
def test_a_missing_answers_pdf_says_so_and_the_sweep_makes_it_once(
    tclient: Any, tenant: Any, service: Any, fake_scanner: Any, monkeypatch: Any
) -> None:
    real = services.application_receipt.receipt_pdf

    def broken(application: Any, language: str) -> bytes:
        raise RuntimeError("WeasyPrint fiel um")

    monkeypatch.setattr(services.application_receipt, "receipt_pdf", broken)
    submit(tenant, service, CitizenFactory(tenant=tenant), pdf_with("eins"))  # the PDF fails, the filing stands
    case = Case.objects.for_tenant(tenant).get()  # the filing itself stands: case, data, attachment
    assert set(Document.objects.for_tenant(tenant).values_list("kind", flat=True)) == {"data", "attachment"}
    assert services.pending_application_pdfs() == [(tenant.pk, case.application_number)]
    staff = StaffFactory(tenant=tenant, email="admin@alpha.test", roles=["tenant_admin"])
    login_staff(tclient, staff)
    page = tclient.get(f"/intern/akten/vorgang/{case.uuid}/").content.decode()
    assert "als PDF: wird erstellt" in page

    monkeypatch.setattr(services.application_receipt, "receipt_pdf", real)
    call_command("records_pdfs", stdout=io.StringIO())
    assert tasks.sweep_application_pdfs() == 0  # nothing left; a second run files nothing
    assert tasks.render_application_pdf(tenant.pk, case.application_number) is False  # a late task neither
    assert Document.objects.for_tenant(tenant).filter(kind="application").count() == 1
    assert services.pending_application_pdfs() == []
    page = tclient.get(f"/intern/akten/vorgang/{case.uuid}/").content.decode()
    assert "wird erstellt" not in page and f"Antrag-{case.application_number}.pdf" in page


@pytest.mark.django_db
def test_an_application_made_for_an_organisation_is_filed_under_the_organisation(
    tenant: Any, service: Any, fake_scanner: Any
):
    from rathaus.identity.models import Organisation, OrganisationRepresentative
    from rathaus.identity.tests.factories import IdentityProviderFactory

    provider = IdentityProviderFactory(tenant=tenant, slug="muk", plugin="muk")
    firm = Organisation.objects.create(
        tenant=tenant, provider=provider, identifier="4711", name="Musterbau GmbH", legal_form="GmbH",
        street="Industriestraße 5", postal_code="40699", city="Erkrath",
    )  # fmt: skip
    karl, erna = (CitizenFactory(tenant=tenant, first_name=n, last_name="Beispiel") for n in ("Karl", "Erna"))
    for person in (karl, erna):
        OrganisationRepresentative.objects.create(tenant=tenant, organisation=firm, user=person)

    first, second = (submit(tenant, service, p, pdf_with("Nachweis"), firm.pk) for p in (karl, erna))
    private = submit(tenant, service, karl, pdf_with("Nachweis privat"))

    cases = {a.number: Case.objects.for_tenant(tenant).get(application_number=a.number) for a in (first, second)}
    (firm_file,) = {case.file for case in cases.values()}  # both representatives' cases in the firm's one file
    assert firm_file.party.kind == "organisation" and firm_file.party.name == "Musterbau GmbH"
    assert firm_file.party.organisation_id == firm.pk and firm_file.party.account_id is None
    assert firm_file.party.address == "Industriestraße 5, 40699 Erkrath"
    assert "Musterbau GmbH" in firm_file.subject
    private_file = Case.objects.for_tenant(tenant).get(application_number=private.number).file
    assert private_file != firm_file and private_file.party.account_id == karl.pk
    assert private_file.party.kind == "person"
