"""The demo provider through the test client: pay, cancel, anonymous token, and other people's payments."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages

from rathaus.identity.tests.factories import CitizenFactory, login_citizen
from rathaus.payments import selectors
from rathaus.payments.models import Payment
from rathaus.payments.providers.base import payer_token


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_citizen_pays_with_the_demo_provider(tclient: Any, citizen: Any, make_payment: Any) -> None:
    payment = make_payment(return_url="/antraege/A-2026-000001/")
    login_citizen(tclient, citizen)

    page = tclient.get(f"/zahlung/{payment.uuid}/")
    assert page.status_code == 200
    assert "Testbetrieb" in page.content.decode()
    assert "30,50" in page.content.decode()

    to_provider = tclient.post(f"/zahlung/{payment.uuid}/")
    assert to_provider.status_code == 302 and to_provider["Location"] == f"/zahlung/demo/{payment.uuid}/"

    demo = tclient.get(to_provider["Location"])
    body = demo.content.decode()
    assert demo.status_code == 200
    assert "TESTZAHLUNG – es fließt kein Geld" in body
    assert "Testweise bezahlen" in body and "Zahlung abbrechen" in body

    back = tclient.post(to_provider["Location"], {"action": "paid"})
    assert back.status_code == 302 and back["Location"] == f"/zahlung/return/{payment.uuid}/"
    done = tclient.get(back["Location"])
    assert done.status_code == 302 and done["Location"] == "/antraege/A-2026-000001/"
    assert any("ist eingegangen" in m for m in _messages(done))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.provider_reference.startswith("TEST-")
    assert selectors.is_paid(payment.tenant, payment.reference)


def test_cancelling_the_demo_payment_leaves_it_unpaid(tclient: Any, citizen: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    tclient.post(f"/zahlung/{payment.uuid}/")
    tclient.post(f"/zahlung/demo/{payment.uuid}/", {"action": "cancelled"})
    done = tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert any("abgebrochen" in m for m in _messages(done))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    # ... and the citizen can try again.
    again = tclient.post(f"/zahlung/{payment.uuid}/")
    assert again.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_return_without_paying_does_not_mark_paid(tclient: Any, citizen: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    tclient.post(f"/zahlung/{payment.uuid}/")
    tclient.get(f"/zahlung/return/{payment.uuid}/?status=paid&demo=paid")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_demo_page_needs_csrf(client: Any, tenant: Any, citizen: Any, make_payment: Any) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True, HTTP_HOST="alpha.testserver")
    login_citizen(strict, citizen)
    payment = make_payment()
    assert strict.post(f"/zahlung/demo/{payment.uuid}/", {"action": "paid"}).status_code == 403
    payment.refresh_from_db()
    assert payment.provider_data == {}


def test_another_citizen_gets_404_everywhere(tclient: Any, tenant: Any, make_payment: Any) -> None:
    payment = make_payment()
    intruder = CitizenFactory(tenant=tenant, email="bert@alpha.example")
    login_citizen(tclient, intruder)
    for path in (f"/zahlung/{payment.uuid}/", f"/zahlung/demo/{payment.uuid}/", f"/zahlung/return/{payment.uuid}/"):
        assert tclient.get(path).status_code == 404, path
    assert tclient.post(f"/zahlung/demo/{payment.uuid}/", {"action": "paid"}).status_code == 404
    payment.refresh_from_db()
    assert payment.provider_data == {} and payment.status == Payment.Status.OPEN


def test_anonymous_gets_404_without_token(tclient: Any, make_payment: Any) -> None:
    payment = make_payment()
    assert tclient.get(f"/zahlung/{payment.uuid}/").status_code == 404
    assert tclient.get(f"/zahlung/{payment.uuid}/?t={payer_token(payment)}").status_code == 404  # has a payer


def test_anonymous_payment_works_with_its_signed_token(tclient: Any, make_payment: Any) -> None:
    payment = make_payment(payer=None)
    path = selectors.pay_path(payment)
    assert "?t=" in path
    assert tclient.get(f"/zahlung/{payment.uuid}/").status_code == 404
    assert tclient.get(f"/zahlung/{payment.uuid}/?t=falsch").status_code == 404
    token = path.split("?t=")[1]
    to_demo = tclient.post(f"/zahlung/{payment.uuid}/", {"t": token})
    assert to_demo.status_code == 302 and f"t={token}" in to_demo["Location"]
    back = tclient.post(to_demo["Location"], {"action": "paid", "t": token})
    assert tclient.get(back["Location"]).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_token_of_one_payment_does_not_open_another(tclient: Any, make_payment: Any) -> None:
    one, two = make_payment(payer=None), make_payment(payer=None)
    assert tclient.get(f"/zahlung/{two.uuid}/?t={payer_token(one)}").status_code == 404


def test_other_municipality_payment_is_not_found(
    client: Any, tenant: Any, other_tenant: Any, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    client.defaults["HTTP_HOST"] = f"{other_tenant.slug}.testserver"
    assert client.get(f"/zahlung/{payment.uuid}/").status_code == 404
    assert client.post(f"/zahlung/benachrichtigung/{payment.uuid}/").status_code == 404


def test_provider_notification_only_triggers_a_server_side_check(client: Any, tenant: Any, make_payment: Any) -> None:
    payment = make_payment()
    client.defaults["HTTP_HOST"] = "alpha.testserver"
    response = client.post(f"/zahlung/benachrichtigung/{payment.uuid}/", {"status": "paid"})
    assert response.status_code == 204
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
