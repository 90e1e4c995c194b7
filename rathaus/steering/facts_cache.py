"""Computed figures kept in the cache until steering's facts of the municipality change.

Every writer of a fact table or of a hand-entered figure calls :func:`changed` inside its transaction: the
municipality's generation number (:class:`FactsGeneration`, a row in the database) moves on together with the
facts, so every worker process sees the new number at the same moment the new facts become visible. Readers
ask :func:`cached` with a key of their own (what they compute, from which filters); the figures are computed
once per generation and key, and the cache entry of an old generation is never read again (it leaves the cache
after ``TTL``). One indexed ``SELECT`` per request instead of the figures' aggregates over every fact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import F

from .models_facts import FactsGeneration

T = TypeVar("T")
# Seconds an entry lives. Figures never outlive their facts (the generation moves on); what is not a fact —
# a renamed service or process, the age of the running period's backlog — shows after at most this long.
TTL = 600


def generation(tenant_id: int) -> int:
    number = FactsGeneration.objects.filter(tenant_id=tenant_id).values_list("number", flat=True).first()
    return 0 if number is None else number


def changed(tenant_id: int) -> None:
    """The municipality's facts change in the caller's transaction: its figures are computed anew."""
    if not FactsGeneration.objects.filter(tenant_id=tenant_id).update(number=F("number") + 1):
        # the first change: a concurrent first writer may create it too, then one of the two moves it on
        _row, created = FactsGeneration.objects.get_or_create(tenant_id=tenant_id, defaults={"number": 1})
        if not created:
            FactsGeneration.objects.filter(tenant_id=tenant_id).update(number=F("number") + 1)


def cached(tenant_id: int, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per generation of the municipality's facts and ``key``."""
    full = f"steering:figures:{tenant_id}:{generation(tenant_id)}:{key}"
    found = cache.get(full)
    if found is None:
        found = compute()
        cache.set(full, found, timeout=TTL)
    return found
