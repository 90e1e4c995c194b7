"""Edges the mutation run found untested: each side's unread count, the office list and detail in a fixed
number of queries, a payment attempt still open is continued (not a second one started), and a status change
tells the citizen."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications import selectors, services
from rathaus.applications.models import MAILBOX_KIND, Application, Draft
from rathaus.identity.models import StaffRole
from rathaus.identity.permissions import Role
from rathaus.identity.tests.factories import StaffFactory
from rathaus.mailbox import services as mailbox
from rathaus.payments.models import Payment

from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")


def _submitted(tenant: Any, citizen: Any, form: Any) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def _forwarded(application: Application) -> Application:
    Application.objects.for_tenant(application.tenant_id).filter(pk=application.pk).update(
        forwarded_at=application.submitted_at
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def clerk(tenant: Any, citizen: Any, hund_form: Any) -> Any:
    user = StaffFactory(tenant=tenant)
    unit = _submitted(tenant, citizen, hund_form).org_unit  # the unit applications of this service go to
    Application.objects.for_tenant(tenant).all().delete()
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=Role.CASEWORKER)
    return user


def test_each_side_counts_only_what_the_other_side_wrote_and_it_has_not_read(
    tenant: Any, citizen: Any, hund_form: Any, clerk: Any
) -> None:
    application = _forwarded(_submitted(tenant, citizen, hund_form))
    reference = f"{MAILBOX_KIND}:{application.number}"
    for body, office in (("Frage 1", True), ("Frage 2", True), ("Antwort", False)):
        mailbox.post(
            tenant=tenant, recipient=citizen, reference=reference, subject="Rückfrage",
            sender=clerk if office else citizen, body=body, from_office=office,
        )  # fmt: skip

    assert selectors.applications_of(tenant, citizen).get().unread == 2  # the office's two questions
    assert selectors.applications_for_office(tenant, clerk).get().unread == 1  # the citizen's answer


def test_the_office_list_and_the_citizens_pages_read_in_a_fixed_number_of_queries(
    tenant: Any, citizen: Any, hund_form: Any, clerk: Any, django_assert_max_num_queries: Any
) -> None:
    numbers = [_forwarded(_submitted(tenant, citizen, hund_form)).number for _ in range(3)]

    with django_assert_max_num_queries(3):  # office list: one query, whatever it shows of each row
        rows = [
            (a.service.name, a.org_unit.name, a.applicant.email)
            for a in selectors.applications_for_office(tenant, clerk)
        ]
    assert len(rows) == 3 and {row[0] for row in rows} == {"Hund anmelden"}
    with django_assert_max_num_queries(3):
        names = [a.service.name for a in selectors.applications_of(tenant, citizen)]
    assert names == ["Hund anmelden"] * 3
    with django_assert_max_num_queries(1):  # the detail page: the application with what it shows, at once
        mine = selectors.application_of(tenant, citizen, numbers[0])
        assert mine is not None and mine.service.name == "Hund anmelden" and mine.org_unit.name
        assert mine.form_version.definition


def _pay_url(client: Client, number: str) -> str:
    response = client.post(f"/antraege/{number}/bezahlen/")
    assert response.status_code == 302
    return str(response["Location"])


@pytest.mark.parametrize("state", ["open", "pending"])
def test_an_attempt_still_open_at_the_provider_is_continued(
    mia: Client, tenant: Any, citizen: Any, hund_form: Any, state: str
) -> None:
    application = _submitted(tenant, citizen, hund_form)
    first = _pay_url(mia, application.number)
    Payment.objects.for_tenant(tenant).filter(reference=application.number).update(status=state)

    again = _pay_url(mia, application.number)

    assert Payment.objects.for_tenant(tenant).filter(reference=application.number).count() == 1
    assert again == first


def test_a_payment_names_the_application_and_service_in_its_purpose(
    mia: Client, tenant: Any, citizen: Any, hund_form: Any
) -> None:
    application = _submitted(tenant, citizen, hund_form)
    _pay_url(mia, application.number)

    payment = Payment.objects.for_tenant(tenant).get(reference=application.number)
    assert payment.purpose == f"{application.number} Hund anmelden"


def test_a_long_service_name_is_cut_to_the_140_characters_a_payment_purpose_may_have(
    mia: Client, tenant: Any, citizen: Any, hund_form: Any
) -> None:
    hund_form.service.name = "Hundesteuer-" + "x" * 180  # the longest names the catalog allows: 200
    hund_form.service.save()
    application = _submitted(tenant, citizen, hund_form)
    _pay_url(mia, application.number)

    purpose = Payment.objects.for_tenant(tenant).get(reference=application.number).purpose
    assert len(purpose) == 140 and purpose.startswith(f"{application.number} Hundesteuer-xxx")


def test_a_status_change_tells_the_citizen(
    tenant: Any, citizen: Any, hund_form: Any, clerk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = _forwarded(_submitted(tenant, citizen, hund_form))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        event = services.change_status(application=application, status="in_progress", actor=clerk)

    assert (event.status, event.note, event.actor) == ("in_progress", "", clerk)  # no note unless one is given

    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert application.number in mail.outbox[0].subject
