"""FIM uploads: zips as FIM exports ship them, safe against zip bombs, nesting and path tricks; code lists
stored once per version and never changed; schemas larger than the old 5 MB limit; a new version of a FIM
schema shows what changed."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rathaus.applications import codelists, fim_files, form_review
from rathaus.applications.fim_models import CodeList, FormImport
from rathaus.core.errors import ValidationFailed

FIM = Path("/work/shared/fim")
PARKING = FIM / "S05000058V1.0_xdf2.xml"
CONSENT = FIM / "C05000073_genericode.xml"
CODELISTS = sorted(FIM.glob("C*_genericode.xml"))


def _zip(files: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    out = bytearray(buffer.getvalue())
    if encrypted:  # zipfile cannot write encrypted members: set the "encrypted" flag in both headers
        out[6] |= 0x1
        central = out.index(b"PK\x01\x02")
        out[central + 8] |= 0x1
    return bytes(out)


def test_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _zip({"C1_genericode.xml": b"<" + b" " * (30 * 1024 * 1024)})  # 30 MB of spaces, ~30 KB packed
    with pytest.raises(ValidationFailed, match="zu groß"):
        fim_files.read_files([("export.zip", bomb)])


def test_member_paths_are_only_names_and_nothing_is_written(tenant: Any, tmp_path: Path) -> None:
    archive = _zip({"../../../../tmp/C05000073_genericode.xml": CONSENT.read_bytes(), "/etc/.hidden": b"x"})
    (member,) = fim_files.read_files([("export.zip", archive)])
    assert (member.name, member.kind) == ("C05000073_genericode.xml", "genericode")
    lists = codelists.parse_all([member])
    (stored,) = codelists.store_codelists(tenant=tenant, lists=lists, actor=None).created
    assert stored.source_name == "C05000073_genericode.xml"


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (_zip({"inner.zip": _zip({"a.xml": b"<a/>"})}), "weitere ZIP-Datei"),
        (_zip({"a.xml": b"<a/>"}, encrypted=True), "verschlüsselte"),
        (b"PK\x03\x04 kaputt", "nicht lesbar"),
    ],
    ids=["nested", "encrypted", "broken"],  # the zips carry the time they were made: ids from bytes differ per worker
)
def test_nested_encrypted_or_broken_zips_are_refused(archive: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        fim_files.read_files([("export.zip", archive)])


def test_too_many_members_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fim_files, "MAX_MEMBERS", 3)
    with pytest.raises(ValidationFailed, match="mehr als 3 Dateien"):
        fim_files.read_files([("export.zip", _zip({f"{n}.xml": b"<a/>" for n in range(4)}))])


def test_a_schema_larger_than_5_mb_is_imported(tenant: Any, hund_service: Any) -> None:
    padded = PARKING.read_bytes().replace(b"?>", b"?><!--" + b" " * (6 * 1024 * 1024) + b"-->", 1)
    assert len(padded) > 6 * 1024 * 1024
    imp = form_review.import_form(service=hund_service, uploads=[(PARKING.name, padded)], actor=None)
    assert imp.fim_id == "S05000058"
    with pytest.raises(ValidationFailed, match="größer als 40 MB"):
        fim_files.read_files([("riesig.xml", b" " * (fim_files.MAX_UPLOAD_BYTES + 1))])


def test_a_code_list_version_is_stored_once_and_never_changed(tenant: Any) -> None:
    (parsed,) = codelists.parse_all(fim_files.read_files([(CONSENT.name, CONSENT.read_bytes())]))
    first = codelists.store_codelists(tenant=tenant, lists=[parsed], actor=None)
    again = codelists.store_codelists(tenant=tenant, lists=[parsed], actor=None)
    assert len(first.created) == 1 and [c.pk for c in again.unchanged] == [first.created[0].pk]
    changed = CONSENT.read_bytes().replace(b"Ich stimme zu.", b"Ich stimme nicht zu.")
    (other,) = codelists.parse_all(fim_files.read_files([(CONSENT.name, changed)]))
    with pytest.raises(ValidationFailed, match="neue Version"):
        codelists.store_codelists(tenant=tenant, lists=[other], actor=None)
    stored = CodeList.objects.for_tenant(tenant).get()
    assert stored.entries == [["01", "Ich stimme zu."]]
    stored.name = "geändert"
    with pytest.raises(ValidationError):
        stored.save()
    with pytest.raises(ValidationError):
        stored.delete()
    newer = changed.replace(b"2021-01-11", b"2024-01-01")
    (new_version,) = codelists.parse_all(fim_files.read_files([(CONSENT.name, newer)]))
    codelists.store_codelists(tenant=tenant, lists=[new_version], actor=None)
    resolve = codelists.resolver(tenant)
    assert resolve("urn:de:fim:codeliste:zustimmung", "2021-01-11") == [("01", "Ich stimme zu.")]
    assert resolve("urn:de:fim:codeliste:zustimmung", None) == [("01", "Ich stimme nicht zu.")]  # newest
    assert resolve("urn:de:fim:codeliste:zustimmung", "1999") is None


def test_one_upload_with_two_different_lists_of_one_version_is_refused(tenant: Any) -> None:
    changed = CONSENT.read_bytes().replace(b"Ich stimme zu.", b"Anders.")
    files = fim_files.read_files([("a.xml", CONSENT.read_bytes()), ("b.xml", changed)])
    with pytest.raises(ValidationFailed, match="zweimal"):
        codelists.parse_all(files)


def test_a_new_fim_version_shows_what_changed(tenant: Any, hund_service: Any) -> None:
    uploads = [(p.name, p.read_bytes()) for p in [PARKING, *CODELISTS]]
    form_review.publish(
        form_import=form_review.import_form(service=hund_service, uploads=uploads, actor=None), actor=None
    )
    xml = PARKING.read_text(encoding="utf-8")
    # The next version: one field renamed (same FIM id), one field gone.
    renamed = xml.replace(
        "<xdf:bezeichnungEingabe>Vorname</xdf:bezeichnungEingabe>",
        "<xdf:bezeichnungEingabe>Rufname</xdf:bezeichnungEingabe>",
        1,
    )
    blocks = re.findall(r"<xdf:struktur>\s*<xdf:anzahl>[^<]*</xdf:anzahl>\s*<xdf:bezug>[^<]*</xdf:bezug>\s*"
                        r"<xdf:enthaelt>\s*<xdf:datenfeld>.*?</xdf:struktur>", renamed, re.S)  # fmt: skip
    gone = next(b for b in blocks if "<xdf:id>F05001344</xdf:id>" in b)  # Einwilligung Melderegister
    second = renamed.replace(gone, "", 1)
    imp = form_review.import_form(service=hund_service, uploads=[("v2.xml", second.encode())], actor=None)
    assert imp.base_version is not None and imp.base_version.version == 1
    changes = form_review.changes(imp.base_version.definition, imp.definition)
    assert "F05001344" in {c["fim_id"] for c in changes["removed"]}
    assert any("Rufname" in c["place"] for c in changes["changed"])
    assert not any("Rufname" in c["place"] for c in changes["added"])
    assert FormImport.objects.for_tenant(tenant).filter(state="pending").count() == 1


def test_command_refuses_missing_code_lists_and_publishes_with_them(
    tmp_path: Path, tenant: Any, hund_service: Any
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from rathaus.applications.models import FormVersion

    err = StringIO()
    with pytest.raises(CommandError, match="Es fehlen noch Codelisten"):
        call_command("form_publish", tenant.slug, hund_service.slug, str(PARKING), stdout=StringIO(), stderr=err)
    assert not FormVersion.objects.for_tenant(tenant).exists()
    assert not FormImport.objects.for_tenant(tenant).filter(state="pending").exists()  # nothing left waiting
    out = StringIO()
    call_command(
        "form_publish", tenant.slug, hund_service.slug, str(PARKING), *map(str, CODELISTS), stdout=out, stderr=err
    )
    assert "Version 1" in out.getvalue() and FormVersion.objects.for_tenant(tenant).count() == 1


def test_file_names_with_nul_or_surrogates_are_stored_without_them(tenant: Any) -> None:
    files = fim_files.read_files([("dir\\C05\x00073\ud800_genericode.xml", CONSENT.read_bytes())])
    (stored,) = codelists.store_codelists(tenant=tenant, lists=codelists.parse_all(files), actor=None).created
    stored.refresh_from_db()
    assert stored.source_name == "C05073\ufffd_genericode.xml"


def test_every_note_of_the_importer_names_the_fim_id_of_what_it_is_about(tenant: Any, hund_service: Any) -> None:
    imp = form_review.import_form(service=hund_service, uploads=[(PARKING.name, PARKING.read_bytes())], actor=None)
    notes = [r for r in imp.report if r["kind"] != "translated"]
    assert notes and all(r["fim_id"] for r in notes), [r["text"] for r in notes if not r["fim_id"]]
    (duration,) = [r for r in notes if "„Gültigkeitsdauer“" in r["text"]]
    assert duration["fim_id"] == "F05001064"  # the field, not the rule printed just before it in the schema
