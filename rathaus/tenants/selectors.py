"""Reads of municipalities, their organisation units and their plugin configuration."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Municipality, OrgUnit, PluginConfig


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


def plugin_configs(tenant: Municipality, kind: str | None = None) -> QuerySet[PluginConfig]:
    """The municipality's plugin configuration rows (of one ``kind``, if given)."""
    rows = PluginConfig.objects.for_tenant(tenant)
    return rows.filter(kind=kind) if kind is not None else rows


def plugin_config(tenant: Municipality | int, kind: str, plugin_id: str) -> PluginConfig | None:
    """The municipality's row for one plugin, enabled or not; ``None`` when it never configured it."""
    return PluginConfig.objects.for_tenant(tenant).filter(kind=kind, plugin_id=plugin_id).first()


def enabled_plugin_config(tenant: Municipality | int, kind: str) -> PluginConfig | None:
    """The plugin of ``kind`` the municipality switched on (for exclusive kinds there is at most one)."""
    return PluginConfig.objects.for_tenant(tenant).filter(kind=kind, enabled=True).order_by("plugin_id").first()
