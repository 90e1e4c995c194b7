"""The Stadtkasse pages: who may see them, filters and sums, CSV, status query, manual correction."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from rathaus.core.testing import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.identity.models import StaffRole
from rathaus.payments import services
from rathaus.payments.models import Payment, PaymentEvent


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY], first_name="Kai", last_name="Kasse")


@pytest.fixture
def treasury(tclient: Any, clerk: Any) -> Any:
    login_staff(tclient, clerk)
    return tclient


def test_anonymous_is_sent_to_staff_login(tclient: Any) -> None:
    response = tclient.get("/intern/kasse/")
    assert response.status_code == 302 and "/intern/anmelden/" in response["Location"]


def test_caseworker_gets_403(tclient: Any, tenant: Any) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.CASEWORKER]))
    for path in ("/intern/kasse/", "/intern/kasse/export.csv"):
        assert tclient.get(path).status_code == 403, path


def test_citizen_is_not_let_in(tclient: Any, citizen: Any) -> None:
    login_citizen(tclient, citizen)
    assert tclient.get("/intern/kasse/").status_code == 302


def test_tenant_admin_may_reconcile(tclient: Any, tenant: Any) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.TENANT_ADMIN]))
    assert tclient.get("/intern/kasse/").status_code == 200


def test_list_shows_only_own_municipality_with_sums(
    treasury: Any, make_payment: Any, other_tenant: Any, clerk: Any
) -> None:
    paid = make_payment(reference="A-2026-000001")
    services.mark_by_treasury(payment=paid, status="paid", actor=clerk, note="Überweisung")
    make_payment(reference="A-2026-000002", amount=Decimal("12.00"), lines=[])
    foreign_payer = CitizenFactory(tenant=other_tenant)
    services.start_payment(
        tenant=other_tenant, reference="B-2026-999999", purpose="Fremde Gebühr", amount=Decimal("99.00"), lines=[],
        payer=foreign_payer, return_url="/",
    )  # fmt: skip

    response = treasury.get("/intern/kasse/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "A-2026-000001" in body and "A-2026-000002" in body
    assert "B-2026-999999" not in body and "Fremde Gebühr" not in body
    totals = {t.status: (t.count, t.amount) for t in response.context["totals"]}
    assert totals["paid"] == (1, Decimal("30.50"))
    assert totals["open"] == (1, Decimal("12.00"))

    filtered = treasury.get("/intern/kasse/?status=paid")
    assert [p.reference for p in filtered.context["page"].object_list] == ["A-2026-000001"]


def test_bad_filter_is_explained(treasury: Any) -> None:
    response = treasury.get("/intern/kasse/?date_from=2026-03-02&date_to=2026-03-01")
    assert response.status_code == 422
    assert "Das Ende liegt vor dem Anfang." in response.content.decode()


def test_other_municipality_payment_detail_is_404(treasury: Any, other_tenant: Any) -> None:
    foreign = services.start_payment(
        tenant=other_tenant, reference="B-1", purpose="x", amount=Decimal("1.00"), lines=[], payer=None,
        return_url="/",
    )  # fmt: skip
    assert treasury.get(f"/intern/kasse/{foreign.uuid}/").status_code == 404
    assert treasury.post(f"/intern/kasse/{foreign.uuid}/abfragen/").status_code == 404
    assert treasury.post(f"/intern/kasse/{foreign.uuid}/korrektur/", {"status": "paid", "note": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Payment.Status.OPEN


def test_csv_export_is_excel_friendly(treasury: Any, make_payment: Any) -> None:
    make_payment(reference="A-2026-000007", purpose='=HYPERLINK("x")', amount=Decimal("1234.50"), lines=[])
    response = treasury.get("/intern/kasse/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Vorgangsnummer", "Verwendungszweck", "Betrag", "Währung", "Status"]
    assert rows[1][0] == "A-2026-000007"
    assert rows[1][1].startswith("'=")  # no formula in Excel
    assert rows[1][2] == "1234,50"
    assert rows[1][4] == "offen"


def test_status_query_button_asks_the_provider(treasury: Any, make_payment: Any, tenant: Any) -> None:
    payment = make_payment()
    services.record_demo_outcome(payment=payment, outcome="paid")
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(provider_reference="TEST-1", status="pending")
    response = treasury.post(f"/intern/kasse/{payment.uuid}/abfragen/", {"next": "/intern/kasse/?status=pending"})
    assert response.status_code == 302 and response["Location"] == "/intern/kasse/?status=pending"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert PaymentEvent.objects.for_tenant(tenant).filter(payment=payment, source="status_check").count() == 1


def test_status_query_does_not_follow_foreign_next(treasury: Any, make_payment: Any) -> None:
    payment = make_payment()
    response = treasury.post(f"/intern/kasse/{payment.uuid}/abfragen/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/intern/kasse/{payment.uuid}/"


def test_manual_correction_requires_a_note_and_is_in_the_history(treasury: Any, make_payment: Any, tenant: Any) -> None:
    payment = make_payment()
    refused = treasury.post(f"/intern/kasse/{payment.uuid}/korrektur/", {"status": "paid", "note": ""})
    assert refused.status_code == 422
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN

    done = treasury.post(
        f"/intern/kasse/{payment.uuid}/korrektur/", {"status": "paid", "note": "Kontoauszug 12/2026, Pos. 3"}
    )
    assert done.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    detail = treasury.get(f"/intern/kasse/{payment.uuid}/").content.decode()
    assert "Kai Kasse: Kontoauszug 12/2026, Pos. 3" in detail


def test_caseworker_cannot_correct(tclient: Any, tenant: Any, make_payment: Any) -> None:
    payment = make_payment()
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.CASEWORKER]))
    response = tclient.post(f"/intern/kasse/{payment.uuid}/korrektur/", {"status": "paid", "note": "x"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
