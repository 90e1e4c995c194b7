"""Registry of payment providers by identifier (like Open Forms' ``payments/registry.py``).

Providers register on import (``rathaus.payments.apps`` imports the built-in ones). Tests swap in an empty
registry with :func:`fresh_registry` and register fakes there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings

from .base import PaymentProvider

P = TypeVar("P", bound=type[PaymentProvider])

DEFAULT_PROVIDER = "demo"


class Registry:
    def __init__(self) -> None:
        self._providers: dict[str, type[PaymentProvider]] = {}

    def register(self, provider_cls: P) -> P:
        identifier = provider_cls.identifier
        if identifier in self._providers and self._providers[identifier] is not provider_cls:
            raise ValueError(f"payment provider {identifier!r} is already registered")
        self._providers[identifier] = provider_cls
        return provider_cls

    def get(self, identifier: str) -> PaymentProvider:
        try:
            return self._providers[identifier]()
        except KeyError:
            raise LookupError(f"unknown payment provider {identifier!r}") from None

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._providers

    def __iter__(self) -> Iterator[type[PaymentProvider]]:
        return iter(self._providers.values())

    def choices(self) -> list[tuple[str, str]]:
        return [(cls.identifier, str(cls.label)) for cls in self._providers.values()]


registry = Registry()
_active: list[Registry] = [registry]


def active() -> Registry:
    return _active[-1]


def register(provider_cls: P) -> P:
    """Class decorator: make ``provider_cls`` available under its ``identifier``."""
    return active().register(provider_cls)


def get(identifier: str) -> PaymentProvider:
    """A provider instance; :class:`LookupError` for unknown identifiers."""
    return active().get(identifier)


def provider_for(tenant_slug: str) -> str:
    """Which provider a municipality uses: ``RATHAUS_PAYMENT_PROVIDERS_BY_TENANT[slug]`` if set, else
    ``RATHAUS_PAYMENT_PROVIDER`` (default ``"demo"``)."""
    per_tenant: dict[str, str] = getattr(settings, "RATHAUS_PAYMENT_PROVIDERS_BY_TENANT", {}) or {}
    return str(per_tenant.get(tenant_slug) or getattr(settings, "RATHAUS_PAYMENT_PROVIDER", "") or DEFAULT_PROVIDER)


@contextmanager
def fresh_registry(*providers: type[PaymentProvider]) -> Iterator[Registry]:
    """Tests: an empty registry (plus ``providers``) is active inside the ``with`` block."""
    fresh = Registry()
    for cls in providers:
        fresh.register(cls)
    _active.append(fresh)
    try:
        yield fresh
    finally:
        _active.remove(fresh)
