"""Every write of the payments app. Keyword-only, transactional; side effects after commit.

A change to *paid*, *failed* or *cancelled* publishes ``payment.paid`` / ``payment.failed`` (see events.py) in the
same transaction: the change and its announcement commit together or not at all.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core import events
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.core.plugins import UNSTORABLE
from rathaus.identity.selectors import organisation_of

from .errors import PaymentNotPayable, PaymentProviderUnavailable
from .events import PaymentFailed, PaymentPaid
from .models import Payment, PaymentEvent
from .providers import registry
from .providers.base import PaymentProvider, ProviderError, ProviderStatus
from .providers.demo import OUTCOME_CANCELLED, OUTCOME_PAID

if TYPE_CHECKING:
    from django.http import HttpRequest

    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality

log = logging.getLogger("rathaus.payments")

MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
# Key of a provider's status detail: "paid, but this other amount" (left for the Stadtkasse).
MISMATCH = "abweichender_betrag"
# Payments that block a second one for the same reference (same amount): the citizen pays once.
ACTIVE = (Payment.Status.OPEN, Payment.Status.PENDING, Payment.Status.PAID)


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Der Betrag ist keine Zahl."), errors=[{"field": field, "message": _("Keine Zahl.")}]
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationFailed(
            _("Der Betrag darf höchstens zwei Nachkommastellen haben."),
            errors=[{"field": field, "message": _("Höchstens zwei Nachkommastellen.")}],
        )
    return amount


def _validate_return_url(return_url: str) -> str:
    ok = (
        isinstance(return_url, str)
        and return_url.startswith("/")
        and not return_url.startswith("//")
        and "\\" not in return_url
        and len(return_url) <= 500
        and all(ch.isprintable() and not ch.isspace() for ch in return_url)
    )
    if not ok:
        raise ValidationFailed(
            _("Die Rücksprungadresse muss ein Pfad auf diesem Portal sein (beginnt mit »/«)."),
            errors=[{"field": "return_url", "message": _("Nur Pfade dieses Portals sind erlaubt.")}],
        )
    return return_url


def _validate_lines(lines: list[dict[str, Any]], amount: Decimal) -> list[dict[str, str]]:
    if not isinstance(lines, list):
        raise ValidationFailed(_("Die Positionen müssen eine Liste sein."))
    clean: list[dict[str, str]] = []
    for i, line in enumerate(lines):
        label = line.get("label") if isinstance(line, dict) else None
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            raise ValidationFailed(
                _("Jede Position braucht eine Bezeichnung (höchstens 200 Zeichen)."),
                errors=[{"field": f"lines.{i}.label", "message": _("Bezeichnung fehlt oder ist zu lang.")}],
            )
        line_amount = _amount(line.get("amount"), f"lines.{i}.amount")
        clean.append({"label": label.strip(), "amount": f"{line_amount:.2f}", **_booking(line, i)})
    if clean and sum(Decimal(line["amount"]) for line in clean) != amount:
        raise ValidationFailed(
            _("Die Summe der Positionen entspricht nicht dem Gesamtbetrag."),
            errors=[{"field": "lines", "message": _("Summe weicht vom Betrag ab.")}],
        )
    return clean


# Optional per line: where the Stadtkasse books it (see docs/municipalities/stadtkasse.md); else the
# municipality's defaults at the payment provider apply.
BOOKING_FIELDS = ("haushaltsstelle", "objektnummer", "buchungstext")


def _booking(line: dict[str, Any], i: int) -> dict[str, str]:
    booking: dict[str, str] = {}
    for name in BOOKING_FIELDS:
        value = line.get(name)
        if value is None or value == "":
            continue
        limit = 250 if name == "buchungstext" else 50
        if not isinstance(value, str) or len(value) > limit or not value.isprintable() or UNSTORABLE.search(value):
            raise ValidationFailed(
                _("Die Buchungsangabe »%(name)s« ist ungültig (höchstens %(limit)s druckbare Zeichen).")
                % {"name": name, "limit": limit},
                errors=[{"field": f"lines.{i}.{name}", "message": _("Ungültige Buchungsangabe.")}],
            )
        booking[name] = value.strip()
    return booking


def start_payment(
    *,
    tenant: Municipality,
    reference: str,
    purpose: str,
    amount: Decimal,
    lines: list[dict[str, Any]],
    payer: User | None,
    return_url: str,
    provider: str | None = None,
    organisation_id: int | None = None,
) -> Payment:
    """Create the payment of a fee (status *open*), or return the one that already exists.

    ``payer`` is the account that pays (for an organisation: the acting representative); ``organisation_id``
    makes it the organisation's fee, which every representative may see and pay.

    Guarantees on return: the payment is stored with its "created" event; ``amount`` is > 0 with two decimal
    places; ``lines`` (``[{label, amount}]``) sum to ``amount`` (or are empty); ``return_url`` is a path on this
    portal; ``purpose`` is cut to 140 characters (the SEPA limit). Calling it again for the same ``reference``
    and amount returns the existing open, pending or paid payment instead of a second one, so a citizen is
    never asked to pay twice. Raises :class:`ValidationFailed` with German messages.
    """
    amount = _amount(amount, "amount")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise ValidationFailed(
            _("Der Betrag muss größer als 0 € sein."), errors=[{"field": "amount", "message": _("Muss > 0 sein.")}]
        )
    reference = (reference or "").strip()
    if not reference or len(reference) > 40:
        raise ValidationFailed(_("Die Vorgangsnummer fehlt oder ist länger als 40 Zeichen."))
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ValidationFailed(_("Der Verwendungszweck fehlt."))
    purpose = purpose if len(purpose) <= 140 else purpose[:139] + "…"
    clean_lines = _validate_lines(lines, amount)
    return_url = _validate_return_url(return_url)
    identifier = provider or registry.configured_identifier(tenant)
    if not identifier:
        raise ValidationFailed(_("Die Online-Bezahlung ist für diese Kommune noch nicht eingerichtet."))
    if identifier not in registry.payment_providers:
        raise ValidationFailed(_("Unbekannter Zahlungsanbieter: %(p)s") % {"p": identifier})
    if payer is not None and payer.tenant_id != tenant.pk:
        raise ValidationFailed(_("Die zahlende Person gehört zu einer anderen Kommune."))
    if organisation_id is not None and organisation_of(tenant, organisation_id) is None:
        raise ValidationFailed(_("Die zahlende Organisation gehört zu einer anderen Kommune."))

    with transaction.atomic():
        existing = (
            Payment.objects.for_tenant(tenant)
            .select_for_update()
            .filter(reference=reference, amount=amount, status__in=ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
        payment = Payment.objects.create(
            tenant=tenant,
            reference=reference,
            purpose=purpose,
            amount=amount,
            currency="EUR",
            lines=clean_lines,
            provider=identifier,
            payer=payer,
            organisation_id=organisation_id,
            return_url=return_url,
        )
        _record(payment, PaymentEvent.Source.CREATED, {"provider": identifier})
    return payment


def begin_redirect(*, payment: Payment, request: HttpRequest) -> str:
    """Hand the payment to its provider; return the URL to redirect the citizen's browser to.

    On return the payment is *pending* with the provider's reference stored. A paid payment raises
    :class:`PaymentNotPayable`; an unreachable provider raises :class:`PaymentProviderUnavailable` and leaves
    the payment unchanged.
    """
    if payment.is_paid:
        raise PaymentNotPayable(_("Diese Gebühr ist bereits bezahlt."))
    try:
        url = _provider(payment).start(payment, request=request)  # network: outside the transaction
    except ProviderError as exc:
        raise PaymentProviderUnavailable(exc.message) from exc
    with transaction.atomic(durable=True):
        locked = _locked(payment)
        if locked.is_paid:
            raise PaymentNotPayable(_("Diese Gebühr ist bereits bezahlt."))
        old = locked.status
        locked.provider_reference = payment.provider_reference
        locked.provider_data = payment.provider_data
        if old in (Payment.Status.OPEN, Payment.Status.FAILED, Payment.Status.CANCELLED):
            locked.status = Payment.Status.PENDING
        locked.save(update_fields=["provider_reference", "provider_data", "status", "updated_at"])
        if old != locked.status:
            _record(locked, PaymentEvent.Source.REDIRECT, {"provider": payment.provider})
            _announce(locked)
    _copy(locked, payment)
    return url


def refresh_status(*, payment: Payment, source: str = PaymentEvent.Source.STATUS_CHECK) -> Payment:
    """Ask the provider, server to server, and store what it says. Never trusts the browser.

    Idempotent and safe when run concurrently: the provider is asked outside the transaction, the row is
    then locked and the answer applied only if it changes the stored status, so two refreshes give one event
    and at most one ``payment.paid``/``payment.failed`` event. *Paid* is final for providers: only the
    Stadtkasse (:func:`mark_by_treasury`) changes it. An unreachable provider raises
    :class:`PaymentProviderUnavailable`; the payment stays as it was.
    """
    if source not in PaymentEvent.Source.values:
        raise ValueError(f"unknown source {source!r}")
    try:
        answer = _provider(payment).check_status(payment)
    except ProviderError as exc:
        log.info("payment_status_unavailable payment=%s detail=%s", payment.uuid, exc.detail)
        raise PaymentProviderUnavailable(exc.message) from exc
    with transaction.atomic(durable=True):
        locked = _locked(payment)
        new = _next_status(locked.status, answer)
        if new is not None:
            locked.status = new
            if answer.provider_reference and not locked.provider_reference:
                locked.provider_reference = answer.provider_reference
            locked.paid_at = (_aware(answer.paid_at) or timezone.now()) if new == Payment.Status.PAID else None
            locked.save(update_fields=["status", "provider_reference", "paid_at", "updated_at"])
            _record(locked, source, answer.detail)
            _announce(locked)
        elif MISMATCH in answer.detail and _last_detail(locked) != answer.detail:
            # Paid at the provider, but another amount: the status stays, the Stadtkasse sees why (once).
            _record(locked, source, answer.detail)
    _copy(locked, payment)
    return payment


def mark_by_treasury(*, payment: Payment, status: str, actor: User, note: str) -> Payment:
    """Manual reconciliation by the Stadtkasse (e.g. paid at the counter or by bank transfer).

    ``note`` is required and stored with the actor in the payment's history (the audit trail). Setting
    *paid* records now as ``paid_at``; any other status clears it.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            _("Bitte begründen Sie die Korrektur."), errors=[{"field": "note", "message": _("Pflichtangabe fehlt.")}]
        )
    if len(note) > 1000:
        raise ValidationFailed(_("Die Begründung ist zu lang (höchstens 1000 Zeichen)."))
    if status not in (Payment.Status.PAID, Payment.Status.FAILED, Payment.Status.CANCELLED, Payment.Status.OPEN):
        raise ValidationFailed(_("Dieser Status kann nicht von Hand gesetzt werden."))
    if actor.tenant_id != payment.tenant_id:
        raise NotFound()
    with transaction.atomic(durable=True):
        locked = _locked(payment)
        old = locked.status
        if old != status:
            locked.status = status
            locked.paid_at = timezone.now() if status == Payment.Status.PAID else None
            locked.save(update_fields=["status", "paid_at", "updated_at"])
        _record(
            locked,
            PaymentEvent.Source.TREASURY,
            {"note": note, "actor_id": actor.pk, "actor": actor.get_full_name() or actor.email, "old_status": old},
        )
        if old != status:
            _announce(locked)
    _copy(locked, payment)
    return payment


