"""Looking up answers by path and deciding visibility; shared by validation, rendering, fees and summary."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from .conditions import Condition, evaluate, is_empty
from .definition import FormDefinition, Group


class Scope:
    """Answers seen from one place: inside a repeat item, paths of that item's group mean that item — and
    inside an item of a sub-group, paths of the enclosing groups mean the items around it."""

    def __init__(
        self,
        definition: FormDefinition,
        answers: Mapping[str, Any],
        today: date,
        items: Mapping[str, int] | None = None,
    ) -> None:
        self.definition = definition
        self.answers = answers
        self.today = today
        self.positions = dict(items or {})  # group path (without indices) → index of the item looked from

    def at(self, group_path: str, index: int) -> Scope:
        return Scope(self.definition, self.answers, self.today, {**self.positions, group_path: index})

    def places(self, group_path: str) -> list[tuple[str, Scope, Any]]:
        """Every item of the group at ``group_path`` (a plain group: the group itself) that this scope sees, as
        (indexed path, scope at that item, the item's answers), in order: for a sub-group the items of every
        item of its parent, or only of the item this scope stands in."""
        step_id = group_path.split(".")[0]
        step_node = self.answers.get(step_id)
        current: list[tuple[str, Scope, Any]] = [(step_id, self, step_node)]
        chain = self.definition.group_chain(group_path)
        for depth, (path, group) in enumerate(chain):
            group_id = path.rsplit(".", 1)[1]
            found: list[tuple[str, Scope, Any]] = []
            for prefix, scope, holder in current:
                value = holder.get(group_id) if isinstance(holder, Mapping) else None
                if group.repeat is None:
                    found.append((f"{prefix}.{group_id}", scope, value))
                    continue
                items = list(enumerate(value)) if isinstance(value, list) else []
                if path in self.positions and depth < len(chain) - 1:
                    index = self.positions[path]  # an enclosing item: only the one looked from
                    items = items[index : index + 1]
                found += [(f"{prefix}.{group_id}.{i}", scope.at(path, i), item) for i, item in items]
            current = found
        return current

    def count(self, group_path: str) -> int:
        """Items of a repeat group; for a plain group 1 when any of its fields has a value, else 0."""
        places = self.places(group_path)
        if self.definition.group(group_path).repeat is not None:
            return len(places)
        return int(any(isinstance(n, Mapping) and any(not is_empty(v) for v in n.values()) for _p, _s, n in places))

    def lookup(self, path: str) -> list[Any]:
        base = self.definition.field_path(path)
        if base is None:
            raise KeyError(path)
        group_path, _dot, field_id = base.rpartition(".")
        places = self.places(group_path)
        if group_path in self.positions:
            index = self.positions[group_path]
            places = [p for p in places if p[0].rsplit(".", 1)[1] == str(index)]
        values = [node.get(field_id) for _p, _s, node in places if isinstance(node, Mapping)]
        if len(path) > len(base):
            part = path[len(base) + 1 :]
            values = [v.get(part) if isinstance(v, Mapping) else None for v in values]
        return [v for v in values if not is_empty(v)]

    def holds(self, cond: Condition | None) -> bool:
        """Visibility semantics: no condition or True shows; False and unknown hide."""
        return cond is None or evaluate(cond, self.lookup, self.count, self.today) is True

    def violated(self, cond: Condition) -> bool:
        """Rule semantics: only a definite False is a violation."""
        return evaluate(cond, self.lookup, self.count, self.today) is False


def prune_invisible(
    definition: FormDefinition, answers: dict[str, Any], step_ids: list[str], today: date
) -> tuple[set[str], set[str]]:
    """Drop values of invisible groups and fields of the given steps from ``answers`` (in place).

    Visibility is judged on the answers without the values of hidden elements, recomputed until it no longer
    changes (conditions form no cycles, so this settles). Returns (hidden group paths, hidden field paths;
    field paths of repeat items carry the index).
    """
    hidden: tuple[set[str], set[str]] = (set(), set())
    for _round in range(len(definition.all_fields()) + 2):
        working = copy.deepcopy(answers)
        _delete(definition, working, step_ids, *hidden)
        found = _hidden(definition, working, step_ids, today)
        if found == hidden:
            break
        hidden = found
    _delete(definition, answers, step_ids, *hidden)
    return hidden


def _hidden(
    definition: FormDefinition, answers: dict[str, Any], step_ids: list[str], today: date
) -> tuple[set[str], set[str]]:
    groups: set[str] = set()
    fields: set[str] = set()
    scope = Scope(definition, answers, today)

    def visit(group: Group, path: str, at: str, outer: Scope, holder: Any) -> None:
        if not outer.holds(group.visible_if):
            groups.add(at)
            return
        for prefix, item_scope, item in _items(group, path, at, outer, holder):
            for field in group.fields:
                if field.visible_if is not None and not item_scope.holds(field.visible_if):
                    fields.add(f"{prefix}.{field.id}")
            for sub in group.groups:
                visit(sub, f"{path}.{sub.id}", f"{prefix}.{sub.id}", item_scope, item)

    for step_id in step_ids:
        for group in definition.step(step_id).groups:
            path = f"{step_id}.{group.id}"
            visit(group, path, path, scope, answers.get(step_id))
    return groups, fields


def _items(group: Group, path: str, at: str, outer: Scope, holder: Any) -> list[tuple[str, Scope, Any]]:
    """The items of ``group`` in ``holder`` (the step's answers or the enclosing item): (indexed path, scope,
    answers); a plain group is its own single item."""
    value = holder.get(group.id) if isinstance(holder, Mapping) else None
    if group.repeat is None:
        return [(at, outer, value)]
    return [(f"{at}.{i}", outer.at(path, i), item) for i, item in enumerate(value if isinstance(value, list) else [])]


def _delete(
    definition: FormDefinition, answers: dict[str, Any], step_ids: list[str], groups: set[str], fields: set[str]
) -> None:
    def visit(group: Group, at: str, holder: Any) -> None:
        if not isinstance(holder, dict):
            return
        if at in groups:
            holder.pop(group.id, None)
            return
        node = holder.get(group.id)
        items = list(enumerate(node)) if isinstance(node, list) else [(None, node)]
        for index, item in items:
            if not isinstance(item, dict):
                continue
            prefix = at if index is None else f"{at}.{index}"
            for field in group.fields:
                if f"{prefix}.{field.id}" in fields:
                    item.pop(field.id, None)
            for sub in group.groups:
                visit(sub, f"{prefix}.{sub.id}", item)

    for step_id in step_ids:
        for group in definition.step(step_id).groups:
            visit(group, f"{step_id}.{group.id}", answers.get(step_id))
