"""Adapter for ePayBL-style payment platforms (ePayment Bund-Länder), server to server.

What we found (public sources only; the ePayBL interface specification itself is not public):

* ePayBL is the payment platform software of the federal government and several states (BW, BY, HB, NW,
  SN, TH), run by state data centres for authorities and municipalities. It sits between the specialist
  procedure (here: Rathaus, the "Fachverfahren"), the cash/budget systems (HKR, Landes-/Stadtkasse) and the
  actual payment service providers ("ZV-Provider": giropay, credit card, SEPA, PayPal, …).
* The classic interface is a SOAP web service. The DResearch "Handbuch zur Paypage der ePayBL" (2012) names
  the operations ``anlegenKunde``, ``anlegenKassenzeichenMitZahlverfahrenliste`` (creates a
  *Kassenzeichen* – the cash reference of one receivable – with its positions and allowed payment methods),
  ``lesenKassenzeichenInfo`` (reads state and payments of a Kassenzeichen), ``loeschenKunde`` and SEPA
  mandate operations. The citizen pays on the hosted "Paypage", which is called with the Kassenzeichen and
  sends the browser back to the procedure.
* Accounting data per position: *Haushaltsstelle* and *Objektnummer*, optionally a *Kontierungsobjekt*
  (``HREF``, e.g. tax key, cost centre). Organisation: the municipality is a *Mandant*, each online service a
  *Bewirtschafter* below it (Dataport "Plattformdienst Payment").
* Many operators put a REST facade in front of the SOAP server: the "ePayBL-Konnektor" (DResearch, used by
  pretix) and Dataport's "Plattformdienst Payment" (REST, return URLs for success/error/cancel plus an
  asynchronous success call). Their exact payloads are not public either.

What this adapter therefore assumes (one small, replaceable transport; see :class:`EpayblTransport`):

* a JSON-over-HTTPS facade at ``RATHAUS_EPAYBL_URL`` with two calls modelled on the SOAP operations:
  ``POST {url}/kassenzeichen`` (≈ anlegenKassenzeichen…) → ``{"kassenzeichen", "paypageUrl"}`` and
  ``GET {url}/kassenzeichen/{kassenzeichen}`` (≈ lesenKassenzeichenInfo) →
  ``{"kassenzeichen", "status", "betrag", "bezahltAm"}`` with status ``OFFEN``/``BEZAHLT``/``ABGEBROCHEN``/
  ``FEHLGESCHLAGEN``;
* authentication with HTTP Basic: Mandant/merchant id ``RATHAUS_EPAYBL_MERCHANT_ID`` and a secret read from
  the environment variable that ``RATHAUS_EPAYBL_SECRET_ENV`` names (the secret itself is never a setting
  and never stored in the database);
* Bewirtschafter, Haushaltsstelle and Objektnummer from ``RATHAUS_EPAYBL_BEWIRTSCHAFTER``,
  ``RATHAUS_EPAYBL_HAUSHALTSSTELLE``, ``RATHAUS_EPAYBL_OBJEKTNUMMER`` (one booking for the whole fee, like
  pretix' "Kontierung pro Zahlvorgang"); positions are sent for the citizen's receipt.

Whatever the browser brings back from the Paypage is ignored: the status is always read server to server,
and a "paid" answer counts only when the amount the platform reports equals ours. A platform that speaks SOAP
directly gets a SOAP transport implementing the same two methods; nothing else changes.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import PaymentProvider, ProviderError, ProviderStatus, browser_return_url
from .registry import register

if TYPE_CHECKING:
    from django.http import HttpRequest

    from rathaus.payments.models import Payment

log = logging.getLogger("rathaus.payments.epaybl")

# Platform status words → Payment.Status values. Anything unknown counts as "still at the provider".
_STATUS_MAP = {
    "OFFEN": "pending",
    "ANGELEGT": "pending",
    "IN_BEARBEITUNG": "pending",
    "BEZAHLT": "paid",
    "GEZAHLT": "paid",
    "ABGEBROCHEN": "cancelled",
    "STORNIERT": "cancelled",
    "FEHLGESCHLAGEN": "failed",
    "ABGELEHNT": "failed",
}


def _setting(name: str, default: str = "") -> str:
    """A setting, else the environment variable of the same name (operators configure through env)."""
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name, default)
    return str(value)


class EpayblTransport(Protocol):
    """The two calls the adapter needs. Implementations raise :class:`ProviderError` on any failure."""

    def create(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    def read(self, kassenzeichen: str) -> dict[str, Any]: ...


class JsonHttpTransport:
    """JSON over HTTP(S) with Basic authentication (see the module docstring for the assumed shape)."""

    def __init__(self, base_url: str, merchant_id: str, secret: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = (merchant_id, secret)
        self.timeout = timeout

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"{self.base_url}/kassenzeichen", json=payload)

    def read(self, kassenzeichen: str) -> dict[str, Any]:
        return self._call("GET", f"{self.base_url}/kassenzeichen/{quote(kassenzeichen, safe='')}")

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        unreachable = _("Die Bezahlplattform ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.")
        try:
            response = requests.request(
                method, url, auth=self.auth, timeout=self.timeout, headers={"Accept": "application/json"}, **kwargs
            )
        except requests.RequestException as exc:
            log.warning("epaybl_unreachable method=%s error=%s", method, type(exc).__name__)
            raise ProviderError(unreachable, detail=type(exc).__name__) from exc
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            log.warning("epaybl_http_error method=%s status=%s", method, response.status_code)
            raise ProviderError(unreachable, detail=f"HTTP {response.status_code}")
        if response.status_code >= 400:
            log.warning("epaybl_rejected method=%s status=%s", method, response.status_code)
            raise ProviderError(
                _("Die Bezahlplattform hat die Zahlung nicht angenommen. Bitte wenden Sie sich an die Stadtkasse."),
                detail=f"HTTP {response.status_code}",
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(unreachable, detail="no JSON") from exc
        if not isinstance(body, dict):
            raise ProviderError(unreachable, detail="JSON is not an object")
        return body


def default_transport() -> EpayblTransport:
    url = _setting("RATHAUS_EPAYBL_URL")
    merchant_id = _setting("RATHAUS_EPAYBL_MERCHANT_ID")
    secret_env = _setting("RATHAUS_EPAYBL_SECRET_ENV", "RATHAUS_EPAYBL_SECRET")
    secret = os.environ.get(secret_env, "")
    if not (url and merchant_id and secret):
        log.error("epaybl_not_configured url=%s merchant=%s secret_env=%s", bool(url), bool(merchant_id), secret_env)
        raise ProviderError(_("Die Online-Bezahlung ist für diese Kommune noch nicht eingerichtet."))
    return JsonHttpTransport(url, merchant_id, secret, float(_setting("RATHAUS_EPAYBL_TIMEOUT", "10")))


@register
class EpayblProvider(PaymentProvider):
    identifier = "epaybl"
    label = gettext_lazy("ePayBL (Zahlungsverkehrsplattform)")
    is_test = False

    def __init__(self, transport: EpayblTransport | None = None) -> None:
        self._transport = transport

    @property
    def transport(self) -> EpayblTransport:
        if self._transport is None:
            self._transport = default_transport()
        return self._transport

    def start(self, payment: Payment, *, request: HttpRequest) -> str:
        if not payment.provider_reference:
            answer = self.transport.create(self._payload(payment, browser_return_url(payment, request)))
            kassenzeichen = str(answer.get("kassenzeichen") or "")
            paypage = str(answer.get("paypageUrl") or "")
            if not kassenzeichen or not paypage:
                raise ProviderError(_("Die Bezahlplattform hat unvollständig geantwortet."), detail="missing fields")
            payment.provider_reference = kassenzeichen[:100]
            payment.provider_data = {**payment.provider_data, "paypage_url": paypage}
        paypage = str(payment.provider_data.get("paypage_url", ""))
        self._check_paypage(paypage)
        return paypage

    def check_status(self, payment: Payment) -> ProviderStatus:
        from rathaus.payments.models import Payment as PaymentModel

        if not payment.provider_reference:  # never reached the platform
            return ProviderStatus(PaymentModel.Status.OPEN)
        answer = self.transport.read(payment.provider_reference)
        word = str(answer.get("status", "")).upper()
        status = _STATUS_MAP.get(word, PaymentModel.Status.PENDING)
        detail: dict[str, Any] = {"plattform_status": word[:40]}
        paid_at = None
        if status == PaymentModel.Status.PAID:
            reported = _decimal(answer.get("betrag"))
            if reported != payment.amount:
                # A paid amount that does not match is a case for the Stadtkasse, not an automatic "paid".
                log.warning("epaybl_amount_mismatch payment=%s", payment.uuid)
                return ProviderStatus(
                    PaymentModel.Status.PENDING,
                    payment.provider_reference,
                    detail={**detail, "abweichender_betrag": str(reported) if reported is not None else None},
                )
            paid_at = _datetime(answer.get("bezahltAm"))
        return ProviderStatus(status, payment.provider_reference, paid_at=paid_at, detail=detail)

    def _payload(self, payment: Payment, return_url: str) -> dict[str, Any]:
        booking = {
            "haushaltsstelle": _setting("RATHAUS_EPAYBL_HAUSHALTSSTELLE"),
            "objektnummer": _setting("RATHAUS_EPAYBL_OBJEKTNUMMER"),
        }
        return {
            "bewirtschafter": _setting("RATHAUS_EPAYBL_BEWIRTSCHAFTER"),
            "fremdreferenz": str(payment.uuid),
            "vorgangsnummer": payment.reference,
            "verwendungszweck": payment.purpose,
            "betrag": f"{payment.amount:.2f}",
            "waehrung": payment.currency,
            "kontierung": booking,
            "positionen": [{"bezeichnung": line["label"], "betrag": line["amount"]} for line in payment.lines],
            "ruecksprung": {"erfolg": return_url, "abbruch": return_url, "fehler": return_url},
        }

    def _check_paypage(self, url: str) -> None:
        parts = urlsplit(url)
        api_scheme = urlsplit(_setting("RATHAUS_EPAYBL_URL")).scheme
        allowed = {"https"} if api_scheme == "https" else {"https", "http"}
        if parts.scheme not in allowed or not parts.netloc:
            raise ProviderError(_("Die Bezahlplattform hat eine ungültige Adresse geliefert."), detail="paypage url")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
