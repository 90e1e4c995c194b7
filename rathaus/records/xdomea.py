"""xdomea Aussonderung (3.1.0): the messages the authority sends to and receives from its archive.

0501 Anbieteverzeichnis (offer: metadata only) → 0502 Bewertungsverzeichnis (the archive's appraisal per
object, imported) → 0503 Aussonderung (transfer with the primary documents, as the zip container
``{ProzessID}_Aussonderung.Aussonderung.0503.zip``) → 0506 AussonderungImportBestaetigen (the archive
confirms the import, imported). Only after 0506 may the authority delete what it transferred.

Receipts (header only): the archive acknowledges the offer with 0504 AnbietungEmpfangBestaetigen and the
transfer with 0507 AussonderungEmpfangBestaetigen (both asked for by ``Empfangsbestaetigung`` in our head,
imported); the authority acknowledges an appraisal that asks for it with 0505 BewertungEmpfangBestaetigen.

Incoming XML is parsed without DTDs, entities or network access; a message that names an object this run
did not offer is refused whole, with a report naming each unknown ID.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from lxml import etree

VERSION = "3.1.0"
NS = f"urn:xoev-de:xdomea:schema:{VERSION}"
_X = f"{{{NS}}}"


class XdomeaError(ValueError):
    """An incoming message is not what this run expects; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Party:
    """Sender or recipient of a message (Absender/Empfänger): the authority or the archive."""

    institution: str
    unit: str = ""


@dataclass(frozen=True)
class Primary:
    """A primary document for 0503: the file name inside the container and its bytes."""

    document_id: str
    version: int
    name: str
    data: bytes
    created_at: dt.datetime


def _el(parent: Any, name: str, text: str | None = None) -> Any:
    child = etree.SubElement(parent, _X + name)
    if text is not None:
        child.text = text
    return child


def _code(parent: Any, name: str, code: str) -> Any:
    element = _el(parent, name)
    etree.SubElement(element, "code").text = code  # code lists: the code element is unqualified
    return element


def _contact(parent: Any, name: str, who: Party) -> None:
    contact = _el(parent, name)
    institution = _el(contact, "Institution")
    _el(institution, "Name", who.institution)
    if who.unit:
        unit = _el(contact, "Organisationseinheit")
        _el(unit, "Name", who.unit)


def _head(
    root: Any,
    *,
    process_id: str,
    message_type: str,
    sender: Party,
    recipient: Party,
    now: dt.datetime,
    flags: Iterable[tuple[str, bool]],
) -> None:
    head = _el(root, "Kopf")
    _el(head, "ProzessID", process_id)
    _code(head, "Nachrichtentyp", message_type)
    _el(head, "Erstellungszeitpunkt", now.isoformat(timespec="seconds"))
    _contact(head, "Absender", sender)
    _contact(head, "Empfaenger", recipient)
    for name, value in flags:
        _el(head, name, "true" if value else "false")


