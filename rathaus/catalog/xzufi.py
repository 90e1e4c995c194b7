"""Reads service descriptions in XZuFi (XÖV standard for Zuständigkeitsfinder, versions 2.1 and 2.2).

The XSD lives in XRepository (``urn:xoev-de:fim:standard:xzufi``), which this machine cannot reach, and no
stored public repository carries it; the reader follows the element names of XZuFi 2.1/2.2 exports as real
consumers read them (PVOG dumps: ``nachrichtenkopf``, ``schreibe`` with ``leistung``, ``spezialisierung``,
``organisationseinheit``, ``onlinedienst``; namespace ``http://xoev.de/schemata/xzufi/2_2_0`` or
``…/2_1_0``). It is a tolerant reader: elements are matched by local name, texts may contain HTML.

Taken over per ``leistung``: every ``referenzLeiKa/code`` (the first is the service's key; a service that
already has any of them is the one updated), all 16 ``modulText`` modules of the code list
``urn:de:xzufi:codeliste:leistungstextmodulleika`` (20240216; German ``inhalt`` only, links of a module as
lines), ``modulFrist`` (duration or fixed date with its description), ``modulKosten`` (amounts become fees;
a cost without a parseable amount is kept as text, never dropped), ``modulBearbeitungsdauer`` and
``modulBegriffImKontext``. A ``spezialisierung`` (local texts for a Leistung, matched by ``leistungID``)
replaces the general modules. Texts without a field of their own become sections of the description
(``SECTIONS``); English name, teaser and full text go into the service's translations. What is still left
out is listed by :func:`dropped`: further LeiKa keys, categories, SDG information areas, links to the
Ursprungsportal, the Schriftformerfordernis flag, texts in other languages, unknown text modules, the
document's Organisationseinheiten (addresses, opening hours), Zuständigkeiten (``zustaendigkeitTransferObjekt``),
Onlinedienste and ``loesche`` orders (PVOG deltas; the catalog deletes nothing because a file says so). Texts
come in one element per language, in real deliveries often English first: the German one is taken.

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

# urn:de:xzufi:codeliste:leistungstextmodulleika (20240216): all 16 modules → the names we keep them under.
TEXT_MODULES = {
    "02": "leistungsbezeichnung",
    "03": "leistungsname",
    "05": "kurztext",
    "06": "volltext",
    "07": "rechtsgrundlage",
    "08": "unterlagen",
    "09": "voraussetzungen",
    "11": "verfahrensablauf",
    "14": "formulare",
    "15": "weiterfuehrende_informationen",
    "16": "hinweise",
    "18": "urheber",
    "22": "zustaendige_stelle",
    "23": "ansprechpunkt",
    "24": "teaser",
    "25": "rechtsbehelf",
}
# Modules that become sections of the description, in this order (the others have fields of their own).
SECTIONS = (
    ("voraussetzungen", "Voraussetzungen"),
    ("verfahrensablauf", "Verfahrensablauf"),
    ("fristen", "Fristen"),
    ("kosten", "Kosten"),
    ("formulare", "Formulare"),
    ("zustaendige_stelle", "Zuständige Stelle"),
    ("ansprechpunkt", "Ansprechpunkt"),
    ("rechtsbehelf", "Rechtsbehelf"),
    ("hinweise", "Hinweise"),
    ("weiterfuehrende_informationen", "Weiterführende Informationen"),
)
_UNIT_WORDS = {"d": "Tage", "tag": "Tage", "tage": "Tage", "w": "Wochen", "woche": "Wochen", "wochen": "Wochen",
               "m": "Monate", "monat": "Monate", "monate": "Monate", "j": "Jahre", "a": "Jahre", "jahr": "Jahre",
               "jahre": "Jahre"}  # fmt: skip
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


def _child_text(element: Element | None, name: str) -> str:
    """The (German) text of a direct child, e.g. a module's own ``beschreibung`` beside its ``kosten``."""
    if element is None:
        return ""
    found = [c for c in _children(element, name) if (c.get("languageCode") or "de").lower().startswith("de")]
    return plain(_text(found[0])) if found else ""


