"""Paying an application's fee over XBezahldienste (the fake platform process): the application follows.

create → redirect to the platform's pay page → pay → return → status poll → ``payment.paid`` → the
application is marked paid and forwarded to the department; a failed payment leaves it open.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.core.models import Event
from rathaus.payments.tests.xbezahldienste.fixtures import Bezahldienst, bezahldienst, bezahldienst_process

from .test_submission_rules import ANSWERS

__all__ = ["bezahldienst", "bezahldienst_process"]  # fixtures used below
pytestmark = pytest.mark.usefixtures("fake_scanner")


@pytest.fixture
def application(tenant: Any, citizen: Any, hund_form: Any) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def _pay(mia: Client, bezahldienst: Bezahldienst, application: Application, action: str) -> Any:
    response = mia.post(f"/antraege/{application.number}/bezahlen/")
    assert response.status_code == 302 and response["Location"].startswith(f"{bezahldienst.root}/paypage/")
    back = bezahldienst.payer_chooses(response["Location"], action)
    assert back.status_code == 303
    return mia.get(urlsplit(back.headers["Location"]).path)


def test_paid_over_xbezahldienste_forwards_the_application(
    mia: Client,
    bezahldienst: Bezahldienst,
    application: Application,
    tenant: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert application.payment_state == "open" and application.forwarded_at is None
    with django_capture_on_commit_callbacks(execute=True):
        back = _pay(mia, bezahldienst, application, "pay")
    assert back.status_code == 302 and back["Location"] == f"/antraege/{application.number}/"
    application.refresh_from_db()
    assert application.payment_state == "paid" and application.forwarded_at is not None
    kinds = list(Event.objects.for_tenant(tenant).values_list("kind", flat=True).order_by("pk"))
    # the E-Akte files the forwarded application in turn (case.opened, document.filed)
    assert [k for k in kinds if not k.startswith(("case.", "document."))] == [
        "application.submitted", "payment.paid", "application.forwardable",
    ]  # fmt: skip
    assert "case.opened" in kinds
    request = next(iter(bezahldienst.state()["transactions"].values()))["paymentRequest"]
    assert request["grosAmount"] == float(application.fee_total)
    assert request["description"] == f"{application.number} Hund anmelden"


def test_failed_over_xbezahldienste_leaves_the_application_waiting(
    mia: Client, bezahldienst: Bezahldienst, application: Application, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _pay(mia, bezahldienst, application, "fail")
    application.refresh_from_db()
    assert application.payment_state == "failed" and application.forwarded_at is None
