"""Import of FIM data-field schemas (XDatenfelder 2.0 and 3.0) into a form definition dict.

Read: the message ``xdatenfelder.stammdatenschema.0102`` (or ``….datenfeldgruppe.0103``) in the namespace
``urn:xoev-de:fim:standard:xdatenfelder_2`` or ``…_3.0.0``. A schema (or group) holds ``struktur`` elements
with ``anzahl`` ("min:max", max may be ``*``) and ``enthaelt`` with one ``datenfeldgruppe`` or ``datenfeld``.
A field has ``feldart`` (input, select, label; 3.0 also hidden, locked) and ``datentyp`` (text, text_latin,
date, time, datetime, bool, num, num_int, num_currency, file, obj); constraints in ``praezisierung`` (2.0:
JSON text or old forms such as "5" and "1..31"; 3.0: attributes); select values inline (``werte``) or by a
code-list reference (``codelisteReferenz``: canonical URI and version, resolved through ``codelists``,
see ``genericode``). Rules (``regel``) carry free German text (3.0 ``freitextRegel``, 2.0 ``definition``).

Modules: this one reads the tree and lays it out; ``xdf_fields`` maps one field (types, constraints, code
lists); ``xdf_rules`` translates the rules; ``genericode`` reads code lists and states the resolver contract.

Mapping (the engine's definitions are steps → groups → fields, one level of repetition):

* each top-level group is a step, fields directly in the schema a step "Angaben"; inside a step every group
  with own fields is a group of the step, titled with its parent ("Gesetzlicher Vertreter: Erreichbarkeit");
* a repeating group (max > 1, also a top-level one) becomes ONE repeat group holding its whole subtree (labels
  of sub-group fields carry the sub-group title); a repetition inside it becomes a sub-group of it, repeated
  per item (persons, each with several nationalities), to any depth;
* a field that may occur more than once: a select becomes a multiple choice, any other field a repeat group
  of its own (inside a repeat group: a sub-group of it);
* required: a field is required only when it and every enclosing group are required; a field inside an
  optional group is required once the applicant starts filling that group (``required_if``) — or, when a
  rule shows the group, as soon as it is shown;
* rules: the common patterns are translated into the engine's own conditions (``visible_if``) and
  cross-field rules (``rules``): "WENN F = x DANN aktiviere/zeige/muss G befüllt sein" (show and require),
  "Es muss entweder G1 oder G2 befüllt werden", "mindestens eines der Felder", "Wenn F1 nicht leer, dann darf
  F2 nicht leer sein", the validity of a date from day/month/year fields. Every other rule is listed for
  review with its full text and FIM id (``XdfImport.rules``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree

from .definition import DefinitionError
from .genericode import CodelistResolver
from .parsing import parse_definition
from .xdf_fields import NAMESPACES, FieldReader, slug
from .xdf_rules import RuleReport, Translation, translate_rules

MAX_REPEAT = 50


class XDatenfelderError(ValueError):
    """The XML is not an XDatenfelder schema this importer understands (German message)."""


@dataclass
class UnresolvedCodelist:
    uri: str
    version: str | None
    fields: list[str]  # FIM ids (or names) of the fields that reference it


@dataclass
class XdfImport:
    definition: dict[str, Any]
    notes: list[str] = dc_field(default_factory=list)
    unresolved_codelists: list[UnresolvedCodelist] = dc_field(default_factory=list)
    rules: list[RuleReport] = dc_field(default_factory=list)
    stats: dict[str, int] = dc_field(default_factory=dict)

    @property
    def rules_for_review(self) -> list[RuleReport]:
        return [r for r in self.rules if r.status != "translated"]


def import_xdatenfelder(xml_bytes: bytes, *, codelists: CodelistResolver | None = None) -> dict[str, Any]:
    """A definition dict (valid for ``parse_definition``) from an XDatenfelder 2.0/3.0 message."""
    return read_xdatenfelder(xml_bytes, codelists=codelists).definition


def read_xdatenfelder(xml_bytes: bytes, *, codelists: CodelistResolver | None = None) -> XdfImport:
    """The definition dict, German notes on what was changed or left out, unresolved code lists, rules."""
    try:
        root = SafeElementTree.fromstring(xml_bytes)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise XDatenfelderError(f"Die Datei ist kein lesbares XML: {exc}") from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES:
        raise XDatenfelderError(f"Unbekannter Namensraum „{ns}“; erwartet wird XDatenfelder 2.0 oder 3.0.")
    reader = _Reader(ns, codelists)
    schema = reader.child(root, "stammdatenschema")
    if schema is None:
        schema = reader.child(root, "datenfeldgruppe")
    if schema is None:
        raise XDatenfelderError("Die Nachricht enthält weder ein Stammdatenschema noch eine Datenfeldgruppe.")
    definition = reader.definition(schema)
    unresolved = [UnresolvedCodelist(uri, version, ids) for (uri, version), ids in reader.unresolved.items()]
    return XdfImport(definition, list(dict.fromkeys(reader.notes)), unresolved, reader.rule_reports, reader.stats)


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


# --- the tree as read ------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    """One occurrence of a group or field in the schema tree (a reused group occurs several times)."""

    kind: str  # "group" or "field"
    el: Element
    fim_id: str
    label: str
    card: tuple[int, int | None]
    parent: Node | None = None
    children: list[Node] = dc_field(default_factory=list)
    # set by the layout
    flat: FlatGroup | None = None  # fields: the group they landed in
    field: dict[str, Any] | None = None  # fields: the mapped field (None when left out)

    @property
    def repeats(self) -> bool:
        return self.card[1] != 1

    @property
    def optional(self) -> bool:
        return self.card[0] == 0

    def contains(self, node: Node) -> bool:
        """Whether ``node`` lies inside this node's subtree (or is it)."""
        current: Node | None = node
        while current is not None:
            if current is self:
                return True
            current = current.parent
        return False

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out += child.walk()
        return out

    def fields(self) -> list[Node]:
        return [n for n in self.walk() if n.kind == "field"]

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