def _fees(leistung: Element) -> tuple[list[dict[str, str]], list[str]]:
    """Fees with an amount, and the cost texts without a parseable amount (kept as text, never dropped)."""
    fees: list[dict[str, str]] = []
    texts: list[str] = []
    for module in _children(leistung, "modulKosten"):
        for cost in _children(module, "kosten"):
            label = _child_text(cost, "beschreibung")
            fixed = _amount(_text(_first(cost, "betragFix")) or _text(_first(cost, "betrag")))
            upper = _amount(_text(_first(cost, "betragObergrenze")))
            low = _amount(_text(_first(cost, "betragUntergrenze"))) or fixed or ("0" if upper else None)
            high = upper or fixed or low
            if low is None or high is None:
                if label:
                    texts.append(label)
                continue
            fees.append({"label": (label or "Gebühr")[:200], "amount_min": low, "amount_max": high, "legal_basis": ""})
        if about := _child_text(module, "beschreibung"):
            texts.append(about)
    return fees, texts


def _unit(element: Element) -> str:
    unit_element = _first(element, "einheit")
    code = _first(unit_element, "code") if unit_element is not None else None
    return _text(code) if code is not None else _text(unit_element)


def _deadlines(leistung: Element) -> list[str]:
    out = []
    for module in _children(leistung, "modulFrist"):
        for deadline in _children(module, "frist"):
            span = _first(deadline, "fristDauer")
            words = ""
            if span is not None and (duration := _text(_first(span, "dauer"))):
                unit = _unit(span)
                words = f"{duration} {_UNIT_WORDS.get(unit.lower(), unit)}".strip()
            day_element = _first(deadline, "fristStichtag")
            day = _text(_first(day_element, "datum")) if day_element is not None else ""
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                words = f"bis {day[8:10]}.{day[5:7]}.{day[:4]}"
            about = _child_text(deadline, "beschreibung")
            line = ": ".join(p for p in (words, about) if p)
            if line:
                out.append(line)
        if about := _child_text(module, "beschreibung"):
            out.append(about)
    return out


def _processing(leistung: Element) -> tuple[str, int | None]:
    module = _first(leistung, "modulBearbeitungsdauer")
    if module is None:
        return "", None
    # Real exports carry one beschreibung per language, often English first: take the German one.
    descriptions = [e for e in module.iter() if _local(e) == "beschreibung"]
    german = next((e for e in descriptions if _is_german(e)), None)
    description = plain(_text(german))
    duration = _text(_first(module, "dauer"))
    unit = _unit(module)
    days = None
    if duration.isdigit() and unit.lower() in _DAYS_PER_UNIT:
        days = int(duration) * _DAYS_PER_UNIT[unit.lower()]
    label = description or (f"{duration} {_UNIT_WORDS.get(unit.lower(), unit)}".strip() if duration else "")
    return label[:120], days


def _leika_keys(leistung: Element) -> list[str]:
    """Every LeiKa key the Leistung references (XZuFi allows several), in document order."""
    keys = [_text(_first(r, "code")) or _text(r) for r in _children(leistung, "referenzLeiKa")]
    if not keys:  # older exports: a 14-digit identifier somewhere in id/idSekundaer
        keys = [
            _text(e)
            for e in leistung.iter()
            if _local(e) in ("id", "idSekundaer", "leistungsschluessel") and re.fullmatch(r"\d{14}", _text(e))
        ][:1]
    return list(dict.fromkeys(k for k in keys if k))


def _links(module: Element) -> list[str]:
    out = []
    for link in (e for e in module.iter() if _local(e) == "weiterfuehrenderLink" and _is_german(e)):
        titles = [e for e in link.iter() if _local(e) == "titel"]
        german_title = next((e for e in titles if _is_german(e)), None)
        uri, title = _text(_first(link, "uri")), plain(_text(german_title))
        if uri.startswith(("https://", "http://")):
            out.append(f"{title}: {uri}" if title else uri)
    return out


def _is_german(element: Element) -> bool:
    return (element.get("languageCode") or "de").lower().startswith("de")


def _english(element: Element) -> dict[str, str]:
    """The English texts of the modules that the catalog translates (name, short text, full text)."""
    out: dict[str, str] = {}
    for module in _children(element, "modulText"):
        marker = _first(module, "leikaTextmodul")
        field = TEXT_MODULES.get(_text(_first(marker, "code")) if marker is not None else "")
        for content in (e for e in module.iter() if _local(e) == "inhalt"):
            if field and (content.get("languageCode") or "").lower().startswith("en") and _text(content):
                out[field] = _text(content)
    return out


