"""Import → review → publish of online forms (FIM XDatenfelder schemas or Rathaus JSON).

An upload becomes a :class:`FormImport` waiting for review: the definition, what the importer translated,
approximated and dropped (with FIM ids), the code lists still missing, the changes against the version the
citizens use now. Publishing is refused while code lists are missing or the definition is broken; it makes
the import the service's next :class:`FormVersion` (``services.publish_form``). Code lists uploaded later are
picked up by importing the kept source again (:func:`refresh`).
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus import formengine
from rathaus.catalog.models import Service
from rathaus.core import jsonload
from rathaus.core import text as core_text
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.formengine import xdatenfelder
from rathaus.tenants.models import Municipality

from . import codelists, selectors, services
from .fim_files import SourceFile, read_files
from .fim_models import FormImport
from .models import FormVersion

if TYPE_CHECKING:
    from rathaus.identity.models import User

_QUOTED = re.compile(r"„([^“]+)“")
_FIM_ID = re.compile(r"\b([FGSR]\d{5,14})\b")
_DROPPED = ("nicht übernommen", "fehlt", "ausgelassen", "ignoriert", "verloren", "nicht ausgeführt")


@dataclass
class Imported:
    definition: dict[str, Any]
    report: list[dict[str, str]]
    missing: list[dict[str, Any]]
    problems: list[str]
    fim_id: str


def _run(tenant: Municipality, kind: str, source: bytes) -> Imported:
    """Import ``source`` with the municipality's current code lists."""
    if kind == "json":
        try:
            loaded = jsonload.loads(source)
        except jsonload.JsonTooDeep:
            raise ValidationFailed(_("Die JSON-Datei ist zu tief verschachtelt.")) from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValidationFailed(_("Die Datei ist weder JSON noch XDatenfelder-XML.")) from None
        if not isinstance(loaded, dict):
            raise ValidationFailed(_("Die Definition muss ein JSON-Objekt sein."))
        if core_text.storable(loaded) != loaded:  # NUL or a lone surrogate: PostgreSQL cannot store it
            raise ValidationFailed(
                _("Die Definition enthält unsichtbare Steuerzeichen (NUL oder einzelne Surrogate); bitte entfernen.")
            )
        return Imported(loaded, [], _marked_missing(loaded), _problems(loaded), str(loaded.get("fim_id") or "")[:40])
    try:
        if "codelists" in inspect.signature(xdatenfelder.read_xdatenfelder).parameters:
            result = xdatenfelder.read_xdatenfelder(source, codelists=codelists.resolver(tenant))
        else:  # the importer before the code-list contract (helper E's change) landed
            result = xdatenfelder.read_xdatenfelder(source)
    except xdatenfelder.XDatenfelderError as exc:
        raise ValidationFailed(_("Das XDatenfelder-Schema ist nicht lesbar: %(e)s") % {"e": exc}) from None
    definition = dict(result.definition)
    unresolved = getattr(result, "unresolved_codelists", None)
    if unresolved is None:  # an importer without the resolver report: read the references ourselves
        missing = [ref.as_dict() for ref in codelists.missing(tenant, source)]
    else:
        missing = [{"uri": u.uri, "version": u.version or "", "fields": list(u.fields)} for u in unresolved]
    known = {(m["uri"], m["version"]) for m in missing}
    missing += [m for m in _marked_missing(definition) if (m["uri"], m["version"]) not in known]
    notes = [*result.notes, *(_rule_entry(rule) for rule in getattr(result, "rules", []))]
    report = _report(definition, notes, _names(source))
    return Imported(definition, report, missing, _problems(definition), str(definition.get("fim_id") or ""))


