"""XBezahldienste end to end against the fake platform process (xbezahldienste/server.py, schema.json).

Rathaus runs in the Django test client; the platform is a real HTTP server in its own process that validates
every request against the schema (a request it refuses fails the test, see ``fixtures.bezahldienst``); the
citizen's browser on the pay page is a ``requests`` call.
"""

from __future__ import annotations

import json
import socket
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client, override_settings

from rathaus.core.models import Event
from rathaus.core.plugins import InvalidPluginOptions
from rathaus.identity.tests.factories import CitizenFactory, login_citizen
from rathaus.payments import services
from rathaus.payments.errors import PaymentProviderUnavailable
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.providers.base import ProviderError, payer_token
from rathaus.payments.providers.registry import payment_providers
from rathaus.payments.providers.xbezahldienste import XBezahldiensteProvider
from rathaus.tenants.services import save_plugin_config

from .xbezahldienste.fixtures import NO_PROXY, PASSWORD_ENV, Bezahldienst, bezahldienst, bezahldienst_process

__all__ = ["bezahldienst", "bezahldienst_process"]  # fixtures used by the tests below


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _to_pay_page(client: Client, payment: Payment) -> str:
    response = client.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


def _back_to_rathaus(client: Client, redirect: requests.Response) -> Any:
    """Follow the platform's 303 to Rathaus' return URL (as the browser does)."""
    assert redirect.status_code == 303
    location = urlsplit(redirect.headers["Location"])
    assert location.netloc == "alpha.testserver"
    return client.get(f"{location.path}?{location.query}" if location.query else location.path)


def _events(tenant: Any) -> list[tuple[str, str]]:
    return list(Event.objects.for_tenant(tenant).filter(kind__startswith="payment.").values_list("kind", "subject"))


def _history(payment: Payment) -> list[tuple[str, str]]:
    return list(
        PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment).values_list("source", "status")
    )


