"""Spreadsheet import and export of the process catalog: all rows or none, errors per row and column,
round trips through XLSX and CSV, hostile cells and files."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from rathaus.core.csv_cells import write_csv
from rathaus.core.errors import ImportRejected
from rathaus.identity.tests.factories import login_staff
from rathaus.steering import selectors, services, sheets
from rathaus.steering.fields import FIELDS, parse_row
from rathaus.steering.models import Process, ProcessVersion

from .factories import make_process, row

pytestmark = pytest.mark.django_db
TITLES = [spec.title for spec in FIELDS]


def csv_of(*rows: dict[str, Any], header: list[str] | None = None) -> bytes:
    keys = [spec.key for spec in FIELDS]
    return write_csv(header or TITLES, [[r.get(k, "") for k in keys] for r in rows], bom=True).encode()


def xlsx_of(*rows: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(TITLES)
    for r in rows:
        sheet.append([r.get(spec.key, "") for spec in FIELDS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_bytes(town: dict[str, Any], data: bytes, user: str = "digi") -> services.ImportResult:
    return services.import_processes(
        tenant=town["tenant"], actor=town[user], rows=sheets.read_rows(data),
        allowed_units=selectors.unit_keys_for(town[user], town["tenant"]),
    )  # fmt: skip


def test_xlsx_import_creates_processes_and_a_second_import_changes_only_what_changed(town: dict[str, Any]) -> None:
    first = xlsx_of(row(), row(key="FB50-001", org_unit="FB50", name="Wohngeld", services="99107001000000"))
    assert import_bytes(town, first) == services.ImportResult(created=2, updated=0, unchanged=0)
    wohngeld = Process.objects.for_tenant(town["tenant"]).get(key="FB50-001")
    assert [s.leika_key for s in wohngeld.services.all()] == ["99107001000000"]
    again = xlsx_of(row(cases_per_year=13000), row(key="FB50-001", org_unit="FB50", name="Wohngeld",
                                                     services="99107001000000"))  # fmt: skip
    assert import_bytes(town, again) == services.ImportResult(created=0, updated=1, unchanged=1)
    anmeldung = Process.objects.for_tenant(town["tenant"]).get(key="FB33-001")
    latest = anmeldung.versions.get(number=2)
    assert latest.source == "import" and latest.changes == {"cases_per_year": [12000, 13000]}
    assert latest.changed_by == town["digi"]


def test_a_column_left_out_keeps_its_value(town: dict[str, Any]) -> None:
    make_process(town["tenant"])
    only = ["Prozessnummer", "Bezeichnung", "Organisationseinheit", "Art des Prozesses", "Fälle pro Jahr"]
    data = write_csv(only, [["FB33-001", "Wohnsitz anmelden", "FB33", "Service", "99"]]).encode()
    import_bytes(town, data)
    process = Process.objects.for_tenant(town["tenant"]).get(key="FB33-001")
    assert process.cases_per_year == 99 and process.it_system == "VOIS|MESO" and process.deficits


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(town: dict[str, Any]) -> None:
    make_process(town["tenant"], key="FB33-000")
    data = csv_of(
        row(),  # row 2: fine
        row(key="FB33-002", cases_per_year="-3", digital_duty_due="31-12-2026"),  # row 3
        row(key="FB33-003", org_unit="FB99", budget_need_teur="180000"),  # row 4: unknown unit, euros
        row(key="FB33-001"),  # row 5: the number of row 2 again
        row(key="FB33-005", automation_potential="sehr hoch", personal_data="vielleicht", services="12345"),
        row(key="", name=""),  # row 7: required cells empty
    )
    with pytest.raises(ImportRejected) as caught:
        import_bytes(town, data)
    found = {(e["row"], e["column"]) for e in caught.value.errors}
    assert found == {
        (3, "Fälle pro Jahr"), (3, "Digital anzubieten bis"),
        (4, "Organisationseinheit"), (4, "Budgetbedarf der Digitalisierung (T€)"),
        (5, "Prozessnummer"),
        (6, "Automatisierungsmöglichkeit"), (6, "Personenbezogene Daten"), (6, "Leistungen (LeiKa-Schlüssel)"),
        (7, "Prozessnummer"), (7, "Bezeichnung"),
    }  # fmt: skip
    messages = {(e["row"], e["column"]): e["message"] for e in caught.value.errors}
    assert messages[(3, "Fälle pro Jahr")] == "Darf nicht negativ sein."
    assert messages[(3, "Digital anzubieten bis")] == "Datum bitte als TT.MM.JJJJ angeben (z. B. 31.12.2026)."
    assert "T€ (Tausend Euro)" in messages[(4, "Budgetbedarf der Digitalisierung (T€)")]
    assert messages[(5, "Prozessnummer")] == "Die Prozessnummer steht schon in Zeile 2."
    assert "nichts importiert" in str(caught.value)
    assert list(Process.objects.for_tenant(town["tenant"]).values_list("key", flat=True)) == ["FB33-000"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "keine Prozesse"),
        (b"PK\x03\x04kaputt", "keine lesbare Excel-Datei"),
        (b"Prozessnummer;Bezeichnung;Lieblingsfarbe\r\n", "Unbekannte Spalte(n): »Lieblingsfarbe«"),
        (b"Prozessnummer;Bezeichnung\r\nX;Y\r\n", "Es fehlen Pflichtspalten"),
        (b"Prozessnummer;Prozessnummer\r\n", "kommt doppelt vor"),
        (b"\xff\xfe\x00\x81\x8d", "weder UTF-8 noch Windows-1252"),
    ],
)
def test_a_file_that_is_no_process_table_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        sheets.read_rows(data)
    assert message in str(caught.value)


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hallo.txt", "kein Arbeitsblatt")
    with pytest.raises(ImportRejected, match="keine lesbare Excel-Datei"):
        sheets.read_rows(out.getvalue())


def test_a_workbook_that_unpacks_to_too_much_is_refused_unread() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"0" * (sheets.MAX_UNPACKED + 1))
    assert len(out.getvalue()) < 1024 * 1024  # small on the wire
    with pytest.raises(ImportRejected, match="entpackt größer als 50 MB"):
        sheets.read_rows(out.getvalue())


def test_unit_lead_imports_only_rows_of_own_units(town: dict[str, Any]) -> None:
    make_process(town["tenant"], key="FB50-001", org_unit="FB50")
    data = csv_of(row(key="FB33-1-001", org_unit="FB33-1"), row(key="FB50-001", org_unit="FB33"))
    with pytest.raises(ImportRejected) as caught:
        import_bytes(town, data, user="lead")
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [(3, "key")]  # would take FB50's process
    assert not Process.objects.for_tenant(town["tenant"]).filter(key="FB33-1-001").exists()


def test_formula_cells_round_trip_as_text_through_xlsx_and_csv(town: dict[str, Any]) -> None:
    make_process(town["tenant"], name='=HYPERLINK("http://böse.example","klick")', it_system="+49 211 1234")
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, town["digi"])
    xlsx = client.get("/intern/steuerung/export.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == sheets.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    name_cell = sheet.cell(row=2, column=TITLES.index("Bezeichnung") + 1)
    assert name_cell.data_type == "s" and str(name_cell.value).startswith("'=")  # shown as text, never run
    csv_text = client.get("/intern/steuerung/export.csv").content.decode("utf-8-sig")
    assert ";'=HYPERLINK" in csv_text.replace('"', "")
    versions = ProcessVersion.objects.for_tenant(town["tenant"]).count()
    for data in (xlsx.content, csv_text.encode()):
        upload = SimpleUploadedFile("katalog", data)
        response = client.post("/intern/steuerung/import/", {"datei": upload})
        assert response.status_code == 302, response.content.decode()[-3000:]
    process = Process.objects.for_tenant(town["tenant"]).get()
    assert process.name == '=HYPERLINK("http://böse.example","klick")' and process.it_system == "+49 211 1234"
    assert ProcessVersion.objects.for_tenant(town["tenant"]).count() == versions  # the round trip changed nothing


def test_the_import_page_shows_each_error_with_row_and_column(town: dict[str, Any]) -> None:
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, town["digi"])
    upload = SimpleUploadedFile("katalog.csv", csv_of(row(cases_per_year="viele")))
    response = client.post("/intern/steuerung/import/", {"datei": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert "1 fehlerhafte Zeile(n); es wurde nichts importiert." in page
    assert '<td class="kern-table__cell">2</td><td class="kern-table__cell">Fälle pro Jahr</td>' in page
    assert "Muss eine ganze Zahl sein." in page


cell = st.one_of(st.text(max_size=60), st.integers(-10**6, 10**12), st.floats(allow_nan=True), st.none(),
                 st.booleans(), st.dates())  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([spec.key for spec in FIELDS]), cell))
def test_any_cells_give_values_or_errors_never_an_exception(raw: dict[str, Any]) -> None:
    values, errors = parse_row(raw, units={"FB33": 1}, services={"99115005104000": 1})
    assert all(set(e) == {"field", "column", "message"} and e["message"] for e in errors)
    assert not ({e["field"] for e in errors} & set(values))  # a field is either valid or an error


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=st.text(max_size=300), name=st.text(min_size=1, max_size=200))
def test_text_cells_are_stored_cleaned_or_refused_on_both_databases(
    town: dict[str, Any], description: str, name: str
) -> None:
    raw = row(key="FB33-HYP", description=description, name=name)
    units = {"FB33": town["fb33"].pk}
    try:
        process = services.save_process(tenant=town["tenant"], actor=None, raw=raw, allowed_units=units)
    except services.ValidationFailed as exc:
        assert exc.errors and all(e["field"] in ("description", "name") for e in exc.errors), exc.errors
        assert (
            ("\x00" in description + name)
            or any(0xD800 <= ord(c) <= 0xDFFF for c in description + name)
            or (not name.strip() or len(name.strip()) > 200)
            or "name" in {e["field"] for e in exc.errors}
        )
        return
    stored = Process.objects.for_tenant(town["tenant"]).get(pk=process.pk)
    assert "\x00" not in stored.description and stored.name.strip() == stored.name
    Process.objects.for_tenant(town["tenant"]).filter(pk=process.pk).delete()