def _rule_entry(rule: Any) -> dict[str, str]:
    """A FIM rule as the importer reports it: translated, approximated or listed for review (dropped)."""
    status = str(getattr(rule, "status", ""))
    kind = status if status in ("translated", "approximated") else "dropped"
    fim_id = getattr(rule, "fim_id", None) or getattr(rule, "id", None) or getattr(rule, "ident", None) or ""
    name = getattr(rule, "name", "") or ""
    text = getattr(rule, "text", None) or getattr(rule, "description", None) or ""
    what = getattr(rule, "effect", None) or getattr(rule, "reason", None) or ""
    parts = [p for p in (_("Regel »%(n)s«") % {"n": name} if name else _("Regel"), str(text)[:500], str(what)) if p]
    return {
        "kind": kind,
        "fim_id": str(fim_id),
        "text": ": ".join(parts[:2]) + (f" ({parts[2]})" if len(parts) > 2 else ""),
    }


def _marked_missing(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Code lists the definition's fields mark as missing (a JSON definition saved from an import)."""
    try:
        parsed = formengine.parse_definition(definition)
    except formengine.DefinitionError:
        return []  # reported as a problem; publishing is refused anyway
    marked = getattr(parsed, "missing_codelists", None)
    if marked is None:
        return []
    return [{"uri": uri, "version": version or "", "fields": list(paths)} for uri, version, paths in marked()]


def _problems(definition: dict[str, Any]) -> list[str]:
    try:
        formengine.parse_definition(definition)
    except formengine.DefinitionError as exc:
        return [f"{path}: {message}" if path else message for path, message in exc.problems] or [str(exc)]
    return []


def _names(source: bytes) -> dict[str, list[str]]:
    """Label → FIM ids of the schema's elements, to give each importer note the id of what it names."""
    out: dict[str, list[str]] = {}
    text = source.decode("utf-8", "replace")
    for match in re.finditer(
        # Bounded look-ahead that never passes the next element's identifikation: an element's name and label
        # follow its id closely (a rule has no label: it must not take the next field's); never scan the file.
        r"<(?:\w+:)?identifikation>\s*<(?:\w+:)?id>([A-Z]\d{2}[\w-]{3,60})</(?:\w+:)?id>"
        r"(?:(?!<(?:\w+:)?identifikation>).){0,400}?<(?:\w+:)?name>([^<]{1,300})</(?:\w+:)?name>"
        r"(?:(?:(?!<(?:\w+:)?identifikation>).){0,3000}?<(?:\w+:)?bezeichnungEingabe>([^<]{1,300})<)?",
        text[:20_000_000],
        re.S,
    ):
        ident, *labels = match.groups()
        for label in labels:
            if label:
                ids = out.setdefault(" ".join(label.split()), [])
                if ident not in ids:
                    ids.append(ident)
    return out


def _report(definition: dict[str, Any], notes: list[Any], names: dict[str, list[str]]) -> list[dict[str, str]]:
    """Translated (every field that arrived, with its FIM id), then approximated and dropped from the notes."""
    report = [
        {"kind": "translated", "fim_id": f.get("fim_id", ""), "text": f"{' › '.join(trail)}: {f.get('type', '')}"}
        for trail, f in _keyed(definition).values()
    ]
    for note in notes:
        if isinstance(note, dict):  # a structured report entry of the importer
            report.append({k: str(note.get(k) or "") for k in ("kind", "fim_id", "text")})
            continue
        text = str(note)
        ids = _FIM_ID.findall(text)
        for quoted in _QUOTED.findall(text):
            ids += [i for i in names.get(" ".join(quoted.split()), []) if i not in ids]
        kind = "dropped" if any(word in text for word in _DROPPED) else "approximated"
        report.append({"kind": kind, "fim_id": ", ".join(ids[:5]), "text": text})
    return report


def _keyed(definition: dict[str, Any]) -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """Fields by their place (the path of FIM ids, else of ids), so versions can be compared field by field:
    a FIM field keeps its id when the editorial office renames it, so a new label is a change, not a swap."""
    out: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}

    def walk(node: Any, ids: tuple[str, ...], trail: tuple[str, ...]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, ids, trail)
            return
        if not isinstance(node, dict):
            return
        if "type" in node and "label" in node and "fields" not in node and "groups" not in node:
            key = ".".join((*ids, str(node.get("fim_id") or node.get("id"))))
            out[key] = ((*trail, str(node["label"])), node)
            return
        here_ids = (*ids, str(node.get("fim_id") or node["id"])) if "id" in node else ids
        here_trail = (*trail, str(node["title"])) if node.get("title") else trail
        for child in ("groups", "fields", "children", "items"):
            walk(node.get(child), here_ids, here_trail)

    walk(definition.get("steps"), (), ())
    return out


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Fields added, removed and changed from ``old`` to ``new`` (each with its place, FIM id and what changed)."""
    if old is None:
        return {"added": [], "removed": [], "changed": []}
    before, after = _keyed(old), _keyed(new)
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    for key, (trail, field) in after.items():
        if key not in before:
            out["added"].append({"place": " › ".join(trail), "fim_id": field.get("fim_id", "")})
    for key, (trail, field) in before.items():
        if key not in after:
            out["removed"].append({"place": " › ".join(trail), "fim_id": field.get("fim_id", "")})
            continue
        new_trail, new_field = after[key]
        what = [_describe(attr, field.get(attr), new_field.get(attr)) for attr in sorted({*field, *new_field} - {"id"})]
        what = [w for w in what if w]
        if new_trail != trail:
            what.insert(
                0, _("Bezeichnung/Ort: »%(a)s« → »%(b)s«") % {"a": " › ".join(trail), "b": " › ".join(new_trail)}
            )
        if what:
            out["changed"].append({"place": " › ".join(new_trail), "fim_id": new_field.get("fim_id", ""), "what": what})
    return out


def _describe(attr: str, old: Any, new: Any) -> str:
    if old == new or attr == "label":
        return ""
    if attr == "choices":
        old_values = {c.get("value"): c.get("label") for c in old or []}
        new_values = {c.get("value"): c.get("label") for c in new or []}
        added = [v for v in new_values if v not in old_values]
        removed = [v for v in old_values if v not in new_values]
        relabelled = [v for v in new_values if v in old_values and new_values[v] != old_values[v]]
        return _("Auswahl: %(a)d Werte neu, %(r)d entfernt, %(c)d umbenannt") % {
            "a": len(added), "r": len(removed), "c": len(relabelled),
        }  # fmt: skip

    def show(value: Any) -> str:
        if value is None:
            return "–"
        return json.dumps(value, ensure_ascii=False)[:80] if not isinstance(value, str) else value[:80]

    return f"{attr}: {show(old)} → {show(new)}"


# --------------------------------------------------------------------------- use cases


def import_form(*, service: Service, uploads: list[tuple[str, bytes]], actor: User | None) -> FormImport:
    """Read the upload (schema or JSON, alone or with its code lists, zipped or as several files), store its
    code lists and keep the form for review. Nothing is published. All or nothing: on ``ValidationFailed``
    neither code lists nor the import are stored."""
    files = read_files(uploads)
    forms = [f for f in files if f.kind in ("xdatenfelder", "json")]
    lists = codelists.parse_all(files)
    if not forms and lists:
        raise ValidationFailed(_("Die Dateien enthalten nur Codelisten, kein Formular. Codelisten laden Sie unten."))
    if not forms:
        unknown = ", ".join(f.name for f in files if f.kind == "unknown")[:300]
        raise ValidationFailed(_("Die Datei ist weder JSON noch XDatenfelder-XML (%(names)s).") % {"names": unknown})
    if len(forms) > 1:
        raise ValidationFailed(
            _("Die Dateien enthalten mehrere Formulare (%(names)s); bitte laden Sie eines.")
            % {"names": ", ".join(f.name for f in forms)[:300]}
        )
    chosen: SourceFile = forms[0]
    tenant = service.tenant
    with transaction.atomic():
        codelists.store_codelists(tenant=tenant, lists=lists, actor=actor)
        imported = _run(tenant, chosen.kind, chosen.data)
        return FormImport.objects.create(
            tenant=tenant, service=service, source=chosen.data, source_name=core_text.storable(chosen.name)[:300],
            source_kind=chosen.kind, fim_id=imported.fim_id[:40], definition=imported.definition,
            report=imported.report, missing_codelists=imported.missing, problems=imported.problems,
            base_version=selectors.current_form(tenant, service), created_by=actor,
        )  # fmt: skip


def pending_import(tenant: Municipality, uuid: Any) -> FormImport:
    found = FormImport.objects.for_tenant(tenant).select_related("service", "base_version").filter(uuid=uuid).first()
    if found is None:
        raise NotFound(_("Diesen Import gibt es nicht."))
    return found


def refresh(*, form_import: FormImport) -> FormImport:
    """Import the kept source again with today's code lists (a pending import only)."""
    if form_import.state != FormImport.State.PENDING:
        return form_import
    imported = _run(form_import.service.tenant, form_import.source_kind, bytes(form_import.source))
    changed = (
        imported.definition != form_import.definition
        or imported.missing != form_import.missing_codelists
        or imported.report != form_import.report
        or imported.problems != form_import.problems
    )
    if changed:
        FormImport.objects.for_tenant(form_import.tenant_id).filter(
            pk=form_import.pk, state=FormImport.State.PENDING
        ).update(
            definition=imported.definition, report=imported.report, missing_codelists=imported.missing,
            problems=imported.problems,
        )  # fmt: skip
        form_import.definition, form_import.report = imported.definition, imported.report
        form_import.missing_codelists, form_import.problems = imported.missing, imported.problems
    return form_import


