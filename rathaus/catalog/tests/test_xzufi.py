"""XZuFi import: texts from the Redaktion, local settings kept, broken or hostile XML refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from rathaus.catalog import xzufi
from rathaus.catalog.models import Service
from rathaus.catalog.services import import_catalog
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.catalog.uploads import read_upload
from rathaus.core.errors import ImportRejected
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.tenants.tests.factories import OrgUnitFactory

SAMPLE = Path(__file__).parent / "data" / "xzufi-2.2-beispiel.xml"


def test_parse_reads_key_texts_fees_duration_and_terms() -> None:
    first, second = xzufi.parse(SAMPLE.read_bytes())
    assert first["leika_key"] == "99008001012000"
    assert first["texts"]["leistungsname"] == "Personalausweis beantragen"  # German, not the English variant
    assert first["fees"] == [
        {"label": "ab 24 Jahren", "amount_min": "37.00", "amount_max": "37.00", "legal_basis": ""},
        {"label": "unter 24 Jahren", "amount_min": "22.80", "amount_max": "22.80", "legal_basis": ""},
    ]
    assert first["processing_days"] == 21 and first["keywords"] == ["Perso", "Ausweisdokument"]
    assert second["fees"][0]["amount_min"] == "20" and second["fees"][0]["amount_max"] == "40"


def test_new_services_are_created_in_the_chosen_unit(tenant: Any) -> None:
    OrgUnitFactory(tenant=tenant, key="FB32")
    document, labels = read_upload(tenant, SAMPLE.read_bytes(), org_unit="FB32")
    result = import_catalog(tenant=tenant, document=document, row_labels=labels)
    assert (result.created, result.updated) == (2, 0)
    perso = Service.objects.for_tenant(tenant).get(leika_key="99008001012000")
    assert perso.name == "Personalausweis beantragen" and perso.slug == "personalausweis-beantragen"
    assert perso.short_description == "Ab 16 Jahren brauchen Sie einen Ausweis."
    assert perso.description.startswith("Wenn Sie 16 Jahre alt sind, müssen Sie einen Ausweis haben.\nSie beantragen")
    assert perso.required_documents == ["ein biometrisches Passfoto", "der bisherige Ausweis"]
    assert perso.legal_basis == "§ 9 Personalausweisgesetz (PAuswG)"
    assert [f.amount_min for f in perso.fees.all()] == [Decimal("37.00"), Decimal("22.80")]
    assert perso.org_unit.key == "FB32" and perso.processing_days == 21


def test_existing_service_keeps_its_local_settings(tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB33")
    ServiceFactory(
        tenant=tenant, leika_key="99008001012000", slug="perso", name="Alt", org_unit=unit,
        trust_level="substantial", channels=["appointment"], ozg_maturity=4, is_top=True,
    )  # fmt: skip
    OrgUnitFactory(tenant=tenant, key="FB32")
    document, labels = read_upload(tenant, SAMPLE.read_bytes(), org_unit="FB32")
    import_catalog(tenant=tenant, document=document, row_labels=labels)
    perso = Service.objects.for_tenant(tenant).get(leika_key="99008001012000")
    assert perso.name == "Personalausweis beantragen"  # the text came from XZuFi …
    assert (perso.slug, perso.org_unit.key, perso.trust_level) == ("perso", "FB33", "substantial")  # … the rest is ours
    assert perso.channels == ["appointment"] and perso.ozg_maturity == 4 and perso.is_top


def test_without_unit_new_services_are_reported_and_nothing_is_written(tenant: Any) -> None:
    document, labels = read_upload(tenant, SAMPLE.read_bytes())
    with pytest.raises(ImportRejected) as caught:
        import_catalog(tenant=tenant, document=document, row_labels=labels)
    assert {e["row"] for e in caught.value.errors} == {
        "Leistung 1 (99008001012000)",
        "Leistung 2 (99050012104000)",
    }
    assert not Service.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<leistungen><leistung/></leistungen>", "kein XZuFi-Dokument"),
        (b"<xzufi:x xmlns:xzufi='http://xoev.de/schemata/xzufi/2_2_0'>", "Kein gültiges XML"),
        (b"<xzufi:x xmlns:xzufi='http://xoev.de/schemata/xzufi/2_2_0'/>", "keine Leistung"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<xzufi:x xmlns:xzufi='http://xoev.de/schemata/xzufi/2_2_0'>&a;</xzufi:x>",
            "nicht erlaubte Konstrukte",
        ),
    ],
)
def test_broken_or_hostile_xml_is_refused(tenant: Any, content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_upload(tenant, content)
    assert message in str(caught.value.detail)


def test_invalid_leika_key_in_xzufi_is_a_row_error(tenant: Any) -> None:
    OrgUnitFactory(tenant=tenant, key="FB32")
    broken = SAMPLE.read_bytes().replace(b"<code>99050012104000</code>", b"<code>9905001</code>")
    document, labels = read_upload(tenant, broken, org_unit="FB32")
    with pytest.raises(ImportRejected) as caught:
        import_catalog(tenant=tenant, document=document, row_labels=labels)
    assert [e["row"] for e in caught.value.errors] == ["Leistung 2 (9905001)"]
    assert not Service.objects.for_tenant(tenant).exists()


def test_command_imports_xzufi_with_org_unit(tenant: Any) -> None:
    OrgUnitFactory(tenant=tenant, key="FB32")
    with pytest.raises(CommandError):
        call_command("catalog_import", tenant.slug, str(SAMPLE))
    call_command("catalog_import", tenant.slug, str(SAMPLE), "--org-unit", "FB32")
    assert Service.objects.for_tenant(tenant).count() == 2


def test_staff_upload_of_xzufi_offers_only_own_units(tclient: Client, tenant: Any, other_tenant: Any) -> None:
    OrgUnitFactory(tenant=tenant, key="FB32", name="Bürgerbüro")
    OrgUnitFactory(tenant=other_tenant, key="FB99", name="Fremdes Amt")
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    page = tclient.get("/intern/leistungen/").content.decode()
    assert "FB32 Bürgerbüro" in page and "Fremdes Amt" not in page
    foreign = tclient.post(
        "/intern/leistungen/", {"file": SimpleUploadedFile("x.xml", SAMPLE.read_bytes()), "org_unit": "FB99"}
    )
    assert foreign.status_code == 422 and not Service.objects.for_tenant(tenant).exists()
    response = tclient.post(
        "/intern/leistungen/", {"file": SimpleUploadedFile("x.xml", SAMPLE.read_bytes()), "org_unit": "FB32"}
    )
    assert response.status_code == 302
    assert Service.objects.for_tenant(tenant).count() == 2
