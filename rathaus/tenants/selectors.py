"""Reads of municipalities and their organisation units."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Municipality, OrgUnit


def active_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.filter(is_active=True).order_by("name")


def org_units(tenant: Municipality) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.for_tenant(tenant).select_related("parent").order_by("key")


def org_unit_tree(tenant: Municipality) -> list[tuple[OrgUnit, int]]:
    """Depth-first (unit, depth) pairs, for indented lists."""
    units = list(org_units(tenant))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    out: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            out.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return out


def descendants_of(unit: OrgUnit) -> set[int]:
    """Ids of ``unit`` and every unit below it."""
    tree = org_units(unit.tenant)
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in tree.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(child_id)
    found = {unit.pk}
    stack = [unit.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