def refresh_pending(*, tenant: Municipality) -> int:
    """Re-import every pending import of the municipality (after new code lists arrived); returns how many."""
    pending = FormImport.objects.for_tenant(tenant).filter(state=FormImport.State.PENDING).select_related("service")
    count = 0
    for form_import in pending:
        try:
            refresh(form_import=form_import)
            count += 1
        except ValidationFailed:
            continue  # it was readable when imported; if it no longer is, its page says so
    return count


def publish(*, form_import: FormImport, actor: User | None) -> FormVersion:
    """Publish a reviewed import as the service's next form version.

    Refused (``ValidationFailed``, with the list) while code lists are missing or the definition is broken,
    and for an import that is no longer pending. On return the version is committed and the import marked."""
    if form_import.state != FormImport.State.PENDING:
        raise ValidationFailed(_("Dieser Import ist schon veröffentlicht oder verworfen."))
    refresh(form_import=form_import)
    if form_import.missing_codelists:
        raise ValidationFailed(
            _("Es fehlen noch Codelisten: %(lists)s")
            % {"lists": "; ".join(f"{m['uri']} {m['version']}".strip() for m in form_import.missing_codelists)}
        )
    if form_import.problems:
        raise ValidationFailed(_("Die Definition ist fehlerhaft: %(p)s") % {"p": "; ".join(form_import.problems)})
    version = services.publish_form(service=form_import.service, definition=form_import.definition)
    FormImport.objects.for_tenant(form_import.tenant_id).filter(
        pk=form_import.pk, state=FormImport.State.PENDING
    ).update(state=FormImport.State.PUBLISHED, published_version=version, decided_by=actor, decided_at=timezone.now())
    return version


def discard(*, form_import: FormImport, actor: User | None) -> bool:
    """Drop a pending import; True if this call discarded it."""
    return bool(
        FormImport.objects.for_tenant(form_import.tenant_id)
        .filter(pk=form_import.pk, state=FormImport.State.PENDING)
        .update(state=FormImport.State.DISCARDED, decided_by=actor, decided_at=timezone.now())
    )


def pending_imports(tenant: Municipality) -> Any:
    return (
        FormImport.objects.for_tenant(tenant)
        .filter(state=FormImport.State.PENDING)
        .select_related("service")
        .defer("source", "definition", "report")
        .order_by("-created_at")
    )
