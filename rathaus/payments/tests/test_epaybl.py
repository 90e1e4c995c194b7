"""The ePayBL-style adapter end to end, against a fake platform on 127.0.0.1 (see fake_epaybl.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages

from rathaus.identity.tests.factories import login_citizen
from rathaus.payments import services
from rathaus.payments.errors import PaymentProviderUnavailable
from rathaus.payments.models import Payment, PaymentEvent

from .fake_epaybl import SECRET_ENV, FakePlatform


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_browser_return_is_not_trusted_only_the_platform_is(
    platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    payment = make_payment(return_url="/antraege/A-2026-000001/")
    assert payment.provider == "epaybl"
    login_citizen(tclient, citizen)

    # 1. Create at the platform, server to server, and redirect the citizen to its Paypage.
    response = tclient.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 302
    payment.refresh_from_db()
    kassenzeichen = payment.provider_reference
    assert kassenzeichen == "KZ00000001"
    assert response["Location"] == f"{platform.url}/paypage/{kassenzeichen}"
    assert payment.status == Payment.Status.PENDING
    sent = platform.records[kassenzeichen].payload
    assert sent["betrag"] == "30.50" and sent["vorgangsnummer"] == payment.reference
    assert sent["kontierung"] == {"haushaltsstelle": "1.1100.100", "objektnummer": "4711"}
    assert sent["ruecksprung"]["erfolg"] == f"http://alpha.testserver/zahlung/return/{payment.uuid}/"
    assert [p["betrag"] for p in sent["positionen"]] == ["25.00", "5.50"]

    # 2. The browser comes back claiming success, but the platform says the Kassenzeichen is still open.
    forged = tclient.get(f"/zahlung/return/{payment.uuid}/?status=BEZAHLT&kassenzeichen={kassenzeichen}&paid=1")
    assert forged.status_code == 302 and forged["Location"] == "/antraege/A-2026-000001/"
    assert any("noch nicht bestätigt" in m for m in _messages(forged))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.paid_at is None

    # 3. The citizen really pays on the platform; the next return is confirmed server-side.
    platform.pay(kassenzeichen)
    confirmed = tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert any("ist eingegangen" in m for m in _messages(confirmed))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.paid_at is not None and payment.paid_at.isoformat().startswith("2026-03-02T09:15")
    assert ("GET", f"/kassenzeichen/{kassenzeichen}") in platform.requests

    # A second return changes nothing and records nothing.
    tclient.get(f"/zahlung/return/{payment.uuid}/")
    sources = list(PaymentEvent.objects.for_tenant(tenant).filter(payment=payment).values_list("source", "status"))
    assert sources == [("created", "open"), ("redirect", "pending"), ("browser_return", "paid")]


def test_retrying_the_redirect_reuses_the_kassenzeichen(
    platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    first = tclient.post(f"/zahlung/{payment.uuid}/")["Location"]
    second = tclient.post(f"/zahlung/{payment.uuid}/")["Location"]
    assert first == second
    assert len(platform.records) == 1


def test_paid_with_a_different_amount_is_left_for_the_treasury(
    platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    tclient.post(f"/zahlung/{payment.uuid}/")
    payment.refresh_from_db()
    platform.pay(payment.provider_reference, amount="3.05")
    tclient.get(f"/zahlung/return/{payment.uuid}/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_cancel_at_the_platform(platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    tclient.post(f"/zahlung/{payment.uuid}/")
    payment.refresh_from_db()
    platform.cancel(payment.provider_reference)
    response = tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert any("abgebrochen" in m for m in _messages(response))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


def test_platform_errors_keep_the_payment_pending_with_a_german_message(
    platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    tclient.post(f"/zahlung/{payment.uuid}/")
    payment.refresh_from_db()
    platform.pay(payment.provider_reference)

    for mode in ("error500", "slow"):
        platform.mode = mode
        response = tclient.get(f"/zahlung/return/{payment.uuid}/")
        assert response.status_code == 302, mode
        assert any("konnte gerade nicht" in m for m in _messages(response)), mode
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PENDING, mode

    platform.mode = "ok"
    services.refresh_status(payment=payment)
    assert payment.status == Payment.Status.PAID


def test_unreachable_platform_at_start_shows_the_pay_page_again(
    platform: FakePlatform, tclient: Any, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    platform.mode = "error500"
    response = tclient.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 200
    assert "nicht erreichbar" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN and payment.provider_reference == ""


def test_wrong_secret_is_treated_as_unavailable(
    platform: FakePlatform, make_payment: Any, rf: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv(SECRET_ENV, "falsch")
    payment = make_payment()
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=payment, request=rf.get("/", HTTP_HOST="alpha.testserver"))
    assert "nicht erreichbar" in str(caught.value.detail)


def test_missing_configuration_gives_a_clear_message(make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="epaybl")  # the municipality never configured ePayBL
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=payment, request=rf.get("/"))
    assert "noch nicht eingerichtet" in str(caught.value.detail)
