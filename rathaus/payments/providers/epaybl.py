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

* a JSON-over-HTTPS facade at the configured ``url`` with two calls modelled on the SOAP operations:
  ``POST {url}/kassenzeichen`` (≈ anlegenKassenzeichen…) → ``{"kassenzeichen", "paypageUrl"}`` and
  ``GET {url}/kassenzeichen/{kassenzeichen}`` (≈ lesenKassenzeichenInfo) →
  ``{"kassenzeichen", "status", "betrag", "bezahltAm"}`` with status ``OFFEN``/``BEZAHLT``/``ABGEBROCHEN``/
  ``FEHLGESCHLAGEN``;
* authentication with HTTP Basic: the municipality's Mandant/merchant id and a secret read from the
  environment variable its configuration names (``secret_env``; the secret itself is never an option and
  never stored in the database);
* Bewirtschafter, Haushaltsstelle and Objektnummer from the municipality's configuration (one booking for
  the whole fee, like pretix' "Kontierung pro Zahlvorgang"); positions are sent for the citizen's receipt.

Every value comes from the municipality's plugin configuration (:class:`EpayblOptions`, edited under
*Interner Bereich → Anbindungen*), so each municipality of an installation talks to its own Mandant.

Whatever the browser brings back from the Paypage is ignored: the status is always read server to server,
and a "paid" answer counts only when the amount the platform reports equals ours. A platform that speaks SOAP
directly gets a SOAP transport implementing the same two methods; nothing else changes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator

from rathaus.core.plugins import EnvRef, PluginConfigurationError, PluginOptions, option, resolve_secret

from .base import PaymentData, PaymentProvider, PaymentState, ProviderError, ProviderStatus, browser_return_url
from .registry import register

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger("rathaus.payments.epaybl")

# Platform status words → PaymentState values. Anything unknown counts as "still at the provider".
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


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _endpoint(value: str) -> str:
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        # Plain http only to this machine (a test platform); never credentials in the address.
        raise ValueError(_("Bitte eine HTTPS-Adresse ohne Zugangsdaten angeben, z. B. https://epay.example.de/api/v1."))
    return value.rstrip("/")


class EpayblOptions(PluginOptions):
    """A municipality's connection to its ePayBL platform (all but ``url``, ``merchant_id``, ``secret_env``
    may stay empty while the data centre has not assigned them)."""

    url: Annotated[str, AfterValidator(_endpoint)] = option(
        label=gettext_lazy("Adresse der Schnittstelle"),
        help=gettext_lazy("HTTPS-Adresse beim Rechenzentrum, z. B. https://epay.example.de/api/v1"),
        max_length=300,
    )
    merchant_id: str = option(
        label=gettext_lazy("Mandantenkennung"),
        help=gettext_lazy("Kennung des Zahlungsmandanten Ihrer Kommune bei der Plattform"),
        min_length=1,
        max_length=100,
    )
    secret_env: EnvRef = option(
        label=gettext_lazy("Umgebungsvariable mit dem Passwort"),
        help=gettext_lazy(
            "Name der Umgebungsvariable auf dem Server, die das Passwort enthält (vom Betrieb gesetzt), "
            "z. B. RATHAUS_EPAYBL_KEY_MUSTERSTADT – nie das Passwort selbst."
        ),
        max_length=100,
    )
    bewirtschafter: str = option("", label=gettext_lazy("Bewirtschafter-Nummer"), max_length=100)
    haushaltsstelle: str = option(
        "",
        label=gettext_lazy("Haushaltsstelle"),
        help=gettext_lazy("auf die die Gebühren gebucht werden"),
        max_length=100,
    )
    objektnummer: str = option("", label=gettext_lazy("Objektnummer"), max_length=100)
    timeout: float = option(10.0, label=gettext_lazy("Zeitlimit je Anfrage (Sekunden)"), gt=0, le=60)


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


def default_transport(options: EpayblOptions) -> EpayblTransport:
    """JSON over HTTP(S) with the municipality's options; the secret is read from the environment now."""
    try:
        secret = resolve_secret(options.secret_env)
    except PluginConfigurationError as exc:
        log.error("epaybl_secret_missing secret_env=%s", options.secret_env)
        raise ProviderError(
            _("Die Online-Bezahlung ist für diese Kommune noch nicht eingerichtet."), detail=exc.message
        ) from None
    return JsonHttpTransport(options.url, options.merchant_id, secret, options.timeout)


@register
class EpayblProvider(PaymentProvider):
    identifier = "epaybl"
    # Kept for municipalities already configured with it (payments begun here finish here); new ones use
    # XBezahldienste, which the ePayBL connectors speak – this JSON facade is an assumption (see above).
    label = gettext_lazy("ePayBL, eigene JSON-Schnittstelle (veraltet – neu: XBezahldienste)")
    options_model = EpayblOptions
    options: EpayblOptions

    def __init__(self, options: PluginOptions | None = None, transport: EpayblTransport | None = None) -> None:
        super().__init__(options)
        self._transport = transport

    @property
    def transport(self) -> EpayblTransport:
        if self._transport is None:
            self._transport = default_transport(self.options)
        return self._transport

    def start(self, payment: PaymentData, *, request: HttpRequest) -> str:
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

    def check_status(self, payment: PaymentData) -> ProviderStatus:
        if not payment.provider_reference:  # never reached the platform
            return ProviderStatus(PaymentState.OPEN)
        answer = self.transport.read(payment.provider_reference)
        word = str(answer.get("status", "")).upper()
        status = _STATUS_MAP.get(word, PaymentState.PENDING)
        detail: dict[str, Any] = {"plattform_status": word[:40]}
        paid_at = None
        if status == PaymentState.PAID:
            reported = _decimal(answer.get("betrag"))
            if reported != payment.amount:
                # A paid amount that does not match is a case for the Stadtkasse, not an automatic "paid".
                log.warning("epaybl_amount_mismatch payment=%s", payment.uuid)
                return ProviderStatus(
                    PaymentState.PENDING,
                    payment.provider_reference,
                    detail={**detail, "abweichender_betrag": str(reported) if reported is not None else None},
                )
            paid_at = _datetime(answer.get("bezahltAm"))
        return ProviderStatus(status, payment.provider_reference, paid_at=paid_at, detail=detail)

    def _payload(self, payment: PaymentData, return_url: str) -> dict[str, Any]:
        booking = {"haushaltsstelle": self.options.haushaltsstelle, "objektnummer": self.options.objektnummer}
        return {
            "bewirtschafter": self.options.bewirtschafter,
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
        api_scheme = urlsplit(self.options.url).scheme
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