def _file_element(parent: Any, f: Any, primaries: dict[str, list[Primary]] | None) -> None:
    """An Akte with its Vorgänge and Dokumente (``f`` is a CaseFile with cases and documents)."""
    akte = _el(parent, "Akte")
    ident = _el(akte, "Identifikation")
    _el(ident, "ID", str(f.uuid))
    meta = _el(akte, "AllgemeineMetadaten")
    _el(meta, "Betreff", f.subject)
    _el(meta, "Kennzeichen", f.reference)
    plan = _el(meta, "Aktenplaneinheit")
    _el(plan, "Kennzeichen", f.plan_unit.code)
    _el(plan, "Inhaltsangabe", f.plan_unit.title)
    archive = _el(akte, "ArchivspezifischeMetadaten")
    duration = _el(archive, "Aufbewahrungsdauer")
    _el(duration, "AnzahlJahre", str(f.retention_years))
    kind = _el(archive, "Aussonderungsart")
    _code(kind, "Aussonderungsart", f.disposal)
    ends = f.retention_ends()
    if ends:
        _el(archive, "Aufbewahrungsende", ends.isoformat())
    period = _el(akte, "Laufzeit")
    _el(period, "Beginn", timezone.localdate(f.opened_at).isoformat())
    if f.closed_at:
        _el(period, "Ende", timezone.localdate(f.closed_at).isoformat())
    cases = list(f.cases.all().order_by("number"))
    if cases:
        content = _el(akte, "Akteninhalt")
        for case in cases:
            vorgang = _el(content, "Vorgang")
            vident = _el(vorgang, "Identifikation")
            _el(vident, "ID", str(case.uuid))
            _el(vident, "NummerImUebergeordnetenContainer", str(case.number))
            vmeta = _el(vorgang, "AllgemeineMetadaten")
            _el(vmeta, "Betreff", case.subject)
            _el(vmeta, "Kennzeichen", case.reference)
            for document in case.documents.all():
                dokument = _el(vorgang, "Dokument")
                dident = _el(dokument, "Identifikation")
                _el(dident, "ID", str(document.uuid))
                dmeta = _el(dokument, "AllgemeineMetadaten")
                _el(dmeta, "Betreff", document.title)
                if primaries is None:
                    continue
                for primary in primaries.get(str(document.uuid), []):
                    version = _el(dokument, "Version")
                    _el(version, "Nummer", str(primary.version))
                    fmt = _el(version, "Format")
                    name = _code(fmt, "Name", _extension(primary.name))
                    name.set("listURI", "urn:xoev-de:xdomea:codeliste:dateiformat")
                    name.set("listVersionID", "2.0")
                    _el(fmt, "Version", "")
                    pd = _el(fmt, "Primaerdokument")
                    _el(pd, "Dateiname", container_name(primary))
                    _el(pd, "DateinameOriginal", primary.name)
                    _el(pd, "DatumUhrzeit", primary.created_at.isoformat(timespec="seconds"))
    _el(akte, "ZdA", "true" if f.closed_at else "false")
    if f.closed_at:
        _el(akte, "ZdADatum", timezone.localdate(f.closed_at).isoformat())