@dataclass(eq=False)
class FlatGroup:
    step: FlatStep
    id: str
    title: str
    source: Node  # the group (or multi-value field) it was made from
    fields: list[dict[str, Any]] = dc_field(default_factory=list)
    help: list[str] = dc_field(default_factory=list)
    repeat: tuple[int, int] | None = None
    merged_root: Node | None = None  # a repeat group holding a whole subtree
    field_ids: set[str] = dc_field(default_factory=set)  # ids of its fields and sub-groups (one namespace)
    parent: FlatGroup | None = None  # a sub-group: the repeat group whose items hold its items
    groups: list[FlatGroup] = dc_field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.parent.path if self.parent else self.step.id}.{self.id}"

    def every_group(self) -> list[FlatGroup]:
        return [self] + [g for sub in self.groups for g in sub.every_group()]


@dataclass(eq=False)
class FlatStep:
    id: str
    title: str
    source: Node | None
    groups: list[FlatGroup] = dc_field(default_factory=list)
    group_ids: set[str] = dc_field(default_factory=set)

    def every_group(self) -> list[FlatGroup]:
        """Its groups and their sub-groups, each before its own."""
        return [g for top in self.groups for g in top.every_group()]


class _Reader(FieldReader):
    def __init__(self, ns: str, codelists: CodelistResolver | None) -> None:
        super().__init__(ns, codelists)
        self.rule_reports: list[RuleReport] = []
        self.steps: list[FlatStep] = []
        self.step_ids: set[str] = set()
        self.rules: list[dict[str, Any]] = []

    # --- tree --------------------------------------------------------------------------------------

    def tree(self, el: Element, kind: str, card: tuple[int, int | None], parent: Node | None, depth: int) -> Node:
        node = Node(kind, el, self.ident(el), self.label(el)[:500], card, parent)
        if kind == "group" and depth < 30:
            for struct in self.children(el, "struktur"):
                contains = self.child(struct, "enthaelt")
                if contains is None:
                    continue
                child_card = _cardinality(self.text(struct, "anzahl"))
                for child_kind, tag in (("group", "datenfeldgruppe"), ("field", "datenfeld")):
                    element = self.child(contains, tag)
                    if element is not None:
                        node.children.append(self.tree(element, child_kind, child_card, node, depth + 1))
        return node

    # --- mapping -----------------------------------------------------------------------------------

    def definition(self, schema: Element) -> dict[str, Any]:
        root = self.tree(schema, "group", (1, 1), None, 0)
        everything = root.walk()
        self.stats["xml_fields"] = sum(1 for n in everything if n.kind == "field")
        self.stats["xml_groups"] = sum(1 for n in everything if n.kind == "group") - 1
        self.stats["xml_repetitions"] = sum(1 for n in everything if n.parent is not None and n.repeats)
        loose = [n for n in root.children if n.kind == "field"]
        if loose:
            step = self._step("angaben", "Angaben", root)
            self._lay_out(step, root, "", fields_only=True)
        for node in root.children:
            if node.kind != "group":
                continue
            step = self._step(slug(self.text(node.el, "name") or node.label, "schritt"), node.label, node)
            if node.repeats:
                self._merged(step, node, node.label)
            else:
                self._lay_out(step, node, "")
            if not step.groups:
                self.steps.remove(step)
        self.steps = [s for s in self.steps if s.groups]
        for step in self.steps:
            self._titles(step)
        if not self.steps:
            raise XDatenfelderError("Das Schema enthält keine übernehmbaren Datenfelder.")
        self.rule_reports, translations = translate_rules(self, root)
        try:
            return self._checked(root, schema, translations)
        except DefinitionError:
            pass
        # Some translation made the definition invalid (e.g. a condition circle): add them one by one.
        accepted: list[Translation] = []
        for translation in translations:
            try:
                self._checked(root, schema, [*accepted, translation])
                accepted.append(translation)
            except DefinitionError as exc:
                for report in self.rule_reports:
                    if report.fim_id == translation.fim_id:
                        report.status, report.reason = "review", f"Übersetzung ungültig: {exc}"[:500]
        accepted = [
            t for t in accepted if any(r.fim_id == t.fim_id and r.status == "translated" for r in self.rule_reports)
        ]
        try:
            return self._checked(root, schema, accepted)
        except DefinitionError as exc:
            raise XDatenfelderError(f"Das Ergebnis des Imports ist keine gültige Definition: {exc}") from None

    def _checked(self, root: Node, schema: Element, translations: list[Translation]) -> dict[str, Any]:
        definition = self._build(root, schema, translations)
        parse_definition(definition)
        return definition

    def _titles(self, step: FlatStep) -> None:
        """Each group named by its nearest parent ("Vertreter: Erreichbarkeit"), and by as many further
        ancestors as it takes to tell equal names on one page apart ("Gesetzlich vertretende Person ›
        Anschrift in Deutschland: Straßenanschrift")."""
        chains: dict[int, list[str]] = {}
        for group in step.groups:
            chain: list[str] = []
            node: Node | None = group.source
            while node is not None and node is not step.source and node.parent is not None:
                chain.insert(0, node.label)
                node = node.parent
            chains[id(group)] = chain or [group.title]
        depth = {id(g): min(2, len(chains[id(g)])) for g in step.groups}

        def title(group: FlatGroup) -> str:
            parts = chains[id(group)][-depth[id(group)] :]
            return parts[0] if len(parts) == 1 else " › ".join(parts[:-1]) + ": " + parts[-1]

        for _round in range(10):
            seen: dict[str, list[FlatGroup]] = {}
            for group in step.groups:
                seen.setdefault(title(group), []).append(group)
            grown = False
            for same in seen.values():
                if len({tuple(chains[id(g)]) for g in same}) < 2:
                    continue  # one group continued after a sub-group: the same name is right
                for group in same:
                    if depth[id(group)] < len(chains[id(group)]):
                        depth[id(group)] += 1
                        grown = True
            if not grown:
                break
        for group in step.groups:
            group.title = title(group)[:500]

    def _step(self, base: str, title: str, source: Node | None) -> FlatStep:
        step = FlatStep(_unique(base, self.step_ids), title[:500], source)
        self.steps.append(step)
        return step

    def _group(self, step: FlatStep, source: Node, title: str) -> FlatGroup:
        base = slug(self.text(source.el, "name") or source.label, "gruppe")
        group = FlatGroup(step, _unique(base, step.group_ids), title[:500] or "Angaben", source)
        step.groups.append(group)
        return group

    def _lay_out(self, step: FlatStep, node: Node, parent_title: str, *, fields_only: bool = False) -> None:
        """Groups of ``node``'s subtree in document order: runs of own fields, each child group after them.

        Titles name the nearest parent group below the step ("Gesetzlicher Vertreter: Erreichbarkeit")."""
        title = f"{parent_title}: {node.label}" if parent_title else node.label
        if node.parent is None:
            title = "Angaben"  # fields directly in the schema
        inner = "" if node is step.source else node.label
        run: list[Node] = []
        for child in node.children:
            if fields_only and child.kind != "field":
                continue
            if child.kind == "field" and child.repeats and not self._becomes_multichoice(child):
                self._run(step, node, run, title)
                run = []
                group = self._group(step, child, f"{inner}: {child.label}" if inner else child.label)
                low = child.card[0] if self._chain_required(child) else 0
                group.repeat = (min(low, MAX_REPEAT), min(child.card[1] or MAX_REPEAT, MAX_REPEAT))
                self._add_field(group, child, "")
                if group.fields:
                    self.stats["repetitions_kept"] += 1
                else:
                    step.groups.remove(group)
                continue
            if child.kind == "field":
                run.append(child)
                continue
            self._run(step, node, run, title)
            run = []
            if child.repeats:
                self._merged(step, child, f"{inner}: {child.label}" if inner else child.label)
            else:
                self._lay_out(step, child, inner)
        self._run(step, node, run, title)

    def _run(self, step: FlatStep, node: Node, fields: list[Node], title: str) -> None:
        if not fields:
            return
        group = self._group(step, node, title)
        for field_node in fields:
            self._add_field(group, field_node, "")
        if not group.fields:
            step.groups.remove(group)
            self.notes.append(f"Die Gruppe „{title}“ enthält keine übernehmbaren Felder und wurde ausgelassen.")

    def _merged(self, step: FlatStep, node: Node, title: str) -> None:
        """One repeat group for the whole subtree of the repeating group ``node``."""
        group = self._group(step, node, title)
        low = node.card[0] if self._chain_required(node) else 0
        group.repeat = (min(low, MAX_REPEAT), min(node.card[1] or MAX_REPEAT, MAX_REPEAT))
        group.merged_root = node
        self._fill(group, node)
        if group.fields or group.groups:
            self.stats["repetitions_kept"] += 1
        else:
            step.groups.remove(group)

    def _fill(self, group: FlatGroup, root: Node) -> None:
        """The fields of ``root``'s subtree into the repeat group ``group``; a repetition inside it (a group, or a
        field that may occur several times) becomes a sub-group whose items belong to each item of ``group``."""
        pending = list(root.children)
        while pending:
            sub = pending.pop(0)
            if sub.kind == "group" and not sub.repeats:
                pending[:0] = sub.children  # document order: its content before its next sibling
                continue
            prefix = sub.parent.label if sub.parent is not None and sub.parent is not root else ""
            if not sub.repeats or (sub.kind == "field" and self._becomes_multichoice(sub)):
                self._add_field(group, sub, prefix)
                continue
            inner = self._sub_group(group, sub, root)
            if sub.kind == "group":
                self._fill(inner, sub)
            else:
                self._add_field(inner, sub, "")
            if inner.fields or inner.groups:
                group.groups.append(inner)
                self.stats["repetitions_kept"] += 1

    def _sub_group(self, parent: FlatGroup, node: Node, root: Node) -> FlatGroup:
        """A repeat group inside an item of ``parent`` (whose subtree starts at ``root``). Its minimum holds per
        item of the parent, unless an optional group lies between them."""
        base = slug(self.text(node.el, "name") or node.label, "gruppe")
        inner = FlatGroup(parent.step, _unique(base, parent.field_ids), node.label[:500] or "Angaben", node)
        inner.parent = parent
        between = [a for a in node.ancestors() if root.contains(a) and a is not root]
        low = node.card[0] if all(not a.optional for a in between) else 0
        inner.repeat = (min(low, MAX_REPEAT), min(node.card[1] or MAX_REPEAT, MAX_REPEAT))
        inner.merged_root = node
        return inner

    def _add_field(self, group: FlatGroup, node: Node, prefix: str) -> None:
        el = node.el
        if self.code(el, "feldart") == "label":
            group.help.append(self.text(el, "inhalt") or node.label)
            return
        field = self._field(node, in_repeat=group.repeat is not None and group.source is not node)
        if field is None:
            self.stats["fields_left_out"] += 1
            return
        if prefix and prefix != field["label"]:
            field["label"] = f"{prefix}: {field['label']}"[:500]
        field["id"] = _unique(field["id"], group.field_ids)
        node.flat, node.field = group, field
        group.fields.append(field)

    def _becomes_multichoice(self, node: Node) -> bool:
        return self.code(node.el, "feldart") == "select"

    def _chain_required(self, node: Node) -> bool:
        """Whether every enclosing group of ``node`` is required (below the schema)."""
        return all(not a.optional for a in node.ancestors() if a.parent is not None)

    # --- required: a field inside an optional group counts only once that group is begun ------------

    def content(self, group_node: Node, exclude: Node | None = None) -> dict[str, Any] | None:
        """A condition "the applicant began ``group_node``": any of its groups (or, inside a merged repeat
        group, any of its fields) has a value. None when nothing of it was taken over."""
        leaves: list[dict[str, Any]] = []
        seen: set[str] = set()
        for field_node in group_node.fields():
            if field_node.flat is None or field_node is exclude or field_node.field is None:
                continue
            flat = field_node.flat
            merged = flat.merged_root is not None and not group_node.contains(flat.merged_root)
            if merged:
                path = f"{flat.path}.{field_node.field['id']}"
                if path not in seen:
                    seen.add(path)
                    leaves.append({"field": path, "filled": True})
            elif flat.path not in seen:
                seen.add(flat.path)
                leaves.append({"count": flat.path, "gte": 1})
        if not leaves:
            return None
        return leaves[0] if len(leaves) == 1 else {"any": leaves}

    def _required(
        self,
        root: Node,
        copies: dict[int, dict[str, Any]],
        activated: dict[int, list[dict[str, Any]]],
        require_when: dict[int, list[dict[str, Any]]],
    ) -> None:
        for node in root.fields():
            if node.field is None or node.flat is None:
                continue
            field = copies[id(node.field)]
            if not field.get("required"):
                continue
            flat = node.flat
            conditions = []
            for ancestor in node.ancestors():
                if ancestor.parent is None or ancestor is flat.merged_root:
                    break  # at a repeat group its minimum number of items says the rest
                if not ancestor.optional or id(ancestor) in activated:
                    continue
                began = self.content(ancestor, exclude=node)
                extra = require_when.get(id(ancestor), [])
                if began is None and not extra:
                    field["required"] = False
                    break
                options = ([began] if began is not None else []) + extra
                conditions.append(options[0] if len(options) == 1 else {"any": options})
            if not field["required"] or not conditions:
                continue
            own = field.get("required_if")
            if own is not None:
                conditions.insert(0, own)
            field["required_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}

    # --- output ------------------------------------------------------------------------------------

    def _applies(self, scope: Node, activated: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Conditions under which a rule held by ``scope`` applies: every enclosing group that a rule shows is
        shown, every other optional one is begun."""
        out: list[dict[str, Any]] = []
        for node in [scope, *scope.ancestors()]:
            if node.parent is None:
                break
            if id(node) in activated:
                out += activated[id(node)]
            elif node.optional:
                began = self.content(node)
                if began is not None:
                    out.append(began)
        return out

    def _build(self, root: Node, schema: Element, translations: list[Translation]) -> dict[str, Any]:
        copies = {id(f): copy.deepcopy(f) for s in self.steps for g in s.every_group() for f in g.fields}
        activated: dict[int, list[dict[str, Any]]] = {}
        require_when: dict[int, list[dict[str, Any]]] = {}
        visible: dict[int, list[dict[str, Any]]] = {}
        rules: list[dict[str, Any]] = []
        for translation in translations:
            for effect in translation.effects:
                if effect.kind == "activate":
                    activated.setdefault(effect.target, []).append(effect.value)
                elif effect.kind == "require_when":
                    require_when.setdefault(effect.target, []).append(effect.value)
                elif effect.kind == "visible":
                    visible.setdefault(id(effect.target), []).append(effect.value)
                elif effect.kind == "require_field":
                    copies[id(effect.target)]["required"] = True
                elif effect.kind == "require_field_when":
                    target = copies[id(effect.target)]
                    if not target.get("required"):
                        target["required"] = True
                        target["required_if"] = _either(target.get("required_if"), effect.value)
                elif effect.kind == "rule":
                    rule = dict(effect.value)
                    applies = self._applies(effect.target, activated)
                    if applies:
                        rule["check"] = {"any": [{"not": _all(applies)}, rule["check"]]}
                    rule["id"] = f"fim_{slug(translation.fim_id.lower(), 'regel')}_{len(rules) + 1}"[:63]
                    rules.append(rule)
        self._required(root, copies, activated, require_when)
        for key, conditions in visible.items():
            if key in copies:
                copies[key]["visible_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}
        self.rules = rules
        return self._output(schema, copies, visible)

    def _output(
        self, schema: Element, copies: dict[int, dict[str, Any]], visible: dict[int, list[dict[str, Any]]]
    ) -> dict[str, Any]:
        def emit(group: FlatGroup) -> dict[str, Any]:
            out: dict[str, Any] = {"id": group.id, "title": group.title}
            if re.fullmatch(r"G\d{5,14}", group.source.fim_id) and group.source.kind == "group":
                out["fim_id"] = group.source.fim_id
            help_text = " ".join(
                dict.fromkeys(p for p in [self.text(group.source.el, "hilfetextEingabe"), *group.help] if p)
            )
            if help_text:
                out["help"] = help_text[:4000]
            if group.repeat is not None:
                out["repeat"] = {"min": group.repeat[0], "max": max(group.repeat[1], 1)}
                out["item_label"] = group.title.rsplit(": ", 1)[-1]
            conditions = visible.get(id(group), [])
            if conditions:
                out["visible_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}
            out["fields"] = [copies[id(f)] for f in group.fields]
            if group.groups:
                out["groups"] = [emit(sub) for sub in group.groups]
            return out

        steps = [{"id": step.id, "title": step.title, "groups": [emit(g) for g in step.groups]} for step in self.steps]
        ident = self.ident(schema)
        out = {
            "id": slug(self.text(schema, "name") or ident or "fim-formular").replace("_", "-")[:100] or "fim-formular",
            "version": 1,
            "title": self.label(schema)[:500],
            "steps": steps,
        }
        if self.rules:
            out["rules"] = self.rules
        description = self.text(schema, "beschreibung")
        source = f"Importiert aus FIM-Stammdatenschema {ident} (XDatenfelder {self.version}.0)." if ident else ""
        text = " ".join(p for p in (description, source) if p)[:4000]
        if text:
            out["description"] = text
        if re.fullmatch(r"S\d{5,14}", ident):
            out["fim_id"] = ident
        return out


def _all(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"all": conditions}


def _either(first: dict[str, Any] | None, second: dict[str, Any]) -> dict[str, Any]:
    return second if first is None else {"any": [first, second]}
