"""Translation of FIM rules (free German text) into the engine's conditions and cross-field rules.

FIM rules are prose ("WENN F00000003327 "Abfrage Gesetzlicher Vertreter" = JA, DANN aktiviere G60000000220 …").
The patterns FIM editors use again and again are recognised; a rule counts as *translated* only when its effect
is enforced by the imported form (a condition or cross-field rule), never when its text is merely kept:

* SHOW — "WENN <Feld> = <Wert(e)> DANN aktiviere/zeige (als Pflicht) <Ziel> (SONST … nicht an)", "… muss
  <Ziel> befüllt sein … <> … darf <Ziel> nicht befüllt sein": the target is shown only while the condition
  holds (``visible_if``) and its required fields are required once shown;
* REQUIRE — "Wenn bei <Feld> "<Code> …" angegeben wird, dann wird <Ziel> zur Pflichtangabe", "Wenn <F1> nicht
  leer, dann darf <F2> nicht leer sein": the target stays optional but becomes required while the condition
  holds (``required_if``);
* ONE-OF — "Es muss entweder <G1> oder <G2> befüllt werden", "mindestens eines der Felder <F1>, <F2> …": a
  cross-field rule (at least one; with "entweder" exactly one), checked only once the rule's group is begun;
* VALID DATE — "… Tag, Monat und Jahr … Validität des Kalenderdatums …": a cross-field rule ``valid_date``.

Anything else is reported for review (status ``review``) with its full text and FIM id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .xdatenfelder import Node, _Reader

_REF = re.compile(r"\b([FG]\d{5,14}(?:\.[FG]\d{5,14})*)")
_SHOW = re.compile(r"aktivier|zeige|anzeig|einblend|ausblend|deaktivier|nicht an\b|darf\b.*\bnicht\b.*befüllt", re.I)
_REQUIRE = re.compile(r"muss|pflicht|darf\b.*\bnicht\b.*\bleer|erforderlich|anzugeben", re.I)
# "aktiviere G1 und deaktiviere F2": each action after "und"/"sowie" with its own verb has its own polarity
_ACTIONS = re.compile(r"(?i)[,;]?\s+(?:und|sowie)\s+(?=(?:de)?aktivier|zeige|blende|ausblend|einblend)")
_OTHERS = re.compile(r"(?i)\balle\s+(?:anderen|übrigen|sonstigen|weiteren)\b")
_NEGATIVE_ACTION = re.compile(r"deaktivier|nicht an\b|nicht anzeig|ausblend|darf\b[^.]*\bnicht\b[^.]*befüllt", re.I)
_YES = {"ja", "wahr", "true", "1"}
_NO = {"nein", "falsch", "false", "0"}


@dataclass
class RuleReport:
    """One FIM rule: ``status`` is "translated" (enforced), or "review" with ``reason``."""

    fim_id: str
    name: str
    text: str
    status: str
    reason: str = ""
    occurrences: int = 0


@dataclass
class Effect:
    kind: str  # "visible", "activate", "require_when", "rule"
    target: Any  # a FlatGroup, a field dict, or a Node id
    value: Any = None


@dataclass
class Translation:
    fim_id: str
    effects: list[Effect] = dc_field(default_factory=list)


class _Untranslatable(Exception):
    pass


def rule_text(reader: _Reader, el: Any) -> str:
    return (
        reader.text(el, "freitextRegel")
        or reader.text(el, "definition")
        or reader.text(el, "skript")
        or reader.text(el, "beschreibung")
    )


def translate_rules(reader: _Reader, root: Node) -> tuple[list[RuleReport], list[Translation]]:
    """Reports (one per FIM rule id) and the translations of every occurrence that could be translated."""
    reports: dict[str, RuleReport] = {}
    translations: list[Translation] = []
    for node in root.walk():
        for rule_el in reader.children(node.el, "regel"):
            fim_id = reader.ident(rule_el) or f"R-{len(reports) + 1}"
            text = rule_text(reader, rule_el)
            report = reports.setdefault(fim_id, RuleReport(fim_id, reader.text(rule_el, "name"), text, "translated"))
            report.occurrences += 1
            try:
                effects = _translate(reader, root, node, text)
            except _Untranslatable as exc:
                report.status, report.reason = "review", str(exc)
                continue
            translations.append(Translation(fim_id, effects))
    for report in reports.values():
        if report.status != "translated":
            translations = [t for t in translations if t.fim_id != report.fim_id]
    return list(reports.values()), translations


def _translate(reader: _Reader, root: Node, scope: Node, text: str) -> list[Effect]:
    flat = " ".join(text.split())
    if not flat:
        raise _Untranslatable("Die Regel hat keinen Text.")
    if re.search(r"\bentweder\b|mindestens (?:eine[srnm]?|ein) (?:der|von)", flat, re.I) and not re.match(
        r"\s*wenn\b", flat, re.I
    ):
        return _one_of(reader, root, scope, flat)
    if re.search(r"(?i)datum", flat) and re.search(r"(?i)validität|gültig|korrekt", flat):
        return _valid_date(reader, root, scope, flat)
    clauses = [c for c in re.split(r"(?i)(?=\bwenn\b)", flat) if re.match(r"(?i)\s*wenn\b", c)]
    if not clauses:
        raise _Untranslatable("Kein bekanntes Muster (WENN … DANN …, entweder … oder …).")
    effects: list[Effect] = []
    positive: list[tuple[dict[str, Any], list[Node], str, bool]] = []  # condition, targets, kind, "Pflicht"
    negative: list[tuple[dict[str, Any], list[Node]]] = []
    parsed = []
    for clause in clauses:
        match = re.match(r"(?is)\s*wenn\b(?P<cond>.*?)[,;]?\s*\bdann\b(?P<then>.*)", clause)
        if not match:
            raise _Untranslatable("Ein WENN-Teil ohne DANN.")
        parsed.append((match, _condition(reader, root, scope, match.group("cond"))))
    for match, cond in parsed:
        if "others" in cond:
            cond = _others(cond, [c for _m, c in parsed])
        parts = re.split(r"(?i)\bsonst\b", match.group("then"), maxsplit=1)
        then, otherwise = parts[0], parts[1] if len(parts) > 1 else ""
        actions = [(a, _targets(reader, root, scope, a)) for a in _ACTIONS.split(then)]
        if not any(targets for _a, targets in actions):
            raise _Untranslatable("Das Ziel der Regel (DANN …) nennt kein bekanntes Feld und keine Gruppe.")
        for action, targets in actions:
            if not targets:
                continue
            if _NEGATIVE_ACTION.search(action) and not re.search(r"(?i)\bzeige\b(?!.*nicht an)|\baktiviere\b", action):
                negative.append((cond, targets))
            elif _SHOW.search(action) or _REQUIRE.search(action):
                kind = "show" if _SHOW.search(action) or otherwise else "require"
                positive.append((cond, targets, kind, bool(_REQUIRE.search(action))))
            else:
                raise _Untranslatable("Die Wirkung der Regel (DANN …) ist unbekannt.")
    # "deaktiviere …" of a target no clause shows: shown unless the condition holds ("WENN A, DANN aktiviere G1
    # und deaktiviere F2": F2 is hidden while A holds, not shown only then)
    shown = {id(t) for _cond, targets, _kind, _mandatory in positive for t in targets}
    for cond, targets in negative:
        rest = [t for t in targets if id(t) not in shown]
        if rest:
            positive.append(({"not": cond}, rest, "show", False))
    for cond, targets, kind, mandatory in positive:
        hides = kind == "show" or any(set(map(id, t)) & set(map(id, targets)) for _c, t in negative)
        for target in targets:
            if target.field is None and target.kind == "field":
                raise _Untranslatable("Das Ziel der Regel wurde nicht übernommen.")
            _no_self_reference(cond, reader, target)
            if hides:
                effects += _show(reader, target, cond, mandatory=mandatory)
            else:
                effects += _require_when(target, cond)
    return effects


def _one_of(reader: _Reader, root: Node, scope: Node, text: str) -> list[Effect]:
    targets = _targets(reader, root, scope, text)
    if len(targets) < 2:
        raise _Untranslatable("„Entweder/mindestens eines“ nennt weniger als zwei bekannte Ziele.")
    if any(a is not b and a.contains(b) for a in targets for b in targets):
        raise _Untranslatable("Die Ziele von „entweder/mindestens eines“ liegen ineinander.")
    leaves = []
    for target in targets:
        began = _began(reader, target)
        if began is None:
            raise _Untranslatable("Ein Ziel der Regel wurde nicht übernommen.")
        leaves.append(began)
    check: dict[str, Any] = {"any": leaves}
    exclusive = bool(re.search(r"\bentweder\b", text, re.I))
    always = [t for t in targets if all(not n.optional for n in [t, *t.ancestors()] if n.parent is not None)]
    if exclusive and always:
        raise _Untranslatable(f"„{always[0].label}“ ist ohnehin Pflicht; „entweder … oder“ widerspricht dem Schema.")
    forced = [(a, b) for a in targets for b in targets if a is not b and _forces(a, b)] if exclusive else []
    if forced:
        a, b = forced[0]
        raise _Untranslatable(
            f"Wer „{a.label}“ ausfüllt, muss nach dem Schema auch „{b.label}“ ausfüllen; „entweder … oder“ "
            "widerspricht dem Schema."
        )
    if exclusive and len(leaves) == 2:
        check = {"all": [check, {"not": {"all": leaves}}]}
    nodes = [n for t in targets for n in t.fields() if n.field and n.flat]
    nodes.sort(key=lambda n: n.flat is not None and n.flat.repeat is not None)  # the message at a plain field
    fields = [f"{n.flat.path}.{n.field['id']}" for n in nodes if n.flat and n.field]
    steps = {p.split(".")[0] for p in fields}
    order = [s.id for s in reader.steps]
    last = max(steps, key=order.index)
    labels = " oder ".join(f"„{t.label}“" for t in targets[:4])
    message = f"Bitte machen Sie Angaben bei {labels}" + (" – bei genau einer davon." if exclusive else ".")
    rule = {
        "id": "fim",
        "message": message[:500],
        "fields": [next(p for p in fields if p.split(".")[0] == last)],
        "check": check,
    }
    return [Effect("rule", scope, rule)]  # checked only where ``scope`` applies (see the importer's _build)


def _forces(a: Node, b: Node) -> bool:
    """Whether filling anything in ``a`` makes ``b`` required: every optional group around ``b`` (and ``b``
    itself) also holds ``a`` — so filling ``a`` begins it — and ``b`` holds a field required whenever ``b`` is
    (two mandatory parts of one optional group can never be filled "entweder … oder")."""
    if any(n.optional and not n.contains(a) for n in [b, *b.ancestors()] if n.parent is not None):
        return False
    for leaf in b.fields():
        chain = [leaf]
        while chain[-1] is not b and chain[-1].parent is not None:
            chain.append(chain[-1].parent)
        if leaf.field is not None and all(not n.optional for n in chain if n is not b):
            return True
    return False


def _valid_date(reader: _Reader, root: Node, scope: Node, text: str) -> list[Effect]:
    """ "Tag", "Monat" and "Jahr" fields must form a real date (R60000000024 "Datumkorrekt" and its kin)."""
    parts: dict[str, str] = {}
    for target in _targets(reader, root, scope, text):
        if target.kind != "field" or target.field is None or target.flat is None:
            continue
        label = target.label.lower()
        for key in ("tag", "monat", "jahr"):
            if label.startswith(key) and key not in parts:
                parts[key] = f"{target.flat.path}.{target.field['id']}"
    if len(parts) != 3:
        raise _Untranslatable("Tag, Monat und Jahr der Datumsregel sind nicht eindeutig.")
    rule = {
        "id": "fim",
        "message": "Tag, Monat und Jahr ergeben kein gültiges Datum (z. B. gibt es keinen 30. Februar).",
        "fields": [parts["tag"]],
        "check": {"valid_date": [parts["tag"], parts["monat"], parts["jahr"]]},
    }
    return [Effect("rule", scope, rule)]


def _began(reader: _Reader, target: Node) -> dict[str, Any] | None:
    if target.kind == "field":
        if target.field is None or target.flat is None:
            return None
        return {"field": f"{target.flat.path}.{target.field['id']}", "filled": True}
    return reader.content(target)


def _show(reader: _Reader, target: Node, cond: dict[str, Any], *, mandatory: bool = False) -> list[Effect]:
    """A shown field is required only where FIM makes it so: its own minimum, or the rule says "Pflicht"/"muss"
    ("aktiviere F17000009298" of a 0:1 field shows an optional field)."""
    effects = [Effect("activate", id(target), cond)]
    if target.kind == "field":
        effects.append(Effect("visible", target.field, cond))
        return [*effects, Effect("require_field", target.field)] if mandatory or not target.optional else effects
    inside_merged = any(
        g.merged_root is not None and g.merged_root is not target and g.merged_root.contains(target)
        for g in _flat_groups_of(reader, target)
    )
    if inside_merged:
        effects += [Effect("visible", n.field, cond) for n in target.fields() if n.field is not None]
    else:
        effects += [Effect("visible", g, cond) for g in _flat_groups_of(reader, target)]
    if len(effects) == 1:
        raise _Untranslatable("Vom Ziel der Regel wurde nichts übernommen.")
    return effects


def _require_when(target: Node, cond: dict[str, Any]) -> list[Effect]:
    if target.kind == "field":
        return [Effect("require_field_when", target.field, cond)]
    return [Effect("require_when", id(target), cond)]


def _flat_groups_of(reader: _Reader, target: Node) -> list[Any]:
    return [
        g
        for s in reader.steps
        for g in s.every_group()
        if target.contains(g.source) or (g.merged_root is not None and g.merged_root.contains(target))
    ]


def _no_self_reference(cond: dict[str, Any], reader: _Reader, target: Node) -> None:
    paths = set(_paths(cond))
    own = {f"{n.flat.path}.{n.field['id']}" for n in target.fields() if n.field is not None and n.flat is not None}
    if paths & own:
        raise _Untranslatable("Die Bedingung der Regel liest ihr eigenes Ziel.")
    order = [s.id for s in reader.steps]
    target_steps = {p.split(".")[0] for p in own}
    if target_steps and any(order.index(p.split(".")[0]) > min(order.index(s) for s in target_steps) for p in paths):
        raise _Untranslatable("Die Bedingung liest ein Feld eines späteren Schritts.")


def _paths(cond: Any) -> list[str]:
    if isinstance(cond, dict):
        out = [cond["field"]] if "field" in cond else []
        for value in cond.values():
            out += _paths(value)
        return out
    if isinstance(cond, list):
        return [p for item in cond for p in _paths(item)]
    return []


def same_id(a: str, b: str) -> bool:
    """FIM ids of both generations name the same element: 2.0 ``G60000088`` (2-digit range, 6 digits) is 3.0
    ``G60000000088`` (2-digit range, 9 digits); rule texts of converted schemas mix them."""
    if a == b:
        return True
    ma, mb = re.fullmatch(r"([A-Z])(\d\d)(\d+)", a), re.fullmatch(r"([A-Z])(\d\d)(\d+)", b)
    return bool(ma and mb and ma[1] == mb[1] and ma[2] == mb[2] and int(ma[3]) == int(mb[3]))


def _resolve(root: Node, scope: Node, ref: str) -> list[Node]:
    ids = ref.split(".")
    for base in (scope, root):
        candidates = [base]
        for ident in ids:
            candidates = [n for c in candidates for n in c.walk()[1:] if same_id(n.fim_id, ident)]
        if candidates:
            return candidates
    return []


def _targets(reader: _Reader, root: Node, scope: Node, text: str) -> list[Node]:
    out: list[Node] = []
    for ref in _REF.findall(text):
        for node in _resolve(root, scope, ref):
            if node not in out:
                out.append(node)
    return out


def _condition(reader: _Reader, root: Node, scope: Node, text: str) -> dict[str, Any]:
    refs = _REF.findall(text)
    if len(refs) != 1:
        raise _Untranslatable("Die Bedingung nennt nicht genau ein Feld.")
    nodes = [n for n in _resolve(root, scope, refs[0]) if n.kind == "field" and n.field is not None]
    if not nodes:
        raise _Untranslatable(f"Das Feld {refs[0]} der Bedingung wurde nicht übernommen.")
    node = nodes[0]
    field = node.field
    assert field is not None and node.flat is not None
    path = f"{node.flat.path}.{field['id']}"
    rest = text.split(refs[0], 1)[1]
    if re.search(r"(?i)\bnicht\s+leer\b|\bbefüllt\b|\bausgefüllt\b", rest) and not re.search(r"[=<>]", rest):
        return {"field": path, "filled": True}
    if re.search(r"(?i)\bleer\b", rest) and not re.search(r"[=<>]", rest):
        return {"field": path, "filled": False}
    op = re.search(r"<>|!=|≠|\bungleich\b|=", rest)
    negated = bool(op and op.group(0) != "=")
    values = rest[op.end() :] if op else rest
    if not op and not re.search(r"(?i)angegeben|gewählt|ausgewählt|markiert|angekreuzt", rest):
        raise _Untranslatable("Der Vergleich der Bedingung ist unbekannt.")
    kind = field["type"]
    if kind in ("choice", "multichoice") and _OTHERS.search(values):
        return {"field": path, "others": kind}  # "= alle anderen Ausprägungen": resolved against the other clauses
    if kind == "yesno":
        words = {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöü]+|\d", values)}
        if words & _YES and not words & _NO:
            expected = True
        elif words & _NO and not words & _YES:
            expected = False
        else:
            raise _Untranslatable("Der Wert der Ja/Nein-Bedingung ist unklar.")
        return {"field": path, "equals": expected != negated}
    if kind in ("choice", "multichoice"):
        codes = _codes(field, values)
        if not codes:
            raise _Untranslatable("Die Werte der Bedingung sind keine Auswahlmöglichkeiten des Felds.")
        if kind == "multichoice":
            leaf: dict[str, Any] = {"any": [{"field": path, "contains": c} for c in codes]}
            return {"not": leaf} if negated else leaf
        if len(codes) == 1:
            return {"field": path, "not_equals" if negated else "equals": codes[0]}
        return {"field": path, "not_in" if negated else "in": codes}
    raise _Untranslatable(f"Eine Bedingung auf ein Feld vom Typ „{kind}“ ist nicht übersetzbar.")


def _others(cond: dict[str, Any], conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """ "= alle anderen möglichen Ausprägungen": every value the rule's other clauses on the same field do not name
    (R00000002565: "= 999 Sonstiges … aktiviere F …; = alle anderen … deaktiviere F …")."""
    path, named = cond["field"], []
    for other in conditions:
        leaves = other.get("any", [other])
        for leaf in leaves:
            if leaf.get("field") != path or "others" in leaf:
                continue
            for key in ("equals", "in", "contains"):
                value = leaf.get(key)
                named += value if isinstance(value, list) else [value] if value is not None else []
    if not named:
        raise _Untranslatable("„Alle anderen Werte“: die Regel nennt keinen Wert desselben Felds.")
    if cond["others"] == "multichoice":
        return {"not": {"any": [{"field": path, "contains": c} for c in named]}}
    return {"field": path, "not_in": list(dict.fromkeys(named))}


def _codes(field: dict[str, Any], text: str) -> list[str]:
    choices = field.get("choices") or []
    found = []
    for choice in choices:
        value = str(choice["value"])
        if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", text):
            found.append(value)
    if found:
        return found
    lowered = text.lower()
    return [str(c["value"]) for c in choices if len(c["label"]) > 3 and c["label"].lower() in lowered]
