"""Background work: ask the provider about payments whose citizen never came back from the pay page."""

from __future__ import annotations

from celery import shared_task

from rathaus.tenants.models import Municipality

from . import services


@shared_task
def refresh_pending_payments(limit_per_tenant: int = 200) -> int:
    """Run periodically (Celery beat, or cron with ``CELERY_TASK_ALWAYS_EAGER``). Returns changed payments."""
    changed = 0
    for tenant in Municipality.objects.filter(is_active=True).order_by("pk"):
        changed += services.refresh_pending(tenant=tenant, limit=limit_per_tenant)
    return changed
