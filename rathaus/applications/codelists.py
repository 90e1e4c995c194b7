"""The municipality's FIM code lists: store uploaded versions, resolve references, list what is missing.

A code list version is stored once and never changes. Uploading the same version again with the same entries
changes nothing; with other entries it is refused (a changed list must come with a new version).

References in a schema name a code list by canonical URI and version (XDatenfelder 2.0:
``codelisteReferenz/genericodeIdentification``, 3.0: ``codelisteReferenz``). A reference without a version
takes the newest stored version of that URI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeElementTree
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rathaus.core.errors import ValidationFailed
from rathaus.tenants.models import Municipality

from .fim_files import ParsedCodeList, SourceFile, parse_genericode
from .fim_models import CodeList

if TYPE_CHECKING:
    from rathaus.identity.models import User

Resolver = Callable[[str, "str | None"], "list[tuple[str, str]] | None"]


@dataclass
class StoreResult:
    created: list[CodeList] = field(default_factory=list)
    unchanged: list[CodeList] = field(default_factory=list)


def _digest(entries: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(entries, ensure_ascii=False).encode()).hexdigest()


def parse_all(files: list[SourceFile]) -> list[ParsedCodeList]:
    """The genericode files of an upload, parsed; one list per URI and version (a doubled file counts once)."""
    out: dict[tuple[str, str], ParsedCodeList] = {}
    for source in files:
        if source.kind != "genericode":
            continue
        parsed = parse_genericode(source.data, source_name=source.name)
        known = out.get((parsed.uri, parsed.version))
        if known is not None and known.entries != parsed.entries:
            raise ValidationFailed(
                _("Die Codeliste %(uri)s, Version %(version)s, kommt zweimal mit verschiedenen Einträgen vor.")
                % {"uri": parsed.uri, "version": parsed.version or "–"}
            )
        out[(parsed.uri, parsed.version)] = parsed
    return list(out.values())


def store_codelists(*, tenant: Municipality, lists: list[ParsedCodeList], actor: User | None) -> StoreResult:
    """Store each list version not stored yet. All or nothing: a conflicting version refuses the whole upload.

    On return the lists are committed (or were already there with the same entries)."""
    result = StoreResult()
    with transaction.atomic():
        for parsed in lists:
            entries = [(str(c), str(label)) for c, label in parsed.entries]
            stored = CodeList.objects.for_tenant(tenant).filter(canonical_uri=parsed.uri, version=parsed.version)
            existing = stored.first()
            if existing is None:
                try:
                    with transaction.atomic():
                        existing = CodeList.objects.create(
                            tenant=tenant, canonical_uri=parsed.uri, version=parsed.version, name=parsed.name,
                            entries=[list(e) for e in entries], source_name=parsed.source_name,
                            sha256=_digest(entries), uploaded_by=actor,
                        )  # fmt: skip
                    result.created.append(existing)
                    continue
                except IntegrityError:  # stored at the same moment by someone else: compare with theirs
                    existing = stored.get()
            if [tuple(e) for e in existing.entries] != entries:
                raise ValidationFailed(
                    _(
                        "Die Codeliste %(uri)s, Version %(version)s, ist schon mit anderen Einträgen gespeichert. "
                        "Eine geänderte Codeliste braucht eine neue Version."
                    )
                    % {"uri": parsed.uri, "version": parsed.version or "–"}
                )
            result.unchanged.append(existing)
    return result


def resolver(tenant: Municipality) -> Resolver:
    """A resolver for the importer: (canonical URI, version or None) → [(code, label), …] or None if missing."""
    cache: dict[tuple[str, str | None], list[tuple[str, str]] | None] = {}

    def resolve(uri: str, version: str | None) -> list[tuple[str, str]] | None:
        key = (uri, version or None)
        if key not in cache:
            rows = CodeList.objects.for_tenant(tenant).filter(canonical_uri=uri)
            row = rows.filter(version=version).first() if version else rows.order_by("-uploaded_at", "-pk").first()
            cache[key] = [(str(c), str(label)) for c, label in row.entries] if row is not None else None
        return cache[key]

    return resolve


@dataclass
class Reference:
    uri: str
    version: str
    fields: list[str]  # FIM ids (or names) of the fields that use it

    def as_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "version": self.version, "fields": self.fields}


def references(xml: bytes) -> list[Reference]:
    """Every code list a schema references from a select field without values of its own, in order."""
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except Exception:  # the importer reports unreadable XML
        return []

    def local(element: Any) -> str:
        return str(element.tag).rsplit("}", 1)[-1]

    def text(element: Any, name: str) -> str:
        found = next((e for e in element.iter() if local(e) == name), None)
        return " ".join((found.text or "").split()) if found is not None else ""

    found: dict[tuple[str, str], Reference] = {}
    for element in root.iter():
        if local(element) != "datenfeld":
            continue
        reference = next((c for c in element if local(c) == "codelisteReferenz"), None)
        if reference is None or any(local(c) == "werte" and len(c) for c in element):
            continue
        uri = text(reference, "canonicalIdentification")
        if not uri:
            continue
        version = text(reference, "version")
        ident = next((c for c in element if local(c) == "identifikation"), None)
        label = (text(ident, "id") if ident is not None else "") or text(element, "name")
        entry = found.setdefault((uri, version), Reference(uri, version, []))
        if label and label not in entry.fields:
            entry.fields.append(label)
    return list(found.values())


def missing(tenant: Municipality, xml: bytes) -> list[Reference]:
    """The references of the schema that no stored code list answers."""
    resolve = resolver(tenant)
    return [ref for ref in references(xml) if resolve(ref.uri, ref.version or None) is None]


def codelists_of(tenant: Municipality) -> Any:
    """The municipality's code lists, newest first (a queryset without the entries)."""
    return CodeList.objects.for_tenant(tenant).defer("entries").order_by("canonical_uri", "-uploaded_at")
