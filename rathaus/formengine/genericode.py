"""Code lists in OASIS genericode 1.0 (as FIM publishes them), and the code-list contract of the importer.

The contract between the XDatenfelder importer and whoever stores code lists (helper G's upload and
storage, or a test's mapping) is this and nothing more:

* A code list is named by its **canonical URI** (genericode ``Identification/CanonicalUri``, XDatenfelder
  ``canonicalIdentification``) and a **version** (genericode ``Identification/Version``, XDatenfelder
  ``version``; may be ``None`` when the schema names none).
* A **resolver** is either a callable ``(uri, version) -> list[tuple[code, label]] | None`` or a mapping
  ``{(uri, version): [(code, label), ...]}``. ``None`` (or a missing key) means "not known"; the importer
  then does not invent a text box: it reports the reference (``XdfImport.unresolved_codelists``: URI,
  version, field ids) and marks the field (``Field.codelist.missing``) so that publishing can refuse it
  (``FormDefinition.missing_codelists()``).
* A mapping is looked up with the exact version first, then with ``(uri, None)`` ("any version") — a
  store that keeps only the newest version of a list can register it under ``(uri, None)``.

``parse_genericode(xml_bytes)`` reads one genericode document into a ``CodeList``;
``resolver(code_lists)`` makes a mapping resolver from parsed lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Union
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree

GC_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"

Entries = list[tuple[str, str]]
CodelistResolver = Union[  # noqa: UP007 - a runtime alias
    Callable[[str, "str | None"], "Entries | None"], Mapping[tuple[str, "str | None"], Entries]
]


class GenericodeError(ValueError):
    """Not a genericode code list this module can read (German message)."""


@dataclass(frozen=True)
class CodeList:
    uri: str
    version: str | None
    short_name: str
    entries: tuple[tuple[str, str], ...]  # (code, label) in document order, codes unique


def parse_genericode(xml_bytes: bytes) -> CodeList:
    """The code list of a genericode document: codes from the ``codeKey`` column (else the first required
    column), labels from the first other column whose id or short name says "name" (else the code)."""
    try:
        root = SafeElementTree.fromstring(xml_bytes)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise GenericodeError(f"Die Codeliste ist kein lesbares XML: {exc}") from None
    if root.tag != f"{{{GC_NS}}}CodeList":
        raise GenericodeError("Die Datei ist keine genericode-Codeliste (CodeList 1.0).")
    uri = _text(root, "Identification/CanonicalUri")
    if not uri:
        raise GenericodeError("Der Codeliste fehlt die CanonicalUri.")
    version = _text(root, "Identification/Version") or None
    columns = root.findall(f"{{{GC_NS}}}ColumnSet/{{{GC_NS}}}Column")
    column_ids = [c.get("Id", "") for c in columns]
    if not column_ids:
        raise GenericodeError("Die Codeliste hat keine Spalten.")
    code_column = ""
    for key in root.findall(f"{{{GC_NS}}}ColumnSet/{{{GC_NS}}}Key"):
        ref = key.find(f"{{{GC_NS}}}ColumnRef")
        if key.get("Id") == "codeKey" and ref is not None:
            code_column = ref.get("Ref", "")
    if code_column not in column_ids:
        required = [c.get("Id", "") for c in columns if c.get("Use") == "required"]
        code_column = (required or column_ids)[0]
    label_column = _label_column(columns, code_column)
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in root.findall(f"{{{GC_NS}}}SimpleCodeList/{{{GC_NS}}}Row"):
        values = {}
        for value in row.findall(f"{{{GC_NS}}}Value"):
            simple = value.find(f"{{{GC_NS}}}SimpleValue")
            values[value.get("ColumnRef", "")] = " ".join((simple.text or "").split()) if simple is not None else ""
        code = values.get(code_column, "")
        if code and code not in seen:
            seen.add(code)
            entries.append((code, values.get(label_column, "") or code))
    return CodeList(uri, version, _text(root, "Identification/ShortName"), tuple(entries))


def _text(root: Element, path: str) -> str:
    found = root.find("/".join(f"{{{GC_NS}}}{p}" for p in path.split("/")))
    return " ".join((found.text or "").split()) if found is not None else ""


def _label_column(columns: list[Element], code_column: str) -> str:
    others = [c for c in columns if c.get("Id") != code_column]
    for wanted in ("name", "wert", "bezeichnung", "kurz", "beschreibung"):
        for column in others:
            short = column.find(f"{{{GC_NS}}}ShortName")
            names = f"{column.get('Id', '')} {(short.text or '') if short is not None else ''}".lower()
            if wanted in names:
                return column.get("Id", "")
    return others[0].get("Id", "") if others else code_column


def resolver(code_lists: Iterable[CodeList]) -> dict[tuple[str, str | None], Entries]:
    """A mapping resolver: each list under (uri, version), and the newest version also under (uri, None)."""
    out: dict[tuple[str, str | None], Entries] = {}
    newest: dict[str, CodeList] = {}
    for code_list in code_lists:
        out[(code_list.uri, code_list.version)] = list(code_list.entries)
        current = newest.get(code_list.uri)
        if current is None or (code_list.version or "") > (current.version or ""):
            newest[code_list.uri] = code_list
    for uri, code_list in newest.items():
        out[(uri, None)] = list(code_list.entries)
    return out


def resolve(codelists: CodelistResolver | None, uri: str, version: str | None) -> Entries | None:
    """The entries for (uri, version) from a resolver of either kind; None when unknown."""
    if codelists is None or not uri:
        return None
    if callable(codelists):
        found = codelists(uri, version)
    else:
        found = codelists.get((uri, version))
        if found is None:
            found = codelists.get((uri, None))
    if not found:
        return None
    return [(str(code), str(label)) for code, label in found]
