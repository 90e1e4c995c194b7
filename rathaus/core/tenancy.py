"""Row-level tenancy by construction.

Every tenant-owned model inherits :class:`TenantOwned`. Its ``objects`` manager returns querysets that
refuse to run until they are scoped with ``for_tenant(tenant)`` (or, deliberately, ``unscoped()``):
forgetting the filter raises :class:`TenantScopeError` instead of leaking another municipality's rows.
Related managers (``service.fees.all()``) are already scoped through their parent row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality


class TenantScopeError(RuntimeError):
    """A query on tenant-owned rows was about to run without a tenant filter."""


class TenantQuerySet(models.QuerySet):
    _tenant_scoped: bool = False

    def for_tenant(self, tenant: Municipality | int) -> Self:
        tenant_id = tenant if isinstance(tenant, int) else tenant.pk
        if tenant_id is None:
            raise TenantScopeError("for_tenant() needs a saved municipality")
        qs = self.filter(tenant_id=tenant_id)
        qs._tenant_scoped = True
        return qs

    def unscoped(self) -> Self:
        """All municipalities at once: operators, migrations and isolation tests only."""
        qs = self.all()
        qs._tenant_scoped = True
        return qs

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone._tenant_scoped = self._tenant_scoped
        return clone  # type: ignore[no-any-return]

    def _require_scope(self) -> None:
        if not self._tenant_scoped:
            raise TenantScopeError(
                f"{self.model.__name__} query without for_tenant(): tenant-owned rows must be scoped"
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()  # type: ignore[misc]

    def iterator(self, *args: Any, **kwargs: Any) -> Any:
        self._require_scope()
        return super().iterator(*args, **kwargs)

    def count(self) -> int:
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Strict manager: ``Model.objects.for_tenant(t)``."""


class UnscopedManager(models.Manager):
    """Plain manager used by Django internals (related managers, admin for operators)."""


class TenantOwned(models.Model):
    tenant = models.ForeignKey(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name="Kommune"
    )

    # Declared first, so it is the default manager Django uses internally, even when a subclass
    # declares its own Meta. Application code uses the strict ``objects``.
    all_tenants = UnscopedManager()
    objects = TenantManager()

    class Meta:
        abstract = True