def record_demo_outcome(*, payment: Payment, outcome: str) -> Payment:
    """The citizen's choice on the demo provider's test page (the "platform side" of the demo)."""
    if payment.provider != "demo" or outcome not in (OUTCOME_PAID, OUTCOME_CANCELLED):
        raise ValidationFailed(_("Das ist keine Testzahlung."))
    with transaction.atomic(durable=True):
        locked = _locked(payment)
        if locked.is_paid:
            raise PaymentNotPayable(_("Diese Gebühr ist bereits bezahlt."))
        locked.provider_data = {**locked.provider_data, "demo": outcome, "demo_at": timezone.now().isoformat()}
        locked.save(update_fields=["provider_data", "updated_at"])
    _copy(locked, payment)
    return payment


def refresh_pending(*, tenant: Municipality, limit: int = 200) -> int:
    """Status check for payments still at the provider (citizens who never came back). Returns changes."""
    changed = 0
    pending = Payment.objects.for_tenant(tenant).filter(status=Payment.Status.PENDING).order_by("updated_at")
    for payment in list(pending[:limit]):
        before = payment.status
        try:
            refresh_status(payment=payment, source=PaymentEvent.Source.STATUS_CHECK)
        except PaymentProviderUnavailable:
            continue
        changed += payment.status != before
    return changed


