"""Field mapping of the XDatenfelder importer: one FIM ``datenfeld`` → one engine field (see ``xdatenfelder``).

FIM data types (``datentyp``) and how they map: text/text_latin → text (textarea above 255 characters),
num with a length or pattern → text with that pattern (FIM practice for identifiers such as a vehicle
identification number), num → number (6 decimals), num_int → whole number, num_currency → € with 2 decimals,
date → date, time/datetime → text with a pattern, bool → yes/no, file → file, obj → left out; feldart select →
choice (multiple choice when the field may occur more than once) from ``werte`` or the referenced code list.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from .genericode import CodelistResolver, resolve

if TYPE_CHECKING:
    from .xdatenfelder import Node

NAMESPACES = {
    "urn:xoev-de:fim:standard:xdatenfelder_2": "2",
    "urn:xoev-de:fim:standard:xdatenfelder_3.0.0": "3",
}
TIME_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9]"
DATETIME_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"


def slug(text: str, fallback: str = "feld") -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not text or not text[0].isalpha():
        text = f"{fallback}_{text}".strip("_")
    return text[:60].rstrip("_")


class FieldReader:
    """The XML helpers and the mapping of one FIM field (type, constraints, code list) to an engine field."""

    def __init__(self, ns: str, codelists: CodelistResolver | None) -> None:
        self.ns = ns
        self.version = NAMESPACES[ns]
        self.codelists = codelists
        self.notes: list[str] = []
        self.unresolved: dict[tuple[str, str | None], list[str]] = {}
        self.stats: dict[str, int] = {
            "xml_fields": 0,
            "xml_groups": 0,
            "xml_repetitions": 0,
            "repetitions_kept": 0,
            "xml_codelists": 0,
            "codelists_resolved": 0,
            "fields_left_out": 0,
        }

    # --- XML helpers -------------------------------------------------------------------------------

    def child(self, el: Element, name: str) -> Element | None:
        return el.find(f"{{{self.ns}}}{name}")

    def children(self, el: Element, name: str) -> list[Element]:
        return el.findall(f"{{{self.ns}}}{name}")

    def text(self, el: Element, name: str) -> str:
        found = self.child(el, name)
        return " ".join((found.text or "").split()) if found is not None else ""

    def code(self, el: Element, name: str) -> str:
        found = self.child(el, name)
        if found is None:
            return ""
        code = found.find("code")
        if code is None:
            code = found.find(f"{{{self.ns}}}code")
        return (code.text or "").strip() if code is not None else ""

    def ident(self, el: Element) -> str:
        ident = self.child(el, "identifikation")
        return self.text(ident, "id") if ident is not None else ""

    def label(self, el: Element) -> str:
        return self.text(el, "bezeichnungEingabe") or self.text(el, "bezeichnung") or self.text(el, "name") or "Angaben"

    # --- fields ------------------------------------------------------------------------------------

    def _field(self, node: Node, *, in_repeat: bool) -> dict[str, Any] | None:
        el, name = node.el, node.label
        feldart = self.code(el, "feldart") or "input"
        datentyp = self.code(el, "datentyp") or "text"
        if feldart in ("hidden", "locked"):
            self.notes.append(
                f"Das Feld „{name}“ (Feldart {feldart}) wird Bürgerinnen und Bürgern nicht gezeigt und fehlt."
            )
            return None
        if datentyp == "obj":
            self.notes.append(f"Das Feld „{name}“ hat den Datentyp obj (Objekt) und wurde nicht übernommen.")
            return None
        field: dict[str, Any] = {"id": slug(self.text(el, "name") or name), "label": name or "Angabe"}
        if re.fullmatch(r"F\d{5,14}", node.fim_id):
            field["fim_id"] = node.fim_id
        help_text = self.text(el, "hilfetextEingabe")
        if help_text:
            field["help"] = help_text[:4000]
        field["required"] = node.card[0] >= 1
        multi = node.repeats
        limits = self._constraints(el, name)
        if feldart == "select":
            self._select(node, field)
            if multi:
                field["type"] = "multichoice"
                available = len(field.get("choices") or ()) or None  # a missing list: the upload decides
                if node.card[0] >= 1:
                    field["min"] = min(node.card[0], available or node.card[0])
                if node.card[1] is not None:
                    field["max"] = max(min(node.card[1], available or node.card[1]), field.get("min", 1))
                self.stats["repetitions_kept"] += 1
            return field
        if multi and in_repeat:
            self.notes.append(
                f"Das Feld „{name}“ darf mehrfach vorkommen ({node.card[1] or '*'}), steht aber in einer "
                "Wiederholung; übernommen als einzelnes Feld."
            )
        text_like = datentyp in ("text", "text_latin") or (
            datentyp == "num" and any(k in limits for k in ("minLength", "maxLength", "pattern"))
        )
        if text_like:
            max_length = limits.get("maxLength")
            field["type"] = "textarea" if isinstance(max_length, int) and max_length > 255 else "text"
            for source, target in (("minLength", "min_length"), ("maxLength", "max_length")):
                if isinstance(limits.get(source), int) and limits[source] > 0:
                    field[target] = limits[source]
            if limits.get("pattern") and field["type"] == "text":
                field["pattern"] = limits["pattern"]
        elif datentyp in ("time", "datetime"):
            field["type"] = "text"
            field["pattern"] = TIME_PATTERN if datentyp == "time" else DATETIME_PATTERN
            field["help"] = (
                (field.get("help", "") + " ").lstrip()
                + ("Uhrzeit als SS:MM, z. B. 09:30." if datentyp == "time" else "Zeitpunkt als JJJJ-MM-TT SS:MM.")
            )[:4000]
        elif datentyp == "date":
            field["type"] = "date"
        elif datentyp == "bool":
            field["type"] = "yesno"
        elif datentyp in ("num", "num_int", "num_currency"):
            field["type"] = "number"
            if datentyp == "num":
                field["decimals"] = 6
            elif datentyp == "num_currency":
                field["decimals"] = 2
                field["unit"] = "€"
            for source, target in (("minValue", "min"), ("maxValue", "max")):
                value = _number(limits.get(source))
                if value is not None:
                    field[target] = value
            if "min" in field and "max" in field and field["min"] > field["max"]:
                del field["min"], field["max"]
        elif datentyp == "file":
            field["type"] = "file"
            types = [t.text.strip() for t in self.children(el, "mediaType") if t.text and "/" in t.text]
            max_size = self.text(el, "maxSize")
            spec: dict[str, Any] = {}
            if types:
                spec["types"] = [t for t in types if re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", t)] or None
            if max_size.isdigit() and 0 < int(max_size) <= 100 * 1024 * 1024:
                spec["max_bytes"] = int(max_size)
            spec = {k: v for k, v in spec.items() if v}
            if spec:
                field["file"] = spec
        else:
            self.notes.append(
                f"Das Feld „{name}“ hat den unbekannten Datentyp „{datentyp}“ und ist als Textfeld übernommen."
            )
            field["type"] = "text"
        return field

    def _select(self, node: Node, field: dict[str, Any]) -> None:
        choices = self._values(node.el)
        field["type"] = "choice"
        if choices:
            field["choices"] = choices
            return
        ref = self.child(node.el, "codelisteReferenz")
        uri, version = "", None
        if ref is not None:
            holder = self.child(ref, "genericodeIdentification")
            holder = holder if holder is not None else ref
            uri = self.text(holder, "canonicalIdentification")
            version = self.text(holder, "version") or None
        self.stats["xml_codelists"] += 1
        entries = resolve(self.codelists, uri, version) if uri else None
        if not uri:
            uri = f"urn:fim:unbekannt:{node.fim_id or slug(node.label)}"
        field["codelist"] = {"uri": uri[:500], "version": version[:100] if version else None}
        if entries:
            self.stats["codelists_resolved"] += 1
            seen: set[str] = set()
            field["choices"] = []
            for code, label in entries:
                if code and code not in seen and len(code) <= 100:
                    seen.add(code)
                    field["choices"].append({"value": code, "label": (label or code)[:500]})
            return
        field["codelist"]["missing"] = True
        self.unresolved.setdefault((uri, version), []).append(node.fim_id or node.label)
        self.notes.append(
            f"Die Codeliste {uri}{f' (Version {version})' if version else ''} des Auswahlfelds „{node.label}“ "
            "liegt nicht vor; das Formular kann erst veröffentlicht werden, wenn sie hochgeladen ist."
        )

    def _constraints(self, el: Element, name: str) -> dict[str, Any]:
        found = self.child(el, "praezisierung")
        if found is None:
            return {}
        raw: dict[str, Any] = dict(found.attrib)
        body = (found.text or "").strip()
        if not raw and body:
            old = re.fullmatch(r"(\d{1,6})(?:\s*\.\.\s*(\d{1,6}))?", body)
            if old and old.group(2):  # 2.0 "1..31": a range (values for numbers, lengths for text)
                low, high = int(old.group(1)), int(old.group(2))
                raw = {"minValue": low, "maxValue": high, "minLength": len(str(low)), "maxLength": len(str(high))}
            elif old:  # 2.0 "5": the length
                raw = {"maxLength": int(old.group(1))}
            else:
                try:
                    parsed = json.loads(body)
                    raw = parsed if isinstance(parsed, dict) else {}
                except ValueError:
                    self.notes.append(f"Die Präzisierung „{body[:80]}“ von „{name}“ ist unbekannt und fehlt.")
        out: dict[str, Any] = {}
        for key in ("minLength", "maxLength"):
            if str(raw.get(key, "")).strip().isdigit():
                out[key] = int(str(raw[key]).strip())
        if "minLength" in out and "maxLength" in out and out["minLength"] > out["maxLength"]:
            del out["minLength"]
        for key in ("minValue", "maxValue", "pattern"):
            if raw.get(key) not in (None, ""):
                out[key] = str(raw[key])
        pattern = out.get("pattern")
        if pattern is not None:
            if re.fullmatch(r"[A-Za-zÄÖÜäöüß ,.-]+", pattern):  # prose such as "Mehrfachauswahl", not a pattern
                del out["pattern"]
                self.notes.append(f"Die Präzisierung „{pattern}“ von „{name}“ ist kein Muster und fehlt.")
            else:
                try:
                    re.compile(pattern)
                except re.error:
                    del out["pattern"]
                    self.notes.append(
                        f"Das Muster „{pattern}“ von „{name}“ ist kein gültiger regulärer Ausdruck und fehlt."
                    )
                else:
                    if len(pattern) > 500:
                        del out["pattern"]
        return out

    def _values(self, el: Element) -> list[dict[str, str]]:
        werte = self.child(el, "werte")
        if werte is None:
            return []
        choices, seen = [], set()
        for wert in self.children(werte, "wert"):
            code, name = self.text(wert, "code"), self.text(wert, "name")
            if code and code not in seen and len(code) <= 100:
                seen.add(code)
                choices.append({"value": code, "label": (name or code)[:500]})
        return choices


def _number(value: Any) -> int | float | None:
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    if number != number or abs(number) >= 1e12:
        return None
    return int(number) if number.is_integer() else number
