"""Import of FIM data-field schemas (XDatenfelder 2.0 and 3.0) into a form definition dict.

Read: the message ``xdf:xdatenfelder.stammdatenschema.0102`` (or ``xdf:xdatenfelder.datenfeldgruppe.0103``)
in the namespace ``urn:xoev-de:fim:standard:xdatenfelder_2`` or ``…_3.0.0``. A schema (or group) holds
``xdf:struktur`` elements with ``xdf:anzahl`` ("min:max", max may be ``*``) and ``xdf:enthaelt`` with one
``xdf:datenfeldgruppe`` or ``xdf:datenfeld``. A field has ``xdf:feldart`` (input, select, label; 3.0 also
hidden, locked) and ``xdf:datentyp`` (text, date, bool, num, num_int, num_currency, file, obj; 3.0 also
text_latin, time, datetime), each as ``<code>``; constraints in ``xdf:praezisierung`` (2.0: JSON text,
3.0: attributes minLength, maxLength, minValue, maxValue, pattern); 3.0 select values in
``xdf:werte/xdf:wert`` (code, name).

Mapping: each top-level group becomes a step; its own fields a group of that step, each nested group a
further group (deeper nesting is flattened); fields directly in the schema form a step "Angaben".
Cardinality 1:1 = required, a max above 1 = repeat group. What cannot be mapped is listed in the notes:
rules (FIM scripts are not executed), code lists that are only referenced (2.0), fields of type obj, time
or datetime, label/hidden/locked fields (labels become group help).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree

from .definition import DefinitionError
from .parsing import parse_definition

NAMESPACES = {
    "urn:xoev-de:fim:standard:xdatenfelder_2": "2",
    "urn:xoev-de:fim:standard:xdatenfelder_3.0.0": "3",
}
MAX_REPEAT = 50


class XDatenfelderError(ValueError):
    """The XML is not an XDatenfelder schema this importer understands (German message)."""


@dataclass
class XdfImport:
    definition: dict[str, Any]
    notes: list[str] = dc_field(default_factory=list)


def import_xdatenfelder(xml_bytes: bytes) -> dict[str, Any]:
    """A definition dict (valid for ``parse_definition``) from an XDatenfelder 2.0/3.0 message."""
    return read_xdatenfelder(xml_bytes).definition


def read_xdatenfelder(xml_bytes: bytes) -> XdfImport:
    """The definition dict and German notes on everything that was not taken over."""
    try:
        root = SafeElementTree.fromstring(xml_bytes)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise XDatenfelderError(f"Die Datei ist kein lesbares XML: {exc}") from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES:
        raise XDatenfelderError(f"Unbekannter Namensraum „{ns}“; erwartet wird XDatenfelder 2.0 oder 3.0.")
    reader = _Reader(ns)
    schema = reader.child(root, "stammdatenschema")
    if schema is None:
        schema = reader.child(root, "datenfeldgruppe")
    if schema is None:
        raise XDatenfelderError("Die Nachricht enthält weder ein Stammdatenschema noch eine Datenfeldgruppe.")
    definition = reader.definition(schema)
    try:
        parse_definition(definition)
    except DefinitionError as exc:
        raise XDatenfelderError(f"Das Ergebnis des Imports ist keine gültige Definition: {exc}") from None
    return XdfImport(definition, list(dict.fromkeys(reader.notes)))


def slug(text: str, fallback: str = "feld") -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not text or not text[0].isalpha():
        text = f"{fallback}_{text}".strip("_")
    return text[:60]


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base[:56]}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _cardinality(value: str) -> tuple[int, int | None]:
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+|\*)\s*", value or "1:1")
    if not match:
        return 1, 1
    low, high = match.groups()
    return int(low), None if high == "*" else int(high)


class _Reader:
    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.version = NAMESPACES[ns]
        self.notes: list[str] = []

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

    def structure(self, el: Element) -> list[tuple[str, Element, tuple[int, int | None]]]:
        out = []
        for struct in self.children(el, "struktur"):
            contains = self.child(struct, "enthaelt")
            if contains is None:
                continue
            cardinality = _cardinality(self.text(struct, "anzahl"))
            for kind in ("datenfeldgruppe", "datenfeld"):
                element = self.child(contains, kind)
                if element is not None:
                    out.append((kind, element, cardinality))
        return out

    # --- mapping -----------------------------------------------------------------------------------

    def definition(self, schema: Element) -> dict[str, Any]:
        self._rules(schema)
        steps: list[dict[str, Any]] = []
        step_ids: set[str] = set()
        loose: list[tuple[Element, tuple[int, int | None]]] = []
        for kind, element, cardinality in self.structure(schema):
            if kind == "datenfeld":
                loose.append((element, cardinality))
                continue
            groups = self._groups(element, cardinality, top=True)
            if groups:
                step_id = _unique(slug(self.text(element, "name") or self.label(element), "schritt"), step_ids)
                steps.append({"id": step_id, "title": self.label(element), "groups": groups})
        if loose:
            group = self._group("angaben", "Angaben", schema, loose, (1, 1))
            if group:
                steps.insert(0, {"id": _unique("angaben", step_ids), "title": "Angaben", "groups": [group]})
        if not steps:
            raise XDatenfelderError("Das Schema enthält keine übernehmbaren Datenfelder.")
        ident = self.ident(schema)
        out: dict[str, Any] = {
            "id": slug(self.text(schema, "name") or ident or "fim-formular").replace("_", "-")[:100],
            "version": 1,
            "title": self.label(schema),
            "steps": steps,
        }
        description = self.text(schema, "beschreibung")
        source = f"Importiert aus FIM-Stammdatenschema {ident} (XDatenfelder {self.version}.0)." if ident else ""
        out["description"] = " ".join(p for p in (description, source) if p)[:4000] or None
        if re.fullmatch(r"S\d{5,14}", ident):
            out["fim_id"] = ident
        return {k: v for k, v in out.items() if v is not None}

    def _groups(self, element: Element, cardinality: tuple[int, int | None], *, top: bool) -> list[dict[str, Any]]:
        """The group for the element's own fields, then one per nested group (deeper levels flattened)."""
        self._rules(element)
        fields = [(el, card) for kind, el, card in self.structure(element) if kind == "datenfeld"]
        nested = [(el, card) for kind, el, card in self.structure(element) if kind == "datenfeldgruppe"]
        groups: list[dict[str, Any]] = []
        taken: set[str] = set()
        if fields:
            group_id = _unique(slug(self.text(element, "name") or "angaben", "gruppe"), taken)
            group = self._group(group_id, self.label(element), element, fields, cardinality if top else (1, 1))
            if group:
                groups.append(group)
        for child, child_card in nested:
            if any(kind == "datenfeldgruppe" for kind, _el, _c in self.structure(child)):
                self.notes.append(
                    f"Die Gruppe „{self.label(child)}“ ist tiefer verschachtelt; "
                    "ihre Untergruppen stehen als eigene Gruppen im Schritt."
                )
                if child_card[1] != 1:
                    self.notes.append(
                        f"Die Wiederholung der Gruppe „{self.label(child)}“ ging beim Abflachen verloren."
                    )
                for sub in self._groups(child, child_card, top=False):
                    sub["id"] = _unique(sub["id"], taken)
                    groups.append(sub)
                continue
            child_fields = [(el, card) for kind, el, card in self.structure(child) if kind == "datenfeld"]
            group_id = _unique(slug(self.text(child, "name") or "gruppe", "gruppe"), taken)
            group = self._group(group_id, self.label(child), child, child_fields, child_card)
            if group:
                groups.append(group)
        return groups

    def _group(
        self,
        group_id: str,
        title: str,
        element: Element,
        fields: list[tuple[Element, tuple[int, int | None]]],
        cardinality: tuple[int, int | None],
    ) -> dict[str, Any] | None:
        self._rules(element)
        out: dict[str, Any] = {"id": group_id, "title": title}
        ident = self.ident(element)
        if re.fullmatch(r"G\d{5,14}", ident):
            out["fim_id"] = ident
        help_parts = [self.text(element, "hilfetextEingabe")]
        mapped: list[dict[str, Any]] = []
        taken: set[str] = set()
        for field_el, field_card in fields:
            self._rules(field_el)
            if self.code(field_el, "feldart") == "label":
                help_parts.append(self.text(field_el, "inhalt") or self.label(field_el))
                continue
            field = self._field(field_el, field_card)
            if field is not None:
                field["id"] = _unique(field["id"], taken)
                mapped.append(field)
        if not mapped:
            self.notes.append(f"Die Gruppe „{title}“ enthält keine übernehmbaren Felder und wurde ausgelassen.")
            return None
        help_text = " ".join(p for p in help_parts if p)
        if help_text:
            out["help"] = help_text[:4000]
        low, high = cardinality
        if high is None or high > 1:
            out["repeat"] = {"min": min(low, MAX_REPEAT), "max": min(high or MAX_REPEAT, MAX_REPEAT)}
            out["item_label"] = title
        out["fields"] = mapped
        return out

    def _field(self, el: Element, cardinality: tuple[int, int | None]) -> dict[str, Any] | None:
        name = self.label(el)
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
        field: dict[str, Any] = {"id": slug(self.text(el, "name") or name), "label": name[:500]}
        ident = self.ident(el)
        if re.fullmatch(r"F\d{5,14}", ident):
            field["fim_id"] = ident
        help_text = self.text(el, "hilfetextEingabe")
        if help_text:
            field["help"] = help_text[:4000]
        field["required"] = cardinality[0] >= 1
        if cardinality[1] != 1:
            self.notes.append(
                f"Das Feld „{name}“ darf mehrfach vorkommen ({cardinality[1] or '*'}); übernommen als einzelnes Feld."
            )
        limits = self._constraints(el)
        if feldart == "select":
            choices = self._values(el)
            if choices:
                field.update(type="choice", choices=choices)
                return field
            self.notes.append(
                f"Die Codeliste des Auswahlfelds „{name}“ ist nur verlinkt; das Feld ist als Textfeld übernommen."
            )
            field["type"] = "text"
            return field
        if datentyp in ("text", "text_latin", "time", "datetime"):
            if datentyp in ("time", "datetime"):
                self.notes.append(f"Das Feld „{name}“ ({datentyp}) ist als Textfeld übernommen.")
            max_length = limits.get("maxLength")
            field["type"] = "textarea" if isinstance(max_length, int) and max_length > 255 else "text"
            for source, target in (("minLength", "min_length"), ("maxLength", "max_length")):
                if isinstance(limits.get(source), int):
                    field[target] = limits[source]
            if limits.get("pattern") and field["type"] == "text":
                field["pattern"] = limits["pattern"]
        elif datentyp == "date":
            field["type"] = "date"
        elif datentyp == "bool":
            field["type"] = "yesno"
        elif datentyp in ("num", "num_int", "num_currency"):
            field["type"] = "number"
            if datentyp != "num_int":
                field["decimals"] = 2
            if datentyp == "num_currency":
                field["unit"] = "€"
            for source, target in (("minValue", "min"), ("maxValue", "max")):
                value = _number(limits.get(source))
                if value is not None:
                    field[target] = value
        elif datentyp == "file":
            field["type"] = "file"
            types = [t.text.strip() for t in self.children(el, "mediaType") if t.text and "/" in t.text]
            max_size = self.text(el, "maxSize")
            spec: dict[str, Any] = {}
            if types:
                spec["types"] = types
            if max_size.isdigit() and 0 < int(max_size) <= 100 * 1024 * 1024:
                spec["max_bytes"] = int(max_size)
            if spec:
                field["file"] = spec
        else:
            self.notes.append(
                f"Das Feld „{name}“ hat den unbekannten Datentyp „{datentyp}“ und ist als Textfeld übernommen."
            )
            field["type"] = "text"
        return field

    def _constraints(self, el: Element) -> dict[str, Any]:
        found = self.child(el, "praezisierung")
        if found is None:
            return {}
        raw: dict[str, Any] = dict(found.attrib)
        if not raw and (found.text or "").strip():
            try:
                parsed = json.loads(found.text or "")
                raw = parsed if isinstance(parsed, dict) else {}
            except ValueError:
                self.notes.append(
                    f"Die Präzisierung „{(found.text or '').strip()[:80]}“ ist kein JSON und wurde ignoriert."
                )
        out: dict[str, Any] = {}
        for key in ("minLength", "maxLength"):
            if str(raw.get(key, "")).strip().isdigit():
                out[key] = int(str(raw[key]).strip())
        for key in ("minValue", "maxValue", "pattern"):
            if raw.get(key) not in (None, ""):
                out[key] = str(raw[key])
        if "pattern" in out:
            try:
                re.compile(out["pattern"])
            except re.error:
                self.notes.append(
                    f"Das Muster „{out.pop('pattern')}“ ist kein gültiger regulärer Ausdruck und wurde ignoriert."
                )
        return out

    def _values(self, el: Element) -> list[dict[str, str]]:
        werte = self.child(el, "werte")
        if werte is None:
            return []
        choices, seen = [], set()
        for wert in self.children(werte, "wert"):
            code, name = self.text(wert, "code"), self.text(wert, "name")
            if code and code not in seen:
                seen.add(code)
                choices.append({"value": code[:100], "label": (name or code)[:500]})
        return choices

    def _rules(self, el: Element) -> None:
        for rule in self.children(el, "regel"):
            text = self.text(rule, "freitextRegel") or self.text(rule, "beschreibung")
            self.notes.append(
                f"Die Regel „{self.text(rule, 'name') or self.ident(rule)}“ wurde nicht übernommen"
                + (f" ({text[:200]})" if text else "")
                + "; bitte als Regel der Definition nachbilden."
            )


def _number(value: Any) -> int | float | None:
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else number
