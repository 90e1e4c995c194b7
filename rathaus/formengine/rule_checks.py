"""Cross-field rules of a step (``FormDefinition.rules``), checked on the answers so far.

A rule whose fields lie in repeat items is checked in every item (of the innermost repeat group that encloses
all of them) and shows its message in that item; any other rule is checked once. Used by ``validation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .conditions import references
from .definition import FormDefinition, Step, rule_step
from .scope import Scope


def check_rules(
    definition: FormDefinition, step: Step, merged: Mapping[str, Any], today: date, errors: dict[str, list[str]]
) -> None:
    scope = Scope(definition, merged, today)
    for rule in definition.rules:
        if rule_step(definition, rule.check, rule.fields) != step.id:
            continue
        item_group = _item_group(definition, step, [*references(rule.check), *rule.fields])
        if item_group is not None:
            # a rule about fields of one item is checked in every item, its message shown in that item
            for prefix, item_scope, _item in scope.places(item_group):
                if item_scope.violated(rule.check):
                    for path in rule.fields:
                        target = _target(definition, path, item_group, prefix, item_scope)
                        errors.setdefault(target, []).append(rule.message)
        elif scope.violated(rule.check):
            for path in rule.fields:
                errors.setdefault(path, []).append(rule.message)


def _item_group(definition: FormDefinition, step: Step, paths: list[str]) -> str | None:
    """The repeat group whose items a rule is about: the innermost repeat group that encloses every repeat
    group the rule's paths of this step lie in (a rule about one item, an item and the items around it, or
    several sub-groups of one item); None when there is none (checked once, as a whole)."""
    chains: list[list[str]] = []
    for path in paths:
        if not path.startswith(step.id + "."):
            continue
        base = definition.field_path(path)
        group_path = base.rpartition(".")[0] if base is not None else path
        chain = [p for p, g in definition.group_chain(group_path) if g.repeat is not None]
        if chain:
            chains.append(chain)
    if not chains:
        return None
    deepest = max(chains, key=len)
    if all(chain == deepest[: len(chain)] for chain in chains):
        return deepest[-1]
    common = [p for p in deepest if all(p in chain for chain in chains)]
    return common[-1] if common else None


def _target(definition: FormDefinition, path: str, item_group: str, prefix: str, item_scope: Scope) -> str:
    """Where a rule checked in the item ``prefix`` of ``item_group`` shows its message for ``path``: at the
    field in that item; for a field of a sub-group with items of its own, at the field in its first item, or,
    while there is none, at the innermost sub-group that can take one (its "add" button)."""
    if not definition.has_field(path):
        return _indexed(path, prefix)
    entry = definition.entry(path)
    deeper = [
        p for p, g in definition.group_chain(entry.group_path) if g.repeat is not None and len(p) > len(item_group)
    ]
    if not deeper:
        return _indexed(path, prefix)
    places = item_scope.places(entry.group_path)
    if places:
        return f"{places[0][0]}.{entry.field.id}"
    for k in range(len(deeper) - 1, 0, -1):
        parents = item_scope.places(deeper[k - 1])
        if parents:
            return _indexed(deeper[k], parents[0][0])
    return _indexed(deeper[0], prefix)


def _indexed(path: str, prefix: str) -> str:
    """``path`` (a field path) with the indices of the item ``prefix`` where it lies in that item or one around
    it: (``s.p.a.plz``, ``s.p.1.a.0``) → ``s.p.1.a.0.plz``; (``s.p.name``, ``s.p.1.a.0``) → ``s.p.1.name``."""
    parts, out, names = prefix.split("."), [], path.split(".")
    position = 0
    for index, part in enumerate(parts):
        if part.isdigit():
            continue
        if position >= len(names) or names[position] != part:
            break
        out.append(part)
        position += 1
        if index + 1 < len(parts) and parts[index + 1].isdigit():
            out.append(parts[index + 1])
    return ".".join([*out, *names[position:]])