def _extension(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return ext[:10] or "bin"


def container_name(primary: Primary) -> str:
    """The primary document's name in the 0503 container: ``{UUID}_{original name}`` (xdomea pattern)."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in primary.name)[:120] or "dokument"
    return f"{primary.document_id}_v{primary.version}_{safe}"


def _serialise(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def offer_list(
    *, process_id: str, files: Iterable[Any], sender: Party, recipient: Party, now: dt.datetime | None = None
) -> bytes:
    """0501 Anbieteverzeichnis: the files offered, metadata only (no primary documents)."""
    root = etree.Element(_X + "Aussonderung.Anbieteverzeichnis.0501", nsmap={"xdomea": NS})
    _head(
        root,
        process_id=process_id,
        message_type="0501",
        sender=sender,
        recipient=recipient,
        now=now or timezone.now(),
        flags=[("Empfangsbestaetigung", True)],
    )
    for f in files:
        _file_element(_el(root, "Schriftgutobjekt"), f, None)
    return _serialise(root)


def transfer_name(process_id: str) -> str:
    return f"{process_id}_Aussonderung.Aussonderung.0503"


def transfer(
    *,
    process_id: str,
    files: Iterable[Any],
    primaries: dict[str, list[Primary]],
    sender: Party,
    recipient: Party,
    now: dt.datetime | None = None,
) -> tuple[str, bytes, bytes]:
    """0503 Aussonderung as the xdomea zip container; returns (zip name, zip bytes, the message XML)."""
    root = etree.Element(_X + "Aussonderung.Aussonderung.0503", nsmap={"xdomea": NS})
    _head(
        root,
        process_id=process_id,
        message_type="0503",
        sender=sender,
        recipient=recipient,
        now=now or timezone.now(),
        flags=[("Importbestaetigung", True), ("RueckmeldungArchivkennung", False), ("Empfangsbestaetigung", True)],
    )
    for f in files:
        _file_element(_el(root, "Schriftgutobjekt"), f, primaries)
    xml = _serialise(root)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(transfer_name(process_id) + ".xml", xml)
        for items in primaries.values():
            for primary in items:
                archive.writestr(container_name(primary), primary.data)
    return transfer_name(process_id) + ".zip", buffer.getvalue(), xml


RECEIPTS = {
    "0504": "Aussonderung.AnbietungEmpfangBestaetigen.0504",
    "0505": "Aussonderung.BewertungEmpfangBestaetigen.0505",
    "0507": "Aussonderung.AussonderungEmpfangBestaetigen.0507",
}


def receipt(
    *, message_type: str, process_id: str, sender: Party, recipient: Party, now: dt.datetime | None = None
) -> bytes:
    """A receipt (0504, 0505 or 0507): the message head alone (NkBasisType)."""
    root = etree.Element(_X + RECEIPTS[message_type], nsmap={"xdomea": NS})
    _head(
        root,
        process_id=process_id,
        message_type=message_type,
        sender=sender,
        recipient=recipient,
        now=now or timezone.now(),
        flags=[],
    )
    return _serialise(root)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse(data: bytes, element: str, process_id: str) -> Any:
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise XdomeaError([f"kein wohlgeformtes XML: {exc}"]) from exc
    if root.tag != _X + element:
        raise XdomeaError([f"erwartet {element} (xdomea {VERSION}), erhalten {etree.QName(root).localname}"])
    got = root.findtext(f"{_X}Kopf/{_X}ProzessID") or ""
    if got.strip().lower() != process_id.lower():
        raise XdomeaError([f"ProzessID {got!r} gehört nicht zu dieser Aussonderung ({process_id})"])
    return root


def message_type_of(data: bytes) -> str:
    """The xdomea message type (``"0502"``) an upload claims by its root element, or "" if it is none of ours."""
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return ""
    name = etree.QName(root)
    if name.namespace != NS or not name.localname.startswith("Aussonderung."):
        return ""
    suffix = name.localname.rsplit(".", 1)[-1]
    return suffix if suffix.isdigit() and len(suffix) == 4 else ""


def read_receipt(data: bytes, *, message_type: str, process_id: str) -> None:
    """Check an incoming receipt (0504 or 0507): the right element and this run's ProzessID."""
    _parse(data, RECEIPTS[message_type], process_id)


def wants_receipt(data: bytes) -> bool:
    """Whether an incoming message asks for a receipt (``Kopf/Empfangsbestaetigung`` true)."""
    root = etree.fromstring(data, parser=_PARSER)
    return (root.findtext(f"{_X}Kopf/{_X}Empfangsbestaetigung") or "").strip() in ("true", "1")


def read_appraisal(data: bytes, *, process_id: str, offered: set[str]) -> dict[str, str]:
    """0502 Bewertungsverzeichnis → {file ID: "A" (archive) | "V" (destroy)}; refused whole on any problem."""
    root = _parse(data, "Aussonderung.Bewertungsverzeichnis.0502", process_id)
    result: dict[str, str] = {}
    problems: list[str] = []
    for obj in root.iter(_X + "BewertetesObjekt"):
        object_id = (obj.findtext(_X + "ID") or "").strip().lower()
        code = (obj.findtext(f"{_X}Aussonderungsart/{_X}Aussonderungsart/code") or "").strip()
        if object_id not in offered:
            problems.append(f"unbekanntes Objekt {object_id or '(ohne ID)'}: nicht angeboten")
        elif code not in ("A", "V"):
            problems.append(f"Objekt {object_id}: Bewertung {code!r} ist weder A noch V")
        elif object_id in result:
            problems.append(f"Objekt {object_id} ist doppelt bewertet")
        else:
            result[object_id] = code
    missing = sorted(offered - set(result))
    problems += [f"Objekt {m} ist nicht bewertet" for m in missing]
    if problems:
        raise XdomeaError(problems)
    return result


def read_import_confirmation(data: bytes, *, process_id: str, transferred: set[str]) -> dict[str, bool]:
    """0506 AussonderungImportBestaetigen → {file ID: imported?}; refused whole if it names unknown objects."""
    root = _parse(data, "Aussonderung.AussonderungImportBestaetigen.0506", process_id)
    result: dict[str, bool] = {}
    problems: list[str] = []
    for obj in root.iter(_X + "AusgesondertesSGO"):
        object_id = (obj.findtext(_X + "IDSGO") or "").strip().lower()
        ok = (obj.findtext(_X + "Erfolgreich") or "").strip() in ("true", "1")
        if object_id not in transferred:
            problems.append(f"unbekanntes Objekt {object_id or '(ohne ID)'}: nicht übergeben")
        else:
            result[object_id] = ok
    if problems:
        raise XdomeaError(problems)
    return result
