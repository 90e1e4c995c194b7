"""The payments API: a payer reads their own payment; the Stadtkasse lists; problem details on errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.urls import include, path
from ninja import NinjaAPI

from rathaus.api import api as main_api
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.payments.api import router

# Until the router is mounted in rathaus/api.py, mount it on a test API with the same error handlers.
_test_api = NinjaAPI(urls_namespace="payments-test-api", docs_url=None)
_test_api._exception_handlers = dict(main_api._exception_handlers)
_test_api.add_router("/payments/", router, url_name_prefix="test")

urlpatterns = [
    path("api/test/", _test_api.urls),
    path("", include("rathaus.urls")),
]
BASE = "/api/test/payments"


@pytest.fixture(autouse=True)
def _urls() -> Any:
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_payer_reads_own_payment(tclient: Any, citizen: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_citizen(tclient, citizen)
    response = tclient.get(f"{BASE}/{payment.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "open" and body["status_label"] == "offen"
    assert Decimal(body["amount"]) == Decimal("30.50")
    assert [line["label"] for line in body["lines"]] == ["Verwaltungsgebühr", "Ausweis"]
    assert "provider_reference" not in body


def test_other_citizen_and_bad_ids_get_404_problem(tclient: Any, tenant: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_citizen(tclient, CitizenFactory(tenant=tenant, email="bert@alpha.example"))
    for key in (str(payment.uuid), "kein-uuid", "00000000-0000-0000-0000-000000000000"):
        response = tclient.get(f"{BASE}/{key}")
        assert response.status_code == 404, key
        assert response["Content-Type"] == "application/problem+json"
        assert "kein-uuid" not in response.content.decode()


def test_anonymous_gets_401(tclient: Any, make_payment: Any) -> None:
    assert tclient.get(f"{BASE}/{make_payment().uuid}").status_code == 401


def test_treasury_list_only_own_municipality(tclient: Any, tenant: Any, other_tenant: Any, make_payment: Any) -> None:
    from rathaus.payments import services

    make_payment(reference="A-1")
    services.start_payment(
        tenant=other_tenant, reference="B-1", purpose="x", amount=Decimal("1.00"), lines=[], payer=None,
        return_url="/",
    )  # fmt: skip
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY]))
    body = tclient.get(f"{BASE}/?status=open").json()
    assert body["count"] == 1
    assert [item["reference"] for item in body["items"]] == ["A-1"]
    assert {t["status"]: t["count"] for t in body["totals"]}["open"] == 1


def test_treasury_list_refuses_other_roles(tclient: Any, tenant: Any, citizen: Any) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.CASEWORKER]))
    response = tclient.get(f"{BASE}/")
    assert response.status_code == 403
    assert response.json()["title"] == "Keine Berechtigung"
    tclient.logout()
    login_citizen(tclient, citizen)
    assert tclient.get(f"{BASE}/").status_code == 401