def test_create_redirect_pay_and_poll(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    payment = make_payment(
        purpose="Gebühr Anwohnerparkausweis Müllerstraße",
        lines=[
            {"label": "Verwaltungsgebühr", "amount": "25.00", "haushaltsstelle": "1.1220.200", "objektnummer": "77"},
            {"label": "Ausweis", "amount": "5.50"},
        ],
    )
    assert payment.provider == "xbezahldienste"
    login_citizen(tclient, citizen)

    # 1. Create at the platform, server to server; the browser goes to the platform's pay page.
    pay_page = _to_pay_page(tclient, payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert pay_page == f"{bezahldienst.root}/paypage/{payment.provider_reference}"
    sent = bezahldienst.transaction(payment.provider_reference)["paymentRequest"]
    assert sent["requestId"] == f"{payment.uuid.hex}-01"
    assert sent["grosAmount"] == 30.5 and sent["currency"] == "EUR"
    assert sent["redirectUrl"] == f"http://alpha.testserver/zahlung/return/{payment.uuid}/"
    assert sent["purpose"] == f"{payment.reference} Gebuehr Anwoh"  # 27 characters, ASCII, as the schema wants
    assert sent["description"] == "Gebühr Anwohnerparkausweis Müllerstraße"
    assert "requestor" not in sent  # the platform does not need the payer's name and address
    assert [(i["description"], i["totalNetAmount"], i["bookingData"]) for i in sent["items"]] == [
        (
            "Verwaltungsgebühr",
            25.0,
            {
                "haushaltsstelle": "1.1220.200",
                "objektnummer": "77",
                "kassenzeichen": f"5.0123.{payment.reference}",
                "buchungstext": f"{payment.reference} Verwaltungsgebühr",
            },
        ),
        (
            "Ausweis",
            5.5,
            {
                "haushaltsstelle": "1.1220.100",
                "objektnummer": "12200000",
                "kassenzeichen": f"5.0123.{payment.reference}",
                "buchungstext": f"{payment.reference} Ausweis",
            },
        ),
    ]
    assert "30.50 EUR" in requests.get(pay_page, timeout=5, proxies=NO_PROXY).text

    # 2. The citizen pays; the platform sends the browser back; Rathaus asks the platform (GET) and records it.
    back = _back_to_rathaus(tclient, bezahldienst.payer_chooses(pay_page, "pay"))
    assert back.status_code == 302 and back["Location"] == "/antraege/A-2026-000001/"
    assert any("ist eingegangen" in m for m in _messages(back))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_at is not None
    assert _events(tenant) == [("payment.paid", str(payment.uuid))]
    last = PaymentEvent.objects.for_tenant(tenant).filter(payment=payment).last()
    assert last is not None and last.detail["kassenzeichen"].startswith("KZ") and last.detail["zahlart"] == "CREDITCARD"
    gets = [e for e in bezahldienst.state()["log"] if e["method"] == "GET" and "/paymenttransaction/" in e["path"]]
    assert [e["path"].rsplit("/", 1)[-1] for e in gets] == [payment.provider_reference]

    # 3. Replaying the return changes nothing and publishes nothing.
    tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert _events(tenant) == [("payment.paid", str(payment.uuid))]
    assert _history(payment) == [("created", "open"), ("redirect", "pending"), ("browser_return", "paid")]


def test_failed_at_the_platform(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    back = _back_to_rathaus(tclient, bezahldienst.payer_chooses(_to_pay_page(tclient, payment), "fail"))
    assert any("fehlgeschlagen" in m for m in _messages(back))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert _events(tenant) == [("payment.failed", str(payment.uuid))]


def test_cancelled_then_paid_with_a_new_transaction(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    first_page = _to_pay_page(tclient, payment)
    back = _back_to_rathaus(tclient, bezahldienst.payer_chooses(first_page, "cancel"))
    assert any("abgebrochen" in m for m in _messages(back))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    first = payment.provider_reference

    second_page = _to_pay_page(tclient, payment)  # a cancelled transaction cannot be paid: a new one
    payment.refresh_from_db()
    assert second_page != first_page and payment.provider_reference != first
    assert bezahldienst.transaction(payment.provider_reference)["paymentRequest"]["requestId"].endswith("-02")
    assert bezahldienst.payer_chooses(first_page, "pay").status_code == 409
    _back_to_rathaus(tclient, bezahldienst.payer_chooses(second_page, "pay"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_retrying_the_redirect_continues_the_open_transaction(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    assert _to_pay_page(tclient, payment) == _to_pay_page(tclient, payment)
    assert len(bezahldienst.state()["transactions"]) == 1


def test_forged_and_replayed_return_urls_count_for_nothing(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    pay_page = _to_pay_page(tclient, payment)

    # The browser claims success; the platform says INITIAL.
    forged = tclient.get(f"/zahlung/return/{payment.uuid}/?status=PAYED&transactionId=x&paid=1")
    assert any("noch nicht bestätigt" in m for m in _messages(forged))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and _events(tenant) == []

    # Somebody else's browser, or one without the payer token, is not let in at all.
    stranger = Client(HTTP_HOST="alpha.testserver")
    login_citizen(stranger, CitizenFactory(tenant=tenant, email="eve@alpha.example"))
    assert stranger.get(f"/zahlung/return/{payment.uuid}/").status_code == 404
    anonymous = make_payment(payer=None)
    other = make_payment(payer=None)
    assert Client(HTTP_HOST="alpha.testserver").get(f"/zahlung/return/{anonymous.uuid}/").status_code == 404
    wrong_token = f"/zahlung/return/{anonymous.uuid}/?t={payer_token(other)}"
    assert Client(HTTP_HOST="alpha.testserver").get(wrong_token).status_code == 404

    # Paid for real: a replayed return after that changes nothing.
    _back_to_rathaus(tclient, bezahldienst.payer_chooses(pay_page, "pay"))
    for _ in range(2):
        tclient.get(f"/zahlung/return/{payment.uuid}/?status=CANCELED")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert _events(tenant) == [("payment.paid", str(payment.uuid))]


def test_amount_mismatch_is_left_for_the_treasury(
    bezahldienst: Bezahldienst,
    tclient: Client,
    citizen: Any,
    make_payment: Any,
    tenant: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    pay_page = _to_pay_page(tclient, payment)
    bezahldienst.payer_chooses(pay_page, "pay")
    bezahldienst.control(mode="wrong_amount")  # the platform reports PAYED, but 3.05 instead of 30.50
    response = tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert any("noch nicht bestätigt" in m for m in _messages(response))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and _events(tenant) == []
    assert any("xbezahl_amount_mismatch" in r.getMessage() for r in caplog.records)
    tclient.get(f"/zahlung/return/{payment.uuid}/")  # asked again: recorded once
    history = PaymentEvent.objects.for_tenant(tenant).filter(payment=payment)
    assert [(e.source, e.status, e.detail.get("abweichender_betrag")) for e in history] == [
        ("created", "open", None),
        ("redirect", "pending", None),
        ("browser_return", "pending", "3.05"),  # the Stadtkasse sees the reported amount in the history
    ]
    bezahldienst.control(mode="ok")
    services.refresh_status(payment=payment)  # the right amount after all: paid
    assert payment.status == Payment.Status.PAID


@pytest.mark.parametrize("mode", ["error500", "malformed", "schema", "unknown_status", "other_transaction", "slow"])
def test_unusable_status_answers_keep_the_payment_pending(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any, mode: str
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    bezahldienst.payer_chooses(_to_pay_page(tclient, payment), "pay")
    bezahldienst.control(mode=mode)
    response = tclient.get(f"/zahlung/return/{payment.uuid}/")
    assert response.status_code == 302
    assert any("konnte gerade nicht" in m for m in _messages(response))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and _events(tenant) == []

    bezahldienst.control(mode="ok")  # the platform is back: the next status check records the payment
    services.refresh_status(payment=payment)
    assert payment.status == Payment.Status.PAID


def test_status_queries_are_retried_creating_is_not(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    bezahldienst.control(mode="error500")
    response = tclient.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 200 and "nicht erreichbar" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN and payment.provider_reference == ""
    assert [e["method"] for e in bezahldienst.state()["log"]] == ["POST"]  # one POST, no retry

    bezahldienst.control(mode="ok")
    _to_pay_page(tclient, payment)
    payment.refresh_from_db()
    bezahldienst.control(reset=False, mode="error500")
    with pytest.raises(PaymentProviderUnavailable):
        services.refresh_status(payment=payment)
    gets = [e for e in bezahldienst.state()["log"] if e["method"] == "GET"]
    assert len(gets) == 2, gets  # 1 + retries (1)


@pytest.mark.parametrize("mode", ["malformed", "schema"])
def test_unusable_answer_to_create_shows_the_pay_page_again(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, mode: str
) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    bezahldienst.control(mode=mode)
    response = tclient.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 200 and "unverständlich" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN and payment.provider_reference == ""


def test_platform_down(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    save_plugin_config(
        tenant=tenant,
        kind="payment",
        plugin_id="xbezahldienste",
        options=bezahldienst.options(base_url=f"http://127.0.0.1:{closed_port}/xbezahldienste/api/v1"),
        enabled=True,
        actor=None,
    )
    payment = make_payment()
    login_citizen(tclient, citizen)
    response = tclient.post(f"/zahlung/{payment.uuid}/")
    assert response.status_code == 200 and "nicht erreichbar" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


def test_wrong_password_is_refused_by_the_platform(
    bezahldienst: Bezahldienst, make_payment: Any, rf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "falsch")
    payment = make_payment()
    with pytest.raises(PaymentProviderUnavailable):
        services.begin_redirect(payment=payment, request=rf.get("/", HTTP_HOST="alpha.testserver"))
    assert [e["status"] for e in bezahldienst.state()["log"]] == [401]


def test_the_fake_platform_refuses_requests_that_break_the_schema(bezahldienst: Bezahldienst) -> None:
    """The guard itself: a malformed request is refused (and would fail the test that sent it)."""
    url = f"{bezahldienst.base_url}/paymenttransaction/RATHAUS-ALPHA/KASSE-05111000"
    good_item = {
        "id": "1", "description": "Gebühr", "quantity": 1, "singleNetAmount": 10, "singleTaxAmount": 0,
        "totalNetAmount": 10, "totalTaxAmount": 0,
    }  # fmt: skip
    request = {
        "requestId": "r1", "requestTimestamp": "2026-03-02T10:00:00Z", "currency": "EUR", "grosAmount": 10,
        "purpose": "A-1 Gebuehr", "redirectUrl": "http://alpha.testserver/zahlung/return/x/", "items": [good_item],
    }  # fmt: skip
    auth = ("rathaus-alpha", "nur-fuer-tests-xbezahl")
    post = lambda body: requests.post(url, json=body, auth=auth, timeout=5, proxies=NO_PROXY)  # noqa: E731
    assert post(request).status_code == 200
    assert post({**request, "requestId": "r2", "purpose": "Gebühr für den Anwohnerparkausweis"}).status_code == 400
    assert post({**request, "requestId": "r3", "grosAmount": 11}).status_code == 400  # items do not add up
    assert post({**request, "requestId": "r4", "extra": 1}).status_code == 400
    assert post({**request, "requestId": "r5", "items": [{**good_item, "bookingData": {"x": ""}}]}).status_code == 400
    assert len(bezahldienst.refused()) == 4
    bezahldienst.control(reset=True)  # these were on purpose


# --- options and checks without the platform --------------------------------------------------------------

OPTIONS = {
    "base_url": "https://epay.example.de/xbezahldienste/api/v1",
    "originator_id": "RATHAUS-ALPHA",
    "endpoint_id": "KASSE-05111000",
    "username": "rathaus-alpha",
    "password_env": "RATHAUS_XBEZAHL_PASSWORD_ALPHA",
}


def _validate(**overrides: Any) -> Any:
    return payment_providers.validate_options("xbezahldienste", {**OPTIONS, **overrides}, tenant_slug="alpha")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_url", "http://epay.example.de/api"),  # plain HTTP to another machine
        ("base_url", "https://user:pw@epay.example.de/api"),
        ("base_url", "ftp://epay.example.de/api"),
        ("originator_id", "../../admin"),
        ("endpoint_id", "a/b"),
        ("password_env", "geheim123"),  # the secret itself instead of a variable name
        ("password_env", "RATHAUS_XBEZAHL_PASSWORD_BETA"),  # another municipality's variable
        ("timeout", "0"),
        ("retries", "9"),
        ("haushaltsstelle", "1\x00"),
    ],
)
def test_options_are_refused(field: str, value: str) -> None:
    with pytest.raises(InvalidPluginOptions) as caught:
        _validate(**{field: value})
    assert [e["field"] for e in caught.value.errors] == [field]


def test_options_accept_https_and_loopback() -> None:
    assert _validate().base_url == OPTIONS["base_url"]
    assert _validate(base_url="http://127.0.0.1:8080/x/").base_url == "http://127.0.0.1:8080/x"


@override_settings(RATHAUS_PAYMENT_HOSTS=["ekom21.de", "epay.example.de"])
def test_only_allowed_hosts_when_the_operator_lists_them() -> None:
    assert _validate(base_url="https://epay-qs.ekom21.de/xbezahldienste/api/v1.0.0").base_url
    assert _validate().base_url
    with pytest.raises(InvalidPluginOptions):
        _validate(base_url="https://intranet.example.org/api")
    with pytest.raises(InvalidPluginOptions):
        _validate(base_url="https://evilekom21.de/api")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://epay.example.de/paypage/T1", True),
        ("https://paypage.example.de/T1", True),  # same site as the API
        ("http://epay.example.de/paypage/T1", False),
        ("https://evil.example.org/paypage", False),
        ("javascript:alert(1)", False),
        ("https://user@epay.example.de/paypage", False),
    ],
)
def test_only_trusted_pay_pages(url: str, ok: bool) -> None:
    provider = XBezahldiensteProvider(_validate())
    if ok:
        assert provider._checked_redirect(url) == url
    else:
        with pytest.raises(ProviderError):
            provider._checked_redirect(url)


def test_line_booking_fields_are_checked(make_payment: Any) -> None:
    from rathaus.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        make_payment(lines=[{"label": "Gebühr", "amount": "30.50", "haushaltsstelle": "x" * 51}])
    assert caught.value.errors[0]["field"] == "lines.0.haushaltsstelle"
    payment = make_payment(lines=[{"label": "Gebühr", "amount": "30.50", "buchungstext": "Parkausweis 2026"}])
    assert payment.lines == [{"label": "Gebühr", "amount": "30.50", "buchungstext": "Parkausweis 2026"}]
    assert json.dumps(payment.lines)  # stored as it is sent
    assert payment.amount == Decimal("30.50")


def test_booking_per_service(
    bezahldienst: Bezahldienst, tclient: Client, citizen: Any, make_payment: Any, tenant: Any
) -> None:
    rules = "Parkausweis = 9.9; Hund anmelden = 6.1100.000; Anwohnerparkausweis = 1.1220.200 / 12200010"
    options = bezahldienst.options(buchungen_je_leistung=rules)
    save_plugin_config(
        tenant=tenant, kind="payment", plugin_id="xbezahldienste", options=options, enabled=True, actor=None
    )
    login_citizen(tclient, citizen)
    bookings = []
    for purpose in ("A-2026-000001 Anwohnerparkausweis", "A-2026-000002 HUND ANMELDEN", "A-2026-000003 Sperrmüll"):
        payment = make_payment(purpose=purpose, lines=[{"label": "Gebühr", "amount": "30.50"}])
        _to_pay_page(tclient, payment)
        payment.refresh_from_db()
        item = bezahldienst.transaction(payment.provider_reference)["paymentRequest"]["items"][0]
        bookings.append((item["bookingData"]["haushaltsstelle"], item["bookingData"]["objektnummer"]))
    # the longest matching service name wins; without Objektnummer in the rule the default applies
    assert bookings == [("1.1220.200", "12200010"), ("6.1100.000", "12200000"), ("1.1220.100", "12200000")]


@pytest.mark.parametrize("rules", ["Hund anmelden", "= 1.2", "Hund = ", "Hund = " + "1" * 51])
def test_malformed_booking_rules_are_refused(rules: str) -> None:
    with pytest.raises(InvalidPluginOptions) as caught:
        _validate(buchungen_je_leistung=rules)
    assert [e["field"] for e in caught.value.errors] == ["buchungen_je_leistung"]


def test_the_administration_sets_it_up_on_the_anbindungen_page(
    tclient: Client, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rathaus.identity.models import StaffRole
    from rathaus.identity.tests.factories import StaffFactory, login_staff
    from rathaus.tenants.models import PluginConfig

    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.TENANT_ADMIN]))
    page = "/intern/anbindungen/bearbeiten/?art=payment&anbindung=xbezahldienste"
    form = tclient.get(page).content.decode()
    for label in ("Originator-ID", "Endpoint-ID", "Buchungen je Leistung", "Vorsatz für Kassenzeichen"):
        assert label in form
    refused = tclient.post(page, {**OPTIONS, "base_url": "http://epay.example.de/", "enabled": "on"})
    assert refused.status_code == 422 and "HTTPS-Adresse" in refused.content.decode()
    assert not PluginConfig.objects.for_tenant(tenant).exists()
    monkeypatch.setenv(OPTIONS["password_env"], "test-only")
    saved = tclient.post(page, {**OPTIONS, "buchungen_je_leistung": "Hund anmelden = 6.1100.000", "enabled": "on"})
    assert saved.status_code == 302
    config = PluginConfig.objects.for_tenant(tenant).get()
    assert (config.plugin_id, config.enabled, config.options["buchungen_je_leistung"]) == (
        "xbezahldienste",
        True,
        "Hund anmelden = 6.1100.000",
    )
