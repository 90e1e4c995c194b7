"""Which staff member holds which role where: the one place every view, API auth class and selector asks.

The rules:

- Only an active staff account of the municipality asked about holds anything there. Citizens, operators,
  anonymous visitors and staff of another municipality hold nothing, whatever rows exist.
- A role held on an organisation unit covers that unit and every unit below it (the ``OrgUnit.parent``
  tree), never its parent or its siblings.
- ``tenant_admin`` is the municipality's administration: it passes every role check and covers every unit
  of its municipality (and nothing in another one).

Answers are querysets, so callers filter and count in SQL: ``units_with_role`` and ``visible`` add one
subquery to the caller's query, whatever the number of units, objects or tree levels. The subtree is a
recursive common table expression (``WITH RECURSIVE``, SQLite and PostgreSQL alike) that starts at the
units where the role is held and follows ``parent_id`` downwards; ``UNION`` drops rows already found, so
even a cycle in the tree (which ``OrgUnit.clean`` refuses, but a database does not) ends the recursion.

Yes/no answers (``has_role``, ``areas_of``, ``unit_ids_with_role``) come from the user's roles with their
covered units, read in one query; within one request (``PermissionCacheMiddleware``) they are read once and
remembered for that request only, per user and municipality, and forgotten when a role or unit is saved or
deleted. Outside a request (tasks, commands, tests calling these directly) nothing is remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection
from django.db.models import Exists, Field, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from rathaus.core.tenancy import TenantQuerySet
from rathaus.tenants.models import Municipality, OrgUnit

from .models import StaffRole

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User

Role = StaffRole.Role
ADMIN_ROLE = Role.TENANT_ADMIN

# Who works in which part of the internal area; the municipality's administration (tenant_admin) in all of
# them. The views guard themselves with these, and the staff start page shows the links by the same lists.
CATALOG_EDITORS = (Role.DIGITALISATION, ADMIN_ROLE)  # catalog import/export, online forms
OFFICE = (Role.CASEWORKER, Role.UNIT_LEAD, Role.CITIZENS_OFFICE, ADMIN_ROLE)  # incoming applications
TREASURY = (Role.TREASURY, ADMIN_ROLE)  # Stadtkasse
ADMINISTRATION = (ADMIN_ROLE,)  # integrations (plugins) of the municipality
RECORDS = (Role.CASEWORKER, Role.UNIT_LEAD, ADMIN_ROLE)  # E-Akte work area (cases of their units)
STEERING = (Role.DIGITALISATION, ADMIN_ROLE)  # steering: process catalog, priorities, projects, maturity
STEERING_UNITS = (Role.UNIT_LEAD,)  # ... and unit leads for the processes of their own units
AREAS = {
    "catalog": CATALOG_EDITORS,
    "office": OFFICE,
    "records": RECORDS,
    "steering": (*STEERING, *STEERING_UNITS),
    "treasury": TREASURY,
    "administration": ADMINISTRATION,
}


def areas_of(user: User | AnonymousUser, tenant: Municipality) -> dict[str, bool]:
    """For each part of the internal area, whether ``user`` may work there (one query for all of them)."""
    with request_cache():
        return {area: has_role(user, tenant, *roles) for area, roles in AREAS.items()}


M = TypeVar("M", bound=Model)


def has_role(user: User | AnonymousUser, tenant: Municipality, *roles: str, unit: OrgUnit | int | None = None) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``tenant`` — on ``unit`` or a unit above it, if given.

    Without ``unit``, a role held on any unit of the municipality counts. One query (none when the request
    has asked before; the administration asking about a unit: one more, for the municipality's units).
    """
    roles = known_roles(*roles)
    if not _is_staff_of(user, tenant):
        return False
    held = _held(user, tenant)
    if unit is None:
        return ADMIN_ROLE.value in held or any(role in held for role in roles)
    unit_id = unit if isinstance(unit, int) else unit.pk
    if ADMIN_ROLE.value in held:
        return unit_id in _tenant_units(tenant)
    return any(unit_id in held.get(role, ()) for role in roles)


def unit_ids_with_role(user: User | AnonymousUser, tenant: Municipality, *roles: str) -> list[int]:
    """The ids of ``units_with_role`` as a list (sorted), for an ``IN (…)`` that the database plans by index."""
    roles = known_roles(*roles)
    if not _is_staff_of(user, tenant):
        return []
    held = _held(user, tenant)
    if ADMIN_ROLE.value in held:
        return sorted(_tenant_units(tenant))
    return sorted(set().union(*(held.get(role, ()) for role in roles)))


def units_with_role(user: User | AnonymousUser, tenant: Municipality, *roles: str) -> QuerySet[OrgUnit]:
    """The units of ``tenant`` where ``user`` holds one of ``roles``: where it is held and every unit below."""
    roles = known_roles(*roles)
    units = OrgUnit.objects.for_tenant(tenant)
    if not _is_staff_of(user, tenant):
        return units.none()
    return units.filter(Q(_is_admin(user, tenant)) | Q(pk__in=_subtrees(user, tenant, roles)))


def visible(
    user: User | AnonymousUser, tenant: Municipality, queryset: QuerySet[M], *roles: str, unit_field: str = "org_unit"
) -> QuerySet[M]:
    """``queryset`` narrowed to the objects of ``tenant`` whose ``unit_field`` lies in ``units_with_role``.

    The administration of the municipality sees all of them, including objects without a unit.
    """
    roles = known_roles(*roles)
    if isinstance(queryset, TenantQuerySet):
        queryset = queryset.for_tenant(tenant)
    else:
        queryset = queryset.filter(tenant_id=tenant.pk)
    if not _is_staff_of(user, tenant):
        return queryset.none()
    units = OrgUnit.objects.for_tenant(tenant).filter(pk__in=_subtrees(user, tenant, roles)).values("pk")
    return queryset.filter(Q(_is_admin(user, tenant)) | Q(**{f"{unit_field}__in": units}))


