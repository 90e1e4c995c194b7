"""The interface every payment provider implements (modelled on Open Forms' payment plugins).

Providers never import ``rathaus.payments.models``: they get the payment as :class:`PaymentData` (the
``Payment`` model satisfies it) and answer with plain values (:class:`PaymentState`, :class:`ProviderStatus`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django.core import signing
from django.urls import reverse

from rathaus.core.plugins import Plugin

if TYPE_CHECKING:
    from django.http import HttpRequest

_TOKEN_SALT = "rathaus.payments.anonymous-payer"  # noqa: S105 - a signing salt, not a secret


class PaymentState(StrEnum):
    """The states a provider can report; the same values as ``Payment.Status``."""

    OPEN = "open"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PaymentData(Protocol):
    """What a provider may read of a payment, and the two fields it may set in memory during ``start``."""

    @property
    def uuid(self) -> UUID: ...
    @property
    def reference(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def lines(self) -> Any: ...  # [{"label": str, "amount": "12.50"}]
    @property
    def payer_id(self) -> int | None: ...

    provider_reference: str
    provider_data: Any  # a JSON object; never secrets


class ProviderError(Exception):
    """The provider could not answer (network, timeout, 5xx, misconfiguration, unusable answer).

    ``message`` is German and safe to show; technical detail goes to the log, never to the citizen.
    """

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class ProviderStatus:
    """What the provider says, server to server. ``status`` is a :class:`PaymentState` value."""

    status: str
    provider_reference: str = ""
    paid_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Plugin, ABC):
    """A payment provider; registered in :data:`rathaus.payments.providers.registry.payment_providers`.

    An instance carries one municipality's validated options (``self.options``); it is made per use.
    """

    @abstractmethod
    def start(self, payment: PaymentData, *, request: HttpRequest) -> str:
        """Prepare the payment at the provider and return the URL to send the citizen's browser to.

        May set ``payment.provider_reference`` and ``payment.provider_data`` in memory; the calling service
        saves them. Raises :class:`ProviderError` when the provider cannot be reached.
        """

    @abstractmethod
    def check_status(self, payment: PaymentData) -> ProviderStatus:
        """Ask the provider, server to server, how the payment stands. Raises :class:`ProviderError`."""


def payer_token(payment: PaymentData) -> str:
    """A signed token that lets the holder act on a payment without a payer account (anonymous forms)."""
    return signing.dumps(str(payment.uuid), salt=_TOKEN_SALT, compress=False)


def token_matches(payment_uuid: str, token: str) -> bool:
    try:
        return bool(signing.loads(token, salt=_TOKEN_SALT) == str(payment_uuid))
    except signing.BadSignature:
        return False


def with_token(path: str, payment: PaymentData) -> str:
    """``path`` plus the payer token when the payment has no payer account."""
    if payment.payer_id is not None:
        return path
    return f"{path}?t={payer_token(payment)}"


def browser_return_url(payment: PaymentData, request: HttpRequest) -> str:
    """Absolute URL the provider sends the browser back to. What it carries is never trusted."""
    return request.build_absolute_uri(with_token(reverse("payments:return", args=[payment.uuid]), payment))