# --- helpers -------------------------------------------------------------------------------------------


def _next_status(current: str, answer: ProviderStatus) -> str | None:
    """The status to store for a provider's answer, or None to leave the payment as it is."""
    new = answer.status
    if new not in Payment.Status.values or new == current or current == Payment.Status.PAID:
        return None
    if new == Payment.Status.OPEN and current != Payment.Status.OPEN:
        return None  # "not started" never undoes a started payment
    return new


def _provider(payment: Payment) -> PaymentProvider:
    """The payment's provider with its municipality's options. Raises :class:`ProviderError`."""
    try:
        return registry.provider_for(tenant=payment.tenant, identifier=payment.provider)
    except LookupError:
        log.error("payment_provider_unknown payment=%s provider=%s", payment.uuid, payment.provider)
        raise ProviderError(_("Der Zahlungsanbieter dieser Zahlung ist nicht mehr eingerichtet.")) from None


def _last_detail(payment: Payment) -> Any:
    events = PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment).order_by("-at", "-pk")
    return events.values_list("detail", flat=True).first()


def _locked(payment: Payment) -> Payment:
    return Payment.objects.for_tenant(payment.tenant_id).select_for_update().get(pk=payment.pk)


def _copy(source: Payment, target: Payment) -> None:
    if source is target:
        return
    for name in ("status", "provider_reference", "provider_data", "paid_at", "updated_at"):
        setattr(target, name, getattr(source, name))


def _record(payment: Payment, source: str, detail: dict[str, Any]) -> PaymentEvent:
    return PaymentEvent.objects.create(
        tenant_id=payment.tenant_id, payment=payment, status=payment.status, source=source, detail=detail
    )


def _announce(payment: Payment) -> None:
    """Publish the new status, inside the caller's transaction (only *paid* and *failed*/*cancelled* are events)."""
    if payment.status == Payment.Status.PAID:
        paid_at = payment.paid_at or timezone.now()  # always set with *paid*; the fallback is for the type
        paid = PaymentPaid(payment=payment.uuid, reference=payment.reference, amount=payment.amount, paid_at=paid_at)
        events.publish(payment.tenant_id, "payment.paid", str(payment.uuid), paid)
    elif payment.status in (Payment.Status.FAILED, Payment.Status.CANCELLED):
        cancelled = payment.status == Payment.Status.CANCELLED
        failed = PaymentFailed(
            payment=payment.uuid, reference=payment.reference, status="cancelled" if cancelled else "failed"
        )
        events.publish(payment.tenant_id, "payment.failed", str(payment.uuid), failed)


def _aware(value: Any) -> Any:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
