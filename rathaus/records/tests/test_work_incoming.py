"""The citizen's answer in the application's mailbox thread files itself into the case (once)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from rathaus.applications import services as applications
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core import events
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.records import journal, work
from rathaus.records.models import Case, Document, DocumentVersion, FilePlanUnit
from rathaus.records.tests.test_filing import submit
from rathaus.tenants.tests.world import pdf_with


@pytest.fixture
def filed(tenant: Any, fake_scanner: Any) -> Any:
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    service = ServiceFactory(tenant=tenant, slug="hund", name="Hund", file_plan_code=plan.code, trust_level="none")
    citizen = CitizenFactory(tenant=tenant)
    application = submit(tenant, service, citizen, pdf_with("Antrag"))
    return application, Case.objects.for_tenant(tenant).get(application_number=application.number)


def incoming(tenant: Any, case: Case) -> Any:
    return Document.objects.for_tenant(tenant).filter(case=case, kind=Document.Kind.INCOMING)


@pytest.mark.django_db
def test_the_citizens_answer_with_a_file_becomes_incoming_documents_adopted_by_hash(tenant: Any, filed: Any) -> None:
    application, case = filed
    impfpass = pdf_with("Impfpass Bello")
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = applications.send_message(
            application=application,
            sender=application.applicant,
            body="Hier der Impfpass.",
            from_office=False,
            uploads=[SimpleUploadedFile("impfpass.pdf", impfpass, content_type="application/pdf")],
        )
    docs = incoming(tenant, case)
    assert docs.count() == 2
    text = DocumentVersion.objects.for_tenant(tenant).get(document__in=docs, name="nachricht.txt")
    assert text.text == "Hier der Impfpass."
    pdf = DocumentVersion.objects.for_tenant(tenant).get(document__in=docs, name="impfpass.pdf")
    assert (pdf.sha256, pdf.key) == (message.attachments[0]["sha256"], message.attachments[0]["key"])  # no copy
    assert journal.verify(tenant.pk).ok

    event = Event.objects.for_tenant(tenant).get(kind="mailbox.message_received")
    for _ in range(2):  # replayed: nothing twice
        kind = events.registry.kinds[event.kind]
        events.registry.consumer("records.file_incoming_message").handler(event, kind.parse(event.payload))
    assert incoming(tenant, case).count() == 2


@pytest.mark.django_db
def test_messages_from_the_office_and_of_other_threads_file_nothing(tenant: Any, filed: Any) -> None:
    application, case = filed
    staff = StaffFactory(tenant=tenant, roles=["caseworker"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = applications.send_message(application=application, sender=staff, body="Rückfrage", from_office=True)
    assert not Event.objects.for_tenant(tenant).filter(kind="mailbox.message_received").exists()
    assert work.file_incoming_message(tenant_id=tenant.pk, message_id=message.pk) == []
    assert work.file_incoming_message(tenant_id=tenant.pk, message_id=10**9) == []
    assert incoming(tenant, case).count() == 0
