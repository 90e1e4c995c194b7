"""The ``--tenant`` option of the steering commands: a municipality's short name, or all municipalities."""

from __future__ import annotations

from django.core.management.base import CommandError

from rathaus.tenants.models import Municipality


def tenant_id_of(slug: str | None) -> int | None:
    """The id of the municipality ``slug`` (None: all); CommandError if there is none."""
    if not slug:
        return None
    found = Municipality.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if found is None:
        raise CommandError(f"Keine Kommune mit dem Kürzel {slug!r}")
    return found
