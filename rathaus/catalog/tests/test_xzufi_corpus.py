"""XZuFi corpus: what real exports carry (all text modules, deadlines, cost texts without an amount, several
LeiKa keys, Spezialisierungen, Organisationseinheiten) reaches the catalog or is reported as left out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rathaus.catalog import xzufi
from rathaus.catalog.models import Service
from rathaus.catalog.services import import_catalog
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.catalog.uploads import read_upload
from rathaus.tenants.tests.factories import OrgUnitFactory

CORPUS = Path(__file__).parent / "data" / "xzufi"
PERSO = (CORPUS / "personalausweis.xml").read_bytes()
HUND = (CORPUS / "hundesteuer-spezialisierung.xml").read_bytes()
WOHNGELD = (CORPUS / "wohngeld-kosten-als-text.xml").read_bytes()
PVOG = (CORPUS / "pvog-bereitstelldienst.xml").read_bytes()


def _import(tenant: Any, content: bytes) -> None:
    OrgUnitFactory(tenant=tenant, key="FB32")
    document, labels = read_upload(tenant, content, org_unit="FB32")
    import_catalog(tenant=tenant, document=document, row_labels=labels)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xml")), ids=lambda p: p.name)
def test_every_corpus_document_parses_with_a_valid_leika_key(path: Path) -> None:
    for item in xzufi.parse(path.read_bytes()):
        assert len(item["leika_key"]) == 14 and item["leika_key"].isdigit()
        assert item["texts"].get("leistungsname") or item["texts"].get("leistungsbezeichnung")


def test_all_text_modules_reach_the_description(tenant: Any) -> None:
    _import(tenant, PERSO)
    perso = Service.objects.for_tenant(tenant).get(leika_key="99008001012000")
    text = perso.description
    for heading, content in (
        ("Voraussetzungen:", "Hauptwohnsitz in Deutschland"),
        ("Verfahrensablauf:", "Fingerabdrücke"),
        ("Fristen:", "3 Monate: Beantragen Sie den neuen Ausweis"),
        ("Kosten:", "Die Gebühr zahlen Sie bei Antragstellung."),
        ("Formulare:", "Personalausweisportal des Bundes: https://www.personalausweisportal.de/"),
        ("Zuständige Stelle:", "Personalausweisbehörde der Stadt"),
        ("Ansprechpunkt:", "Bürgerbüro, Rathausplatz 1"),
        ("Rechtsbehelf:", "Widerspruch innerhalb eines Monats"),
        ("Hinweise:", "sofort gemeldet"),
        ("Weiterführende Informationen:", "Online-Ausweisfunktion"),
    ):
        assert f"{heading}\n" in text and content in text, heading
    assert text.index("Voraussetzungen:") < text.index("Rechtsbehelf:")
    assert perso.legal_basis.splitlines() == [
        "§ 9 Personalausweisgesetz (PAuswG)", "§ 1 Personalausweisgebührenverordnung (PAuswGebV)",
    ]  # fmt: skip
    assert [f.amount_min for f in perso.fees.all()] == [Decimal("37.00"), Decimal("22.80")]
    assert perso.processing_days == 21 and perso.processing_time == "3 Wochen"
    assert "From the age" not in text and "Bundesministerium" not in text  # English and the Urheber stay out
    assert perso.translations["en"] == {
        "name": "Apply for an identity card", "description": "From the age of 16 you need an identity card.",
    }  # fmt: skip


def test_cost_texts_without_an_amount_are_kept_as_text(tenant: Any) -> None:
    _import(tenant, WOHNGELD)
    wohngeld = Service.objects.for_tenant(tenant).get(leika_key="99107023037000")
    assert "Kosten:\nKeine Gebühren.\nAuslagen werden nach Aufwand erhoben." in wohngeld.description
    (copies,) = wohngeld.fees.all()
    assert (copies.amount_min, copies.amount_max) == (Decimal("0"), Decimal("15"))  # "up to 15 €"
    assert "Fristen:\nbis 31.12.2026: Für den Heizkostenzuschuss" in wohngeld.description
    assert wohngeld.processing_time == "in der Regel sechs bis acht Wochen" and wohngeld.processing_days is None


def test_spezialisierung_replaces_the_general_texts_and_costs(tenant: Any) -> None:
    (item,) = xzufi.parse(HUND)
    assert item["leika_keys"] == ["99102013104000", "99102013070000"]
    assert "In Musterstadt melden Sie Ihren Hund" in item["texts"]["volltext"]
    assert "Wer einen Hund hält" not in item["texts"]["volltext"]
    assert item["fees"] == [{"label": "für den ersten Hund, jährlich", "amount_min": "96.00", "amount_max": "96.00",
                             "legal_basis": ""}]  # fmt: skip
    assert "gefährliche Hunde: nach Satzung" in item["texts"]["kosten"]
    assert "2 Wochen: nach Beginn der Hundehaltung" in item["texts"]["fristen"]  # the general deadline stays


def test_several_leika_keys_update_the_service_that_has_any_of_them(tenant: Any) -> None:
    unit = OrgUnitFactory(tenant=tenant, key="FB20")
    ServiceFactory(tenant=tenant, org_unit=unit, leika_key="99102013070000", slug="hund-abmelden", name="Alt")
    _import(tenant, HUND)
    assert Service.objects.for_tenant(tenant).count() == 1
    service = Service.objects.for_tenant(tenant).get()
    assert (service.leika_key, service.slug, service.name) == (
        "99102013070000",
        "hund-abmelden",
        "Hund anmelden oder abmelden",
    )


def test_what_is_left_out_is_reported() -> None:
    assert xzufi.dropped(HUND) == [
        "Leistung 1 (99102013104000): weitere LeiKa-Schlüssel 99102013070000"
        " (eine Leistung im Katalog hat einen Schlüssel)",
        "Leistung 1 (99102013104000): 1 Organisationseinheiten (Anschriften, Zuständigkeiten) des Dokuments",
        "Leistung 1 (99102013104000): 1 Onlinedienste (Links) des Dokuments",
    ]
    perso = xzufi.dropped(PERSO)
    assert any("Kategorien" in d for d in perso) and not any("Sprachen" in d for d in perso)  # en is kept
    wohngeld = xzufi.dropped(WOHNGELD)
    assert any("unbekanntem Code „99“" in d for d in wohngeld)
    assert any("Textmodul 25 (rechtsbehelf) ohne deutschen Text" in d for d in wohngeld)


def test_staff_import_page_says_what_was_left_out(tclient: Any, tenant: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rathaus.identity.models import StaffRole
    from rathaus.identity.tests.factories import StaffFactory, login_staff

    OrgUnitFactory(tenant=tenant, key="FB32")
    login_staff(tclient, StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION]))
    response = tclient.post(
        "/intern/leistungen/", {"file": SimpleUploadedFile("hund.xml", HUND), "org_unit": "FB32"}, follow=True
    )
    page = response.content.decode()
    assert "1 neu" in page and "Nicht übernommen: Leistung 1 (99102013104000): weitere LeiKa-Schlüssel" in page


def test_pvog_delivery_takes_the_german_texts_when_english_comes_first(tenant: Any) -> None:
    _import(tenant, PVOG)
    services = Service.objects.for_tenant(tenant)
    assert sorted(services.values_list("leika_key", flat=True)) == ["99108001001000", "99115003012000"]
    parking = services.get(leika_key="99108001001000")
    assert parking.name == "Bewohnerparkausweis beantragen"
    assert parking.processing_time == "in der Regel eine Woche"  # the English beschreibung comes first
    assert "Verfahrensablauf:\nBeantragen Sie den Ausweis beim Bezirksamt" in parking.description  # Spezialisierung
    assert "Fristen:\nDer Ausweis gilt ein Jahr." in parking.description
    assert "Kosten:\nZahlbar bei Ausgabe." in parking.description and "Payable" not in parking.description
    assert [(f.label, f.amount_min) for f in parking.fees.all()] == [("je Jahr", Decimal("30.70"))]
    assert parking.required_documents == [
        "Zulassungsbescheinigung Teil I",
        "bei Firmenwagen: Bescheinigung des Arbeitgebers",
    ]
    assert parking.translations["en"]["name"] == "Apply for a residents' parking permit"
    assert (
        "Formulare:\nDas Antragsformular finden Sie online.\nAntragsformular: https://online.example/bewohnerparken"
        in (parking.description)
    )  # the German link with its German title; the English link stays out
    assert "english" not in parking.description.lower() and "Application form" not in parking.description
    assert parking.keywords == ["Anwohnerparken"]
    # an empty module (real exports carry "<br>") does not hide the Leistungsbezeichnung
    assert services.get(leika_key="99115003012000").name == "Meldebescheinigung beantragen"


def test_pvog_delivery_reports_deletions_responsibilities_and_the_written_form() -> None:
    assert xzufi.dropped(PVOG) == [
        "Leistung 1 (99108001001000): 1 Links zum Ursprungsportal",
        "Leistung 1 (99108001001000): Schriftformerfordernis (kennzeichenSchriftformerfordernis):"
        " Zugangswege bitte prüfen",
        "Leistung 1 (99108001001000): 1 Zuständigkeiten (zustaendigkeitTransferObjekt) des Dokuments",
        "Leistung 1 (99108001001000): 1 Onlinedienste (Links) des Dokuments",
        "Leistung 1 (99108001001000): Löschaufträge (loesche) nicht ausgeführt: 1 Leistung, 1 Zustaendigkeit",
    ]