def _texts(element: Element, dropped: list[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for module in _children(element, "modulText"):
        marker = _first(module, "leikaTextmodul")
        code = _text(_first(marker, "code")) if marker is not None else ""
        field = TEXT_MODULES.get(code)
        if field is None:
            dropped.append(f"Textmodul mit unbekanntem Code „{code or '–'}“")
            continue
        if not any(_is_german(e) for e in module.iter() if _local(e) == "inhalt"):
            dropped.append(f"Textmodul {code} ({field}) ohne deutschen Text")
            continue
        content = "\n".join([_german_text(module), *(f"<p>{html.escape(link)}</p>" for link in _links(module))])
        if plain(content):  # an empty module ("<br>" in real exports) must not hide the fallback text
            texts[field] = content
    return texts


def parse(content: bytes) -> list[dict[str, Any]]:
    """Each ``leistung`` of an XZuFi document as a dict of the texts we use (``leika_key``, ``texts``, …).

    A ``spezialisierung`` (the local texts of a municipality or Land for a Leistung) is merged into the
    Leistung it names (``leistungID``): its modules replace the general ones. ``dropped`` lists in German
    what the document carries and the catalog does not take over."""
    try:
        root = SafeET.fromstring(content, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise ImportRejected(f"Kein gültiges XML: {exc}") from None
    except Exception as exc:  # defusedxml refuses entities and DTDs: report it like broken XML
        raise ImportRejected(f"Die XML-Datei enthält nicht erlaubte Konstrukte ({type(exc).__name__}).") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace not in NAMESPACES:
        raise ImportRejected("Das ist kein XZuFi-Dokument (erwartet: Namensraum XZuFi 2.1 oder 2.2).")
    specialisations: dict[str, list[Element]] = {}
    for special in (e for e in root.iter() if _local(e) == "spezialisierung"):
        specialisations.setdefault(_text(_first(special, "leistungID")), []).append(special)
    services = [_service(leistung, specialisations) for leistung in root.iter() if _local(leistung) == "leistung"]
    if not services:
        raise ImportRejected("Das XZuFi-Dokument enthält keine Leistung.")
    for name, what in (
        ("organisationseinheit", "Organisationseinheiten (Anschriften, Zuständigkeiten)"),
        ("zustaendigkeitTransferObjekt", "Zuständigkeiten (zustaendigkeitTransferObjekt)"),
        ("onlinedienst", "Onlinedienste (Links)"),
    ):
        if count := sum(1 for e in root.iter() if _local(e) == name):
            services[0]["dropped"].append(f"{count} {what} des Dokuments")
    # Delete orders (PVOG deltas) are not carried out: the catalog removes nothing because a file says so.
    deletions: dict[str, int] = {}
    for order in (e for e in root if _local(e) == "loesche"):
        kind = order.get("klasse") or "ohne Klasse"
        deletions[kind] = deletions.get(kind, 0) + 1
    if deletions:
        listed = ", ".join(f"{count} {kind}" for kind, count in deletions.items())
        services[0]["dropped"].append(f"Löschaufträge (loesche) nicht ausgeführt: {listed}")
    if leftover := sum(len(v) for v in specialisations.values()):
        services[0]["dropped"].append(f"{leftover} Spezialisierungen ohne Leistung in diesem Dokument")
    return services


def _service(leistung: Element, specialisations: dict[str, list[Element]]) -> dict[str, Any]:
    dropped: list[str] = []
    own_id = next((_text(c) for c in _children(leistung, "id")), "")
    texts = _texts(leistung, dropped)
    fees, cost_texts = _fees(leistung)
    deadlines = _deadlines(leistung)
    specials = specialisations.pop(own_id, []) if own_id else []
    for special in specials:
        texts.update(_texts(special, dropped))
        special_fees, special_costs = _fees(special)
        if special_fees or special_costs:
            fees, cost_texts = special_fees, special_costs
        deadlines = _deadlines(special) or deadlines
    keys = _leika_keys(leistung)
    if len(keys) > 1:
        dropped.append(f"weitere LeiKa-Schlüssel {', '.join(keys[1:])} (eine Leistung im Katalog hat einen Schlüssel)")
    for name, what in (
        ("kategorie", "Kategorien"),
        ("informationsbereichSDG", "SDG-Informationsbereiche"),
        ("modulUrsprungsportal", "Links zum Ursprungsportal"),
    ):
        if count := sum(1 for _ in _children(leistung, name)):
            dropped.append(f"{count} {what}")
    if any(_text(e).lower() == "true" for e in _children(leistung, "kennzeichenSchriftformerfordernis")):
        # Matters for the channels, which are local: the person importing has to decide them.
        dropped.append("Schriftformerfordernis (kennzeichenSchriftformerfordernis): Zugangswege bitte prüfen")
    english = _english(leistung)
    for special in specials:
        english.update(_english(special))
    if any(
        not (e.get("languageCode") or "de").lower().startswith(("de", "en"))
        for e in leistung.iter()
        if _local(e) == "inhalt"
    ):
        dropped.append("Texte in anderen Sprachen als Deutsch und Englisch")
    processing_time, processing_days = _processing(leistung)
    keywords = [
        plain(_text(e))[:80] for e in leistung.iter() if _local(e) == "begriff" and _is_german(e) and plain(_text(e))
    ]
    if cost_texts:
        texts["kosten"] = "\n".join(f"<p>{html.escape(t)}</p>" for t in cost_texts)
    if deadlines:
        texts["fristen"] = "\n".join(f"<p>{html.escape(t)}</p>" for t in deadlines)
    return {
        "leika_key": keys[0] if keys else "",
        "leika_keys": keys,
        "texts": texts,
        "fees": fees,
        "processing_time": processing_time,
        "processing_days": processing_days,
        "keywords": keywords,
        "english": english,
        "dropped": list(dict.fromkeys(dropped)),
    }


def dropped(content: bytes) -> list[str]:
    """What an import of this document leaves out, per Leistung, in German (for the person importing)."""
    out = []
    for number, item in enumerate(parse(content), start=1):
        out += [
            f"Leistung {number} ({item['leika_key'] or 'ohne LeiKa-Schlüssel'}): {what}" for what in item["dropped"]
        ]
    return out


def to_document(tenant: Municipality, content: bytes, *, org_unit: str = "") -> tuple[dict[str, Any], list[str]]:
    """An exchange document for ``import_catalog``; existing services keep their local settings."""
    existing = {s.leika_key: s for s in Service.objects.for_tenant(tenant).prefetch_related("fees", "life_situations")}
    rows, labels = [], []
    for number, item in enumerate(parse(content), start=1):
        texts = item["texts"]
        name = plain(texts.get("leistungsname") or texts.get("leistungsbezeichnung") or "")
        full = plain(texts.get("volltext", ""))
        short = plain(texts.get("teaser") or texts.get("kurztext") or "") or full.split("\n", 1)[0]
        sections = [full] + [f"{title}:\n{plain(texts[key])}" for key, title in SECTIONS if plain(texts.get(key, ""))]
        description = "\n\n".join(part for part in sections if part)
        # A Leistung with several LeiKa keys updates the service that already has one of them.
        current = next((existing[k] for k in item["leika_keys"] if k in existing), None)
        key = current.leika_key if current is not None else item["leika_key"]
        base: dict[str, Any] = (
            export_service(current)
            if current is not None
            else {"slug": slugify(name.replace("ß", "ss"))[:120], "org_unit": org_unit, "channels": ["on_site"]}
        )
        row = {
            **base,
            "leika_key": key,
            "name": name[:200] or base.get("name", ""),
            "short_description": short[:500],
            "description": description,
            "legal_basis": plain(texts.get("rechtsgrundlage", "")) or base.get("legal_basis", ""),
            "processing_time": item["processing_time"] or base.get("processing_time", ""),
            "processing_days": item["processing_days"] or base.get("processing_days"),
            "keywords": sorted({*base.get("keywords", []), *item["keywords"]}),
        }
        english = {
            target: plain(item["english"][source])[:limit]
            for source, target, limit in (
                ("leistungsname", "name", 200),
                ("teaser", "short_description", 500),
                ("volltext", "description", 100_000),
            )
            if plain(item["english"].get(source, ""))
        }
        if english:  # the English texts of XZuFi replace these fields' translations; others stay
            translations = dict(base.get("translations") or {})
            translations["en"] = {**(translations.get("en") or {}), **english}
            row["translations"] = translations
        if texts.get("unterlagen"):
            row["required_documents"] = _items(texts["unterlagen"])
        if item["fees"]:
            row["fees"] = item["fees"]
        if current is None and not org_unit:
            row["org_unit"] = ""  # import_catalog reports the row: a new service needs a responsible unit
        rows.append(row)
        labels.append(f"Leistung {number} ({key or 'ohne LeiKa-Schlüssel'})")
    return {"services": rows}, labels
