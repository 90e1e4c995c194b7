"""The Stadtkasse pages: who may see them, filters and sums, CSV, status query, manual correction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.payments import services
from rathaus.payments.csv_export import HEADER, payments_csv
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


def _csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"), newline=""), delimiter=";"))


def test_csv_export_is_excel_friendly(treasury: Any, make_payment: Any) -> None:
    make_payment(reference="A-2026-000007", purpose='=HYPERLINK("x")', amount=Decimal("1234.50"), lines=[])
    rows = _csv_rows(treasury.get("/intern/kasse/export.csv"))
    assert rows[0] == HEADER
    assert rows[1][0] == "A-2026-000007"
    assert rows[1][1] == '\'=HYPERLINK("x")'  # text in Excel, not a formula
    assert rows[1][2] == "1234,50"
    assert rows[1][3:6] == ["EUR", "offen", "Testzahlung – es fließt kein Geld"]


# Every start a spreadsheet runs as a formula (OWASP "CSV injection"), also behind blanks and line breaks,
# and values that already start with the apostrophe of the escape. At most 40 characters (Vorgangsnummer).
FORMULA_STARTS = [
    '=HYPERLINK("https://evil.example";"x")', "+49 211 123456", "-1+1", "@SUMME(A1:A9)",
    "\t=1+1", "\r=1+1", " =1+1", "\n@x", "\u00a0-2", "\t", "\r", "'=1+1", "''+1",
]  # fmt: skip
TEXT_COLUMNS = {"Vorgangsnummer": 0, "Verwendungszweck": 1, "Währung": 3, "Zahlungsanbieter": 5, "Kassenzeichen": 6}
TEXT_FIELDS = [("reference", 0), ("purpose", 1), ("currency", 3), ("provider", 5), ("provider_reference", 6)]


def _runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in ("=", "+", "-", "@")


@pytest.mark.parametrize("value", FORMULA_STARTS)
def test_csv_export_neutralises_formulas_in_every_text_column(
    treasury: Any, make_payment: Any, tenant: Any, value: str
) -> None:
    payment = make_payment()
    # Written past the service on purpose: whatever ends up in a row (a provider's answer, an old
    # import) must not run in the Stadtkasse's spreadsheet.
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(
        reference=value, purpose=value, currency=value[:3], provider=value, provider_reference=value
    )
    rows = _csv_rows(treasury.get("/intern/kasse/export.csv"))
    assert len(rows) == 2
    row = rows[1]
    for column, index in TEXT_COLUMNS.items():
        stored = value[:3] if column == "Währung" else value
        assert not _runs_as_formula(row[index]), (column, row[index])
        assert row[index] == "'" + stored or (row[index] == stored and not _runs_as_formula(stored.lstrip("'"))), (
            column,
            row[index],
        )


def test_csv_keeps_line_breaks_inside_a_cell_and_plain_text_unchanged(
    treasury: Any, make_payment: Any, tenant: Any
) -> None:
    payment = make_payment(purpose="Gebühr")
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(
        purpose="Gebühr\n=1+1\r\n-2", provider_reference='KZ 2026/0815; Teil "B"'
    )
    rows = _csv_rows(treasury.get("/intern/kasse/export.csv"))
    assert len(rows) == 2  # the line breaks stay in their cell
    assert rows[1][1] == "Gebühr\n=1+1\r\n-2"  # the cell starts with text: nothing runs
    assert rows[1][6] == 'KZ 2026/0815; Teil "B"'


_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_nasty = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", " =", "\u3000+", "'", "'=", "''@", "\r\n-"]),
    _text,
)
_cell_values = st.one_of(_text, _nasty)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "reference": _cell_values,
                "purpose": _cell_values,
                "currency": _cell_values.map(lambda v: v[:3]),
                "provider": _cell_values,
                "provider_reference": _cell_values,
                "amount": st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
                "status": st.sampled_from(Payment.Status.values),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_comes_back_from_the_csv_and_never_as_a_formula(records: list[dict[str, Any]]) -> None:
    payments = [Payment(**record) for record in records]
    text = payments_csv(payments)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert rows[0] == HEADER and len(rows) == len(records) + 1
    for record, payment, row in zip(records, payments, rows[1:], strict=True):
        assert row[2] == f"{record['amount']:.2f}".replace(".", ",")
        assert row[4] == payment.get_status_display() and row[9] == str(payment.uuid)
        for field, index in TEXT_FIELDS:
            value, cell = record[field], row[index]
            assert not _runs_as_formula(cell), (field, cell)
            if cell == value:
                event("cell unchanged")
            else:
                event("cell escaped")
                assert cell == "'" + value and _runs_as_formula(value.lstrip("'")), (field, value, cell)


@pytest.fixture
def march(tenant: Any, other_tenant: Any, make_payment: Any, clerk: Any) -> dict[str, Payment]:
    """Payments around midnight of 1/2 March (Berlin time), with two providers, and one of another town."""
    berlin = ZoneInfo("Europe/Berlin")
    made = {
        "late-on-1st": make_payment(reference="M-1"),
        "early-on-2nd": make_payment(reference="M-2"),
        "on-5th-epaybl": make_payment(reference="M-3", provider="epaybl"),
    }
    services.mark_by_treasury(payment=made["late-on-1st"], status="paid", actor=clerk, note="Barzahlung")
    foreign = services.start_payment(
        tenant=other_tenant, reference="M-9", purpose="Fremde Gebühr", amount=Decimal("9.00"), lines=[],
        payer=None, return_url="/",
    )  # fmt: skip
    when = {
        made["late-on-1st"].pk: dt.datetime(2026, 3, 1, 23, 30, tzinfo=berlin),
        made["early-on-2nd"].pk: dt.datetime(2026, 3, 2, 0, 30, tzinfo=berlin),
        made["on-5th-epaybl"].pk: dt.datetime(2026, 3, 5, 12, 0, tzinfo=berlin),
    }
    for pk, created in when.items():
        Payment.objects.for_tenant(tenant).filter(pk=pk).update(created_at=created)
    Payment.objects.for_tenant(other_tenant).filter(pk=foreign.pk).update(
        created_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=berlin)
    )
    return made


@pytest.mark.parametrize(
    ("query", "references"),
    [
        ("", {"M-1", "M-2", "M-3"}),
        ("status=paid", {"M-1"}),
        ("status=open", {"M-2", "M-3"}),
        ("provider=epaybl", {"M-3"}),
        ("provider=demo", {"M-1", "M-2"}),
        ("date_from=2026-03-02", {"M-2", "M-3"}),
        ("date_to=2026-03-01", {"M-1"}),
        ("date_from=2026-03-02&date_to=2026-03-02", {"M-2"}),
        ("date_from=2026-03-02&status=open&provider=demo", {"M-2"}),
        ("date_from=2026-03-06", set()),
    ],
)
def test_csv_export_applies_the_filters_of_the_list_and_only_own_municipality(
    treasury: Any, march: dict[str, Payment], query: str, references: set[str]
) -> None:
    rows = _csv_rows(treasury.get(f"/intern/kasse/export.csv?{query}"))
    assert {row[0] for row in rows[1:]} == references
    assert len(rows) == len(references) + 1  # each payment once
    listed = treasury.get(f"/intern/kasse/?{query}").context["page"].object_list
    assert {p.reference for p in listed} == references  # the export is what the list shows


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2026-03-02&date_to=2026-03-01", "date_to"),
        ("status=bezahlt&date_from=2026-03-02", "status"),
        ("date_from=2.3.&status=paid", "date_from"),
        ("provider=paypal", "provider"),
    ],
)
def test_csv_export_with_a_broken_filter_exports_nothing(
    treasury: Any, march: dict[str, Payment], query: str, field: str
) -> None:
    response = treasury.get(f"/intern/kasse/export.csv?{query}")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html") and "Content-Disposition" not in response
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert str(errors[field][0]) in response.content.decode()


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