def known_roles(*roles: str) -> tuple[str, ...]:
    """``roles`` as plain strings; ValueError for none or a misspelt one (which would quietly grant nothing)."""
    if not roles:
        raise ValueError("name at least one role")
    return tuple(Role(role).value for role in roles)  # ValueError: 'chef' is not a valid StaffRole.Role


def _is_staff_of(user: Any, tenant: Municipality) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_employee", False)
        and user.is_active
        and tenant.pk is not None
        and user.tenant_id == tenant.pk
    )


def _is_admin(user: Any, tenant: Municipality) -> Exists:
    return Exists(StaffRole.objects.for_tenant(tenant).filter(user_id=user.pk, role=ADMIN_ROLE))


def _quoted_names() -> tuple[str, ...]:
    """The quoted table and column names the recursive unit queries use, from the models' own metadata:
    role table, unit table, role's unit, user, role and tenant columns, unit's id, parent and tenant columns."""
    q = connection.ops.quote_name

    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, Field) and field.column
        return q(field.column)

    return (
        q(StaffRole._meta.db_table), q(OrgUnit._meta.db_table),
        column(StaffRole, "org_unit"), column(StaffRole, "user"),
        column(StaffRole, "role"), column(StaffRole, "tenant"),
        column(OrgUnit, "id"), column(OrgUnit, "parent"), column(OrgUnit, "tenant"),
    )  # fmt: skip


def _subtrees(user: Any, tenant: Municipality, roles: tuple[str, ...]) -> RawSQL:
    """Ids of the units where one of ``roles`` is held and of all units below them (recursive CTE)."""
    role_table, unit_table, role_unit, role_user, role_name, role_tenant, unit_id, unit_parent, unit_tenant = (
        _quoted_names()
    )
    placeholders = ", ".join(["%s"] * len(roles))
    # Only quoted names from the models' own metadata go into the text; every value is a parameter.
    sql = f"""
        WITH RECURSIVE covered(unit_id) AS (
            SELECT r.{role_unit} FROM {role_table} r
             WHERE r.{role_tenant} = %s AND r.{role_user} = %s AND r.{role_name} IN ({placeholders})
            UNION
            SELECT u.{unit_id} FROM {unit_table} u JOIN covered c ON u.{unit_parent} = c.unit_id
             WHERE u.{unit_tenant} = %s
        ) SELECT unit_id FROM covered"""  # noqa: S608
    return RawSQL(sql, (tenant.pk, user.pk, *roles, tenant.pk))  # noqa: S611 - see above


# --- what one request remembers --------------------------------------------------------------------------

_cache: ContextVar[dict[Any, Any] | None] = ContextVar("rathaus_permissions_cache", default=None)


@contextmanager
def request_cache() -> Iterator[None]:
    """Remember roles and units until the block ends (the outermost block; an inner one shares it)."""
    if _cache.get() is not None:
        yield
        return
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


class PermissionCacheMiddleware:
    """Each request asks the database for the user's roles once, however many checks and menus ask."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with request_cache():
            return self.get_response(request)


def _memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _forget(**_kwargs: Any) -> None:
    """A role or unit changed: what this request remembered may be wrong now."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


for _model in (StaffRole, OrgUnit):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"permissions.forget.save.{_model.__name__}")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"permissions.forget.delete.{_model.__name__}")


def _held(user: Any, tenant: Municipality) -> dict[str, frozenset[int]]:
    """Each role ``user`` holds in ``tenant`` → the ids of the units it covers (one query, recursive CTE)."""
    return _memo(("held", user.pk, tenant.pk), lambda: _read_held(user, tenant))  # type: ignore[no-any-return]


def _read_held(user: Any, tenant: Municipality) -> dict[str, frozenset[int]]:
    sql, params = _covered_sql(user, tenant)
    found: dict[str, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for role, unit_id in cursor.fetchall():
            found.setdefault(role, set()).add(unit_id)
    return {role: frozenset(units) for role, units in found.items()}


def _tenant_units(tenant: Municipality) -> frozenset[int]:
    def read() -> frozenset[int]:
        return frozenset(OrgUnit.objects.for_tenant(tenant).values_list("pk", flat=True))

    return _memo(("units", tenant.pk), read)  # type: ignore[no-any-return]


def _covered_sql(user: Any, tenant: Municipality) -> tuple[str, tuple[Any, ...]]:
    """(role, unit id) for every role ``user`` holds in ``tenant`` and every unit it covers (the subtree)."""
    role_table, unit_table, role_unit, role_user, role_name, role_tenant, unit_id, unit_parent, unit_tenant = (
        _quoted_names()
    )
    # As ``_subtrees``, with the role carried along; only quoted names from the models' metadata in the text.
    sql = f"""
        WITH RECURSIVE covered(role, unit_id) AS (
            SELECT r.{role_name}, r.{role_unit} FROM {role_table} r
             WHERE r.{role_tenant} = %s AND r.{role_user} = %s
            UNION
            SELECT c.role, u.{unit_id} FROM {unit_table} u JOIN covered c ON u.{unit_parent} = c.unit_id
             WHERE u.{unit_tenant} = %s
        ) SELECT c.role, c.unit_id FROM covered c JOIN {unit_table} u ON u.{unit_id} = c.unit_id
           WHERE u.{unit_tenant} = %s"""  # noqa: S608
    return sql, (tenant.pk, user.pk, tenant.pk, tenant.pk)
