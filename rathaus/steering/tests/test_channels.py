"""Cases on other channels (issue 10): entered in a form or imported (CSV/XLSX), every row validated, errors
per row and column, nothing half-imported; unit leads enter only their units' services and processes; no
municipality sees or writes another's numbers."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import login_staff
from rathaus.steering import channels
from rathaus.steering.models import ChannelCount
from rathaus.tenants.tests.factories import OrgUnitFactory

from .factories import make_process, staff_with

pytestmark = pytest.mark.django_db

A = "99115005104000"  # Wohnsitz anmelden, FB33
W = "99107001000000"  # Wohngeld, FB50
URL = "/intern/steuerung/kanaele/"
HEADER = "Leistung (LeiKa-Schlüssel);Prozessnummer;Monat;Papier;Persönlich;E-Mail;Telefon"


def client_of(user: Any, host: str = "alpha") -> Client:
    client = Client(HTTP_HOST=f"{host}.testserver")
    login_staff(client, user)
    return client


def upload(client: Client, text: str, name: str = "k.csv") -> Any:
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return client.post(URL + "import/", {"datei": data})


def counts(tenant: Any) -> list[tuple[str, str, dt.date, int, int, int, int]]:
    return sorted(
        (r.service, r.process.key if r.process else "", r.month, r.paper, r.in_person, r.email, r.phone)
        for r in ChannelCount.objects.for_tenant(tenant).select_related("process")
    )


def test_form_entry_and_replacement_of_a_month(town: dict[str, Any]) -> None:
    client = client_of(town["digi"])
    form = {"service": A, "month": "03.2026", "paper": "120", "in_person": "45", "email": "", "phone": "1.200"}
    response = client.post(URL, form)
    assert response.status_code == 302
    assert counts(town["tenant"]) == [(A, "", dt.date(2026, 3, 1), 120, 45, 0, 1200)]
    client.post(URL, {**form, "paper": "7"})  # the same month again: replaced, not added
    assert counts(town["tenant"]) == [(A, "", dt.date(2026, 3, 1), 7, 45, 0, 1200)]
    page = client.get(URL, {"jahr": "2026"}).content.decode()
    assert "03.2026" in page and "1252" in page and '<td class="kern-table__cell">Wohnsitz anmelden</td>' in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"service": A, "month": "03.2026", "paper": "-3"}, "paper", "nicht negativ"),
        ({"service": A, "month": "2026/03", "paper": "3"}, "month", "MM.JJJJ"),
        ({"service": A, "month": "13.2026"}, "month", "MM.JJJJ"),
        ({"service": "12345", "month": "03.2026"}, "service", "unbekannt"),
        ({"month": "03.2026"}, "service", "Leistung (LeiKa-Schlüssel) oder eine Prozessnummer"),
        ({"service": A, "process": "FB33-001", "month": "03.2026"}, "service", "nicht beides"),
        ({"service": A, "month": "03.2026", "email": "viele"}, "email", "ganze Zahl"),
        ({"service": A, "month": "03.2026", "phone": "2,5"}, "phone", "ganze Zahl"),
    ],
)
def test_form_refuses_bad_input(town: dict[str, Any], form: dict[str, str], field: str, message: str) -> None:
    response = client_of(town["digi"]).post(URL, form)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert f'id="e-{field}"' in response.content.decode()
    assert not ChannelCount.all_tenants.exists()


def test_import_writes_every_row(town: dict[str, Any]) -> None:
    make_process(town["tenant"], key="FB33-001", services=A)
    text = f"{HEADER}\n{A};;01.2026;10;2;3;4\n;FB33-001;2026-02;5;0;0;1\n{W};;15.02.2026;;;;9\n\n"
    response = upload(client_of(town["digi"]), text)
    assert response.status_code == 302
    assert counts(town["tenant"]) == [
        ("", "FB33-001", dt.date(2026, 2, 1), 5, 0, 0, 1),
        (W, "", dt.date(2026, 2, 1), 0, 0, 0, 9),
        (A, "", dt.date(2026, 1, 1), 10, 2, 3, 4),
    ]
    # The service's figure includes the processes linked to it.
    by_month = channels.other_channels_by_month(town["tenant"], year=2026, service=A)
    assert by_month == {
        dt.date(2026, 1, 1): {"paper": 10, "in_person": 2, "email": 3, "phone": 4},
        dt.date(2026, 2, 1): {"paper": 5, "in_person": 0, "email": 0, "phone": 1},
    }


def test_import_xlsx(town: dict[str, Any]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Leistung", "Monat", "Papier", "Telefon"])
    sheet.append([A, dt.datetime(2026, 4, 1), 12, 3.0])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "k.xlsx"
    response = client_of(town["admin"]).post(URL + "import/", {"datei": out})
    assert response.status_code == 302
    assert counts(town["tenant"]) == [(A, "", dt.date(2026, 4, 1), 12, 0, 0, 3)]


def test_import_with_one_bad_row_imports_nothing_and_names_rows_and_columns(town: dict[str, Any]) -> None:
    text = (
        f"{HEADER}\n{A};;01.2026;10;2;3;4\n{A};;Januar;1;1;1;1\n{W};;02.2026;-4;0;0;x\n"
        f"{A};;01.2026;1;1;1;1\n;NICHT-DA;01.2026;1;1;1;1\n"
    )
    response = upload(client_of(town["digi"]), text)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nichts importiert: 5 Fehler in 4 Zeile(n)." in page
    for row, column in ((3, "Monat"), (4, "Papier"), (4, "Telefon"), (5, "Monat"), (6, "Prozessnummer")):
        assert f'<td class="kern-table__cell">{row}</td><td class="kern-table__cell">{column}</td>' in page
    assert "Dieser Monat steht schon in Zeile 2." in page
    assert not ChannelCount.all_tenants.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Leistung;Monat;Kanal\n1;2;3\n", "Unbekannte Spalte(n): »Kanal«"),
        ("Papier;Telefon\n1;2\n", "Es fehlen Pflichtspalten"),
        (f"{HEADER}\n", "nur eine Kopfzeile"),
        ("", "keine Kopfzeile"),
        ("Monat;Monat;Leistung\n", "kommt doppelt vor"),
    ],
)
def test_import_refuses_files_that_are_no_table(town: dict[str, Any], text: str, message: str) -> None:
    response = upload(client_of(town["digi"]), text)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_import_of_a_broken_xlsx(town: dict[str, Any]) -> None:
    data = io.BytesIO(b"PK\x03\x04 nonsense")
    data.name = "k.xlsx"
    response = client_of(town["digi"]).post(URL + "import/", {"datei": data})
    assert response.status_code == 422 and "keine lesbare Excel-Datei" in response.content.decode()


def test_unit_lead_enters_only_own_units(town: dict[str, Any]) -> None:
    make_process(town["tenant"], key="FB50-001", org_unit="FB50")
    make_process(town["tenant"], key="FB33-001")
    lead = client_of(town["lead"])
    assert lead.post(URL, {"service": A, "month": "01.2026", "paper": "1"}).status_code == 302
    assert lead.post(URL, {"process": "FB33-001", "month": "01.2026", "paper": "1"}).status_code == 302
    refused = lead.post(URL, {"service": W, "month": "01.2026", "paper": "1"})
    assert refused.status_code == 422 and "nicht zugeordnet" in refused.content.decode()
    assert lead.post(URL, {"process": "FB50-001", "month": "01.2026", "paper": "1"}).status_code == 422
    response = upload(lead, f"{HEADER}\n{A};;02.2026;1;0;0;0\n{W};;02.2026;1;0;0;0\n")
    assert response.status_code == 422
    assert len(counts(town["tenant"])) == 2
    # What the digitalisation unit entered for FB50 is not listed for the lead.
    client_of(town["digi"]).post(URL, {"service": W, "month": "01.2026", "paper": "777"})
    assert "777" not in lead.get(URL, {"jahr": "2026"}).content.decode()
    assert "777" in client_of(town["digi"]).get(URL, {"jahr": "2026"}).content.decode()


def test_caseworkers_and_citizens_may_not(town: dict[str, Any]) -> None:
    clerk = client_of(town["clerk"])
    assert clerk.get(URL).status_code == 403
    assert clerk.post(URL, {"service": A, "month": "01.2026", "paper": "1"}).status_code == 403
    assert upload(clerk, f"{HEADER}\n{A};;02.2026;1;0;0;0\n").status_code == 403
    assert clerk.get(URL + "vorlage.csv").status_code == 403
    anonymous = Client(HTTP_HOST="alpha.testserver")
    assert anonymous.post(URL, {"service": A, "month": "01.2026"}).status_code == 302
    assert not ChannelCount.all_tenants.exists()


def test_template_download(town: dict[str, Any]) -> None:
    response = client_of(town["digi"]).get(URL + "vorlage.csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").split("\r\n")[0] == HEADER


def test_tenant_isolation(town: dict[str, Any], other_tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=other_tenant, key="FB10", name="Zentrale")
    ServiceFactory(tenant=other_tenant, org_unit=unit, leika_key="99000000000001", slug="beta-only", name="Beta")
    beta_digi = staff_with(other_tenant, "digitalisation", unit, email="digi@beta.example")
    # Alpha's staff cannot name Beta's service; Beta's staff cannot name Alpha's.
    assert client_of(town["digi"]).post(URL, {"service": "99000000000001", "month": "01.2026"}).status_code == 422
    beta = client_of(beta_digi, "beta")
    assert beta.post(URL, {"service": A, "month": "01.2026", "paper": "5"}).status_code == 422
    assert beta.post(URL, {"service": "99000000000001", "month": "01.2026", "paper": "5"}).status_code == 302
    client_of(town["digi"]).post(URL, {"service": A, "month": "01.2026", "paper": "31337"})
    assert "31337" not in beta.get(URL, {"jahr": "2026"}).content.decode()
    assert counts(other_tenant) == [("99000000000001", "", dt.date(2026, 1, 1), 5, 0, 0, 0)]
    assert channels.other_channels_by_month(other_tenant, year=2026) == {
        dt.date(2026, 1, 1): {"paper": 5, "in_person": 0, "email": 0, "phone": 0}
    }
    # Alpha's staff are not staff of Beta at all.
    assert client_of(town["digi"], "beta").get(URL).status_code in (302, 403)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.dictionaries(
        st.sampled_from(["service", "process", "month", "paper", "in_person", "email", "phone"]),
        st.one_of(st.text(max_size=30), st.integers(-(10**9), 10**9), st.floats(allow_nan=True), st.none()),
    )
)
def test_any_cell_gives_values_or_errors_never_a_crash(town: dict[str, Any], raw: dict[str, Any]) -> None:
    allowed = channels.Allowed(services={A: "Wohnsitz anmelden"}, processes={})
    values, errors = channels.parse_row(raw, allowed)
    assert all({"field", "column", "message"} <= set(e) for e in errors)
    if not errors:
        assert values["service"] == A and all(0 <= values[c] <= channels.MAX_COUNT for c in channels.CHANNELS)


def test_demo_counts_are_the_last_complete_months_and_idempotent(town: dict[str, Any]) -> None:
    tenant = town["tenant"]
    assert channels.load_demo(tenant, months=3, today=dt.date(2026, 1, 15)) == 6  # two services, three months
    first = counts(tenant)
    assert sorted({row[2] for row in first}) == [dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)]
    channels.load_demo(tenant, months=3, today=dt.date(2026, 1, 15))
    assert counts(tenant) == first
