"""Looking up answers by path and deciding visibility; shared by validation, rendering, fees and summary."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from .conditions import Condition, evaluate, is_empty
from .definition import FormDefinition


class Scope:
    """Answers seen from one place: inside a repeat item, paths of that item's group mean that item."""

    def __init__(
        self, definition: FormDefinition, answers: Mapping[str, Any], today: date, item: tuple[str, int] | None = None
    ) -> None:
        self.definition = definition
        self.answers = answers
        self.today = today
        self.item = item

    def at(self, group_path: str, index: int) -> Scope:
        return Scope(self.definition, self.answers, self.today, (group_path, index))

    def items(self, group_path: str) -> list[Any]:
        step_id, group_id = group_path.split(".")
        step_node = self.answers.get(step_id)
        node = step_node.get(group_id) if isinstance(step_node, Mapping) else None
        return list(node) if isinstance(node, list) else []

    def count(self, group_path: str) -> int:
        """Items of a repeat group; for a plain group 1 when any of its fields has a value, else 0."""
        if self.definition.group(group_path).repeat is not None:
            return len(self.items(group_path))
        step_id, group_id = group_path.split(".")
        step_node = self.answers.get(step_id)
        node = step_node.get(group_id) if isinstance(step_node, Mapping) else None
        return int(isinstance(node, Mapping) and any(not is_empty(v) for v in node.values()))

    def lookup(self, path: str) -> list[Any]:
        parts = path.split(".")
        step_id, group_id, field_id = parts[:3]
        group_path = f"{step_id}.{group_id}"
        group = self.definition.group(group_path)
        if group.repeat is not None:
            items = self.items(group_path)
            if self.item is not None and self.item[0] == group_path:
                index = self.item[1]
                items = items[index : index + 1]
            values = [item.get(field_id) for item in items if isinstance(item, Mapping)]
        else:
            step_node = self.answers.get(step_id)
            node = step_node.get(group_id) if isinstance(step_node, Mapping) else None
            values = [node.get(field_id)] if isinstance(node, Mapping) else []
        if len(parts) == 4:
            values = [v.get(parts[3]) if isinstance(v, Mapping) else None for v in values]
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
    for step_id in step_ids:
        step_node = answers.get(step_id)
        for group in definition.step(step_id).groups:
            group_path = f"{step_id}.{group.id}"
            if not scope.holds(group.visible_if):
                groups.add(group_path)
                continue
            node = step_node.get(group.id) if isinstance(step_node, dict) else None
            if group.repeat is not None:
                places = [
                    (scope.at(group_path, i), f"{group_path}.{i}")
                    for i in range(len(node) if isinstance(node, list) else 0)
                ]
            else:
                places = [(scope, group_path)]
            for item_scope, prefix in places:
                for field in group.fields:
                    if field.visible_if is not None and not item_scope.holds(field.visible_if):
                        fields.add(f"{prefix}.{field.id}")
    return groups, fields


def _delete(
    definition: FormDefinition, answers: dict[str, Any], step_ids: list[str], groups: set[str], fields: set[str]
) -> None:
    for step_id in step_ids:
        step_node = answers.get(step_id)
        if not isinstance(step_node, dict):
            continue
        for group in definition.step(step_id).groups:
            group_path = f"{step_id}.{group.id}"
            if group_path in groups:
                step_node.pop(group.id, None)
                continue
            node = step_node.get(group.id)
            items = list(enumerate(node)) if isinstance(node, list) else [(None, node)]
            for index, item in items:
                if not isinstance(item, dict):
                    continue
                prefix = group_path if index is None else f"{group_path}.{index}"
                for field in group.fields:
                    if f"{prefix}.{field.id}" in fields:
                        item.pop(field.id, None)
