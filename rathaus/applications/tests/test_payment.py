"""Paying the fee of an application with the demo provider; the application follows the payment."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.core.models import Delivery, Event

from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")


@pytest.fixture
def application(tenant: Any, citizen: Any, hund_form: Any) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def _follow_to_demo_page(client: Client, number: str) -> str:
    response = client.post(f"/antraege/{number}/bezahlen/")
    assert response.status_code == 302
    url = response["Location"]
    while "/zahlung/demo/" not in url:
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        url = response["Location"]
    return url


def test_demo_payment_marks_the_application_paid_and_forwards_it(
    mia: Client, application: Application, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert application.payment_state == "open" and application.forwarded_at is None
    demo_url = _follow_to_demo_page(mia, application.number)
    page = mia.get(demo_url).content.decode()
    assert "Testzahlung" in page and "96,00" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = mia.post(demo_url, {"action": "paid"})
        assert response.status_code == 302
        back = mia.get(response["Location"])
    assert back.status_code == 302 and back["Location"] == f"/antraege/{application.number}/"
    application.refresh_from_db()
    assert application.payment_state == "paid" and application.forwarded_at is not None
    kinds = list(Event.objects.for_tenant(tenant).filter(subject=application.number).values_list("kind", flat=True))
    assert kinds == ["application.submitted", "application.forwardable"]
    # (steering's live figures consume these events too: not this test's concern)
    assert set(Delivery.objects.exclude(consumer__startswith="steering.").values_list("consumer", "state")) == {
        ("applications.record_payment", "done"),
        ("applications.office_inbox", "done"),
        ("records.file_application", "done"),  # the E-Akte filed it as a case
    }
    assert "Bezahlt" in mia.get(f"/antraege/{application.number}/").content.decode()


def test_cancelled_payment_leaves_the_fee_open_and_it_can_be_paid_again(
    mia: Client, application: Application, django_capture_on_commit_callbacks: Any
) -> None:
    demo_url = _follow_to_demo_page(mia, application.number)
    with django_capture_on_commit_callbacks(execute=True):
        response = mia.post(demo_url, {"action": "cancelled"})
        mia.get(response["Location"])
    application.refresh_from_db()
    assert application.payment_state == "failed" and application.forwarded_at is None
    second = _follow_to_demo_page(mia, application.number)
    assert second != demo_url  # a new payment, the cancelled one stays as it was


def test_another_citizen_cannot_pay_or_see_the_payment(
    mia: Client, application: Application, other_citizen_client: Client
) -> None:
    assert other_citizen_client.post(f"/antraege/{application.number}/bezahlen/").status_code == 404
    demo_url = _follow_to_demo_page(mia, application.number)
    assert other_citizen_client.get(demo_url.split("?")[0]).status_code == 404


def test_application_without_fee_has_nothing_to_pay(mia: Client, tenant: Any, citizen: Any, hund_form: Any) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(payment_state="not_required")
    response = mia.post(f"/antraege/{application.number}/bezahlen/")
    assert response.status_code == 302 and response["Location"] == f"/antraege/{application.number}/"
