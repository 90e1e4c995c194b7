"""Reads service descriptions in XZuFi (XÖV standard for Zuständigkeitsfinder, versions 2.1 and 2.2).

What we found: the XSD itself lives in XRepository (``urn:xoev-de:fim:standard:xzufi``), which this
machine cannot reach. The reader below follows the element names used by XZuFi 2.1/2.2 exports of
the LeiKa Redaktion (namespace ``http://xoev.de/schemata/xzufi/2_2_0`` or ``…/2_1_0``): each
``leistung`` carries ``referenzLeiKa/code`` (the 14-digit LeiKa key), ``modulText`` entries whose
``leikaTextmodul/code`` comes from the code list ``urn:de:xzufi:codeliste:leistungstextmodulleika``
(version 20240216), ``modulKosten``, ``modulBearbeitungsdauer`` and ``modulBegriffImKontext``.
It is a tolerant reader: namespaces are matched by local name, texts may contain HTML.

XZuFi describes *what* a service is; *how* this municipality offers it (responsible unit, trust
level, channels, OZG maturity, life situations) is local. So an import updates the texts of a
service that already exists and keeps its local settings; new services go to the organisation
unit the importing person chose. The result is a normal exchange document for
:func:`rathaus.catalog.services.import_catalog`, which validates all rows or imports nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from django.utils.text import slugify

from rathaus.core.errors import ImportRejected
from rathaus.tenants.models import Municipality

from .models import Service
from .services import export_service

NAMESPACES = ("http://xoev.de/schemata/xzufi/2_2_0", "http://xoev.de/schemata/xzufi/2_1_0")

# urn:de:xzufi:codeliste:leistungstextmodulleika (20240216) → the fields we fill.
TEXT_MODULES = {
    "02": "leistungsbezeichnung",
    "03": "leistungsname",
    "05": "kurztext",
    "06": "volltext",
    "07": "rechtsgrundlage",
    "08": "unterlagen",
    "09": "voraussetzungen",
    "11": "verfahrensablauf",
    "16": "hinweise",
    "24": "teaser",
}
_TAG = re.compile(r"<[^>]+>")
_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.S | re.I)
_BLOCK_END = re.compile(r"</(p|li|div|h[1-6])>|<br\s*/?>", re.I)
_AMOUNT = re.compile(r"\d+(?:[.,]\d{1,2})?")
_DAYS_PER_UNIT = {"tag": 1, "tage": 1, "d": 1, "woche": 7, "wochen": 7, "w": 7, "monat": 30, "monate": 30, "m": 30}


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child) == name)


def _first(element: Element, name: str) -> Element | None:
    return next((e for e in element.iter() if _local(e) == name), None)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def plain(markup: str) -> str:
    """HTML from the Redaktion → plain text with paragraph breaks."""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _items(markup: str) -> list[str]:
    found = [plain(item) for item in _ITEM.findall(markup)]
    return [item[:500] for item in found if item] or [line[:500] for line in plain(markup).splitlines() if line]


def _german_text(module: Element) -> str:
    contents = [e for e in module.iter() if _local(e) == "inhalt"]
    for content in contents:
        if (content.get("languageCode") or "de").lower().startswith("de"):
            return (content.text or "").strip()
    return (contents[0].text or "").strip() if contents else ""


def _amount(value: str) -> str | None:
    match = _AMOUNT.search(value)
    return match.group(0).replace(",", ".") if match else None


def _fees(leistung: Element) -> list[dict[str, str]]:
    fees = []
    for module in (e for e in leistung.iter() if _local(e) == "modulKosten"):
        for cost in (e for e in module.iter() if _local(e) == "kosten"):
            label = plain(_text(_first(cost, "beschreibung"))) or "Gebühr"
            fixed = _amount(_text(_first(cost, "betragFix")) or _text(_first(cost, "betrag")))
            low = _amount(_text(_first(cost, "betragUntergrenze"))) or fixed
            high = _amount(_text(_first(cost, "betragObergrenze"))) or fixed or low
            if low is None or high is None:
                continue  # "Kosten nach Aufwand" without numbers stays text, it is not a fee
            fees.append({"label": label[:200], "amount_min": low, "amount_max": high, "legal_basis": ""})
    return fees


def _processing(leistung: Element) -> tuple[str, int | None]:
    module = _first(leistung, "modulBearbeitungsdauer")
    if module is None:
        return "", None
    description = plain(_text(_first(module, "beschreibung")))
    duration = _text(_first(module, "dauer"))
    unit = _text(_first(_first(module, "einheit") or module, "code")) or _text(_first(module, "einheit"))
    days = None
    if duration.isdigit() and unit.lower() in _DAYS_PER_UNIT:
        days = int(duration) * _DAYS_PER_UNIT[unit.lower()]
    label = description or (f"{duration} {unit}".strip() if duration else "")
    return label[:120], days


def _leika_key(leistung: Element) -> str:
    reference = _first(leistung, "referenzLeiKa")
    if reference is not None:
        return _text(_first(reference, "code")) or _text(reference)
    for element in leistung.iter():  # older exports: a 14-digit identifier somewhere in id/idSekundaer
        if _local(element) in ("id", "idSekundaer", "leistungsschluessel") and re.fullmatch(r"\d{14}", _text(element)):
            return _text(element)
    return ""


def parse(content: bytes) -> list[dict[str, Any]]:
    """Each ``leistung`` of an XZuFi document as a dict of the texts we use (``leika_key``, ``name``, …)."""
    try:
        root = SafeET.fromstring(content, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise ImportRejected(f"Kein gültiges XML: {exc}") from None
    except Exception as exc:  # defusedxml refuses entities and DTDs: report it like broken XML
        raise ImportRejected(f"Die XML-Datei enthält nicht erlaubte Konstrukte ({type(exc).__name__}).") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace not in NAMESPACES:
        raise ImportRejected("Das ist kein XZuFi-Dokument (erwartet: Namensraum XZuFi 2.1 oder 2.2).")
    services = []
    for leistung in (e for e in root.iter() if _local(e) == "leistung"):
        texts: dict[str, str] = {}
        for module in _children(leistung, "modulText"):
            code = _text(_first(_first(module, "leikaTextmodul") or module, "code"))
            if (field := TEXT_MODULES.get(code)) and (content_text := _german_text(module)):
                texts[field] = content_text
        processing_time, processing_days = _processing(leistung)
        keywords = [plain(_text(e))[:80] for e in leistung.iter() if _local(e) == "begriff" and plain(_text(e))]
        services.append(
            {
                "leika_key": _leika_key(leistung),
                "texts": texts,
                "fees": _fees(leistung),
                "processing_time": processing_time,
                "processing_days": processing_days,
                "keywords": keywords,
            }
        )
    if not services:
        raise ImportRejected("Das XZuFi-Dokument enthält keine Leistung.")
    return services


def to_document(tenant: Municipality, content: bytes, *, org_unit: str = "") -> tuple[dict[str, Any], list[str]]:
    """An exchange document for ``import_catalog``; existing services keep their local settings."""
    existing = {s.leika_key: s for s in Service.objects.for_tenant(tenant).prefetch_related("fees", "life_situations")}
    rows, labels = [], []
    for number, item in enumerate(parse(content), start=1):
        texts = item["texts"]
        name = plain(texts.get("leistungsname") or texts.get("leistungsbezeichnung") or "")
        full = plain(texts.get("volltext", ""))
        short = plain(texts.get("teaser") or texts.get("kurztext") or "") or full.split("\n", 1)[0]
        description = "\n\n".join(
            part
            for part in (
                full,
                plain(texts.get("voraussetzungen", "")) and "Voraussetzungen:\n" + plain(texts["voraussetzungen"]),
                plain(texts.get("verfahrensablauf", "")) and "Verfahrensablauf:\n" + plain(texts["verfahrensablauf"]),
                plain(texts.get("hinweise", "")) and "Hinweise:\n" + plain(texts["hinweise"]),
            )
            if part
        )
        current = existing.get(item["leika_key"])
        base: dict[str, Any] = (
            export_service(current)
            if current is not None
            else {"slug": slugify(name.replace("ß", "ss"))[:120], "org_unit": org_unit, "channels": ["on_site"]}
        )
        row = {
            **base,
            "leika_key": item["leika_key"],
            "name": name[:200] or base.get("name", ""),
            "short_description": short[:500],
            "description": description,
            "legal_basis": plain(texts.get("rechtsgrundlage", "")) or base.get("legal_basis", ""),
            "processing_time": item["processing_time"] or base.get("processing_time", ""),
            "processing_days": item["processing_days"] or base.get("processing_days"),
            "keywords": sorted({*base.get("keywords", []), *item["keywords"]}),
        }
        if texts.get("unterlagen"):
            row["required_documents"] = _items(texts["unterlagen"])
        if item["fees"]:
            row["fees"] = item["fees"]
        if current is None and not org_unit:
            row["org_unit"] = ""  # import_catalog reports the row: a new service needs a responsible unit
        rows.append(row)
        labels.append(f"Leistung {number} ({item['leika_key'] or 'ohne LeiKa-Schlüssel'})")
    return {"services": rows}, labels
