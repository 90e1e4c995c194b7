"""XBezahldienste: FITKO's REST standard between online services and "Bezahldienste" (payment platforms).

The ePayBL connectors of the state data centres, pmPayment and epay21 speak it. One payment is one
*payment transaction* at the platform:

1. ``POST {base}/paymenttransaction/{originatorId}/{endpointId}`` with a *PaymentRequest* (our ``requestId``,
   amount ``grosAmount`` in EUR, a short ``purpose``, ``redirectUrl`` back to Rathaus, and ``items`` – one per fee
   line, each with its *Buchungsdaten* in ``bookingData``: Haushaltsstelle, Objektnummer, Kassenzeichen,
   Buchungstext). The platform answers a *PaymentTransaction*: the request as it stored it, and
   ``paymentInformation`` with its ``transactionId``, status ``INITIAL`` and ``transactionRedirectUrl`` – the pay
   page the citizen's browser is sent to.
2. The browser comes back to ``redirectUrl``. What it brings is never trusted: Rathaus asks
   ``GET {base}/paymenttransaction/{originatorId}/{endpointId}/{transactionId}`` server to server and takes the
   status from there: ``INITIAL`` (still at the platform), ``PAYED``, ``FAILED``, ``CANCELED``.

What the platform says is checked before it counts: the transaction and request ids must be ours, and *paid*
counts only when the amount the platform reports (``grosAmount`` and the sum of the items) equals ours; a
different amount is left for the Stadtkasse (status stays *pending*, the history records the amount).

Per municipality (*Interner Bereich → Anbindungen*): the base URL (HTTPS; plain HTTP only to this machine; the
host must be in ``RATHAUS_PAYMENT_HOSTS`` when the operator set that list), originator and endpoint ids, user
name, the *name* of the environment variable holding the password, default Haushaltsstelle and Objektnummer,
rules per service (matched against the payment's purpose, which names the service), an optional
Kassenzeichen prefix, timeout and retries. A fee line may bring its own Haushaltsstelle, Objektnummer and
Buchungstext (see ``services.start_payment``); otherwise the service's rule, otherwise the defaults apply.

Only status queries are retried (a GET changes nothing); creating a transaction is not, because the standard
does not promise that the platform recognises a repeated ``requestId``. The ``requestId`` of an attempt is
derived from the payment, so a citizen who tries again after a lost answer sends the same id. The payer's name
and address (``requestor``) are not sent: the platform does not need them to take a fee (data minimisation).
The ``transactionUrl`` the platform returns is not followed: status URLs are built from the configured base.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from rathaus.core.plugins import EnvRef, PluginConfigurationError, PluginOptions, option, resolve_secret

from .base import PaymentData, PaymentProvider, PaymentState, ProviderError, ProviderStatus, browser_return_url
from .registry import register

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger("rathaus.payments.xbezahldienste")

STATUS = {"INITIAL": PaymentState.PENDING, "PAYED": PaymentState.PAID, "FAILED": PaymentState.FAILED}
STATUS["CANCELED"] = PaymentState.CANCELLED
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_ANSWER_BYTES = 1_000_000
ID = re.compile(r"[A-Za-z0-9_.-]{1,36}")
CENT = Decimal("0.01")
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
DATA_KEY = "xbezahldienste"  # provider_data[DATA_KEY] = {"attempt", "request_id", "redirect_url"}


def allowed_hosts() -> list[str]:
    """``RATHAUS_PAYMENT_HOSTS``: the platform hosts this installation may talk to (empty: any HTTPS host)."""
    return [h.lower().strip(".") for h in getattr(settings, "RATHAUS_PAYMENT_HOSTS", []) if h]


def _host_listed(host: str, listed: list[str]) -> bool:
    return any(host == entry or host.endswith("." + entry) for entry in listed)


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK)
    if not secure or not host or parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            _(
                "Bitte eine HTTPS-Adresse ohne Zugangsdaten angeben, z. B. https://epay.example.de/xbezahldienste/api/v1."
            )
        )
    listed = allowed_hosts()
    if listed and host not in LOOPBACK and not _host_listed(host, listed):
        raise ValueError(
            _("Der Server %(host)s ist für Zahlungen nicht freigegeben (RATHAUS_PAYMENT_HOSTS, vom Betrieb gesetzt).")
            % {"host": host}
        )
    return value.rstrip("/")


def _identifier(value: str) -> str:
    if not ID.fullmatch(value):
        raise ValueError(_("Nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich (höchstens 36 Zeichen)."))
    return value


def _booking_rules(value: str) -> str:
    parse_booking_rules(value)
    return value


def parse_booking_rules(value: str) -> list[tuple[str, str, str]]:
    """``"Leistung = Haushaltsstelle / Objektnummer; …"`` → ``[(leistung, haushaltsstelle, objektnummer)]``,
    longest service name first (the most specific rule wins). Raises ``ValueError`` with a German message."""
    rules: list[tuple[str, str, str]] = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        name, equals, booking = part.partition("=")
        account, _slash, object_number = booking.partition("/")
        name, account, object_number = name.strip(), account.strip(), object_number.strip()
        if not equals or not name or not account or len(account) > 50 or len(object_number) > 50:
            raise ValueError(
                _("Regel »%(rule)s«: bitte »Leistung = Haushaltsstelle / Objektnummer«, mehrere mit »;« getrennt.")
                % {"rule": part[:60]}
            )
        rules.append((name, account, object_number))
    return sorted(rules, key=lambda rule: -len(rule[0]))


class XBezahldiensteOptions(PluginOptions):
    """A municipality's connection to its Bezahldienst (values from the platform's operator)."""

    base_url: Annotated[str, AfterValidator(_base_url)] = option(
        label=gettext_lazy("Basis-Adresse der Schnittstelle"),
        help=gettext_lazy(
            "HTTPS-Adresse nach XBezahldienste-Standard, z. B. https://epay.example.de/xbezahldienste/api/v1"
        ),
        max_length=300,
    )
    originator_id: Annotated[str, AfterValidator(_identifier)] = option(
        label=gettext_lazy("Originator-ID"),
        help=gettext_lazy("Kennung des Online-Dienstes beim Bezahldienst (vom Betreiber vergeben)"),
    )
    endpoint_id: Annotated[str, AfterValidator(_identifier)] = option(
        label=gettext_lazy("Endpoint-ID"),
        help=gettext_lazy("Kennung der zuständigen Stelle beim Bezahldienst, z. B. der Kasse Ihrer Kommune"),
    )
    username: str = option(label=gettext_lazy("Benutzername"), min_length=1, max_length=100)
    password_env: EnvRef = option(
        label=gettext_lazy("Umgebungsvariable mit dem Passwort"),
        help=gettext_lazy(
            "Name der Umgebungsvariable auf dem Server, die das Passwort enthält (vom Betrieb gesetzt), "
            "z. B. RATHAUS_XBEZAHL_PASSWORD_MUSTERSTADT – nie das Passwort selbst."
        ),
        max_length=100,
    )
    haushaltsstelle: str = option(
        "",
        label=gettext_lazy("Haushaltsstelle (Vorgabe)"),
        help=gettext_lazy("Buchungsstelle im Haushalt, auf die Gebühren ohne eigene Angabe gebucht werden"),
        max_length=50,
    )
    objektnummer: str = option(
        "",
        label=gettext_lazy("Objektnummer (Vorgabe)"),
        help=gettext_lazy("Kostenträger/Produkt bzw. Objekt der Kasse, wenn die Leistung keine eigene hat"),
        max_length=50,
    )
    buchungen_je_leistung: Annotated[str, AfterValidator(_booking_rules)] = option(
        "",
        label=gettext_lazy("Buchungen je Leistung"),
        help=gettext_lazy(
            "Abweichend von der Vorgabe, getrennt durch »;«: Leistung = Haushaltsstelle / Objektnummer, "
            "z. B. »Anwohnerparkausweis = 1.1220.200 / 12200010; Hund anmelden = 6.1100.000«"
        ),
        max_length=2000,
    )
    kassenzeichen_prefix: str = option(
        "",
        label=gettext_lazy("Vorsatz für Kassenzeichen"),
        help=gettext_lazy(
            "Leer: das Kassenzeichen vergibt der Bezahldienst. Sonst: Vorsatz + Vorgangsnummer, z. B. »5.0123.«"
        ),
        max_length=20,
    )
    timeout: float = option(10.0, label=gettext_lazy("Zeitlimit je Anfrage (Sekunden)"), gt=0, le=60)
    retries: int = option(2, label=gettext_lazy("Wiederholungen der Statusabfrage"), ge=0, le=3)


# --- answers of the platform (only what we read; everything else may be there) ------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Item(_Lenient):
    totalNetAmount: Decimal
    totalTaxAmount: Decimal = Decimal(0)


class _Request(_Lenient):
    requestId: str
    currency: Literal["EUR"]
    grosAmount: Decimal
    items: list[_Item] = []


class _Information(_Lenient):
    transactionId: str
    status: Literal["INITIAL", "PAYED", "FAILED", "CANCELED"]
    transactionRedirectUrl: str | None = None
    transactionReference: str | None = None
    transactionTimestamp: str | None = None
    paymentMethod: str | None = None
    statusDetail: str | None = None


class Transaction(_Lenient):
    paymentRequest: _Request
    paymentInformation: _Information


# --- the HTTP side -----------------------------------------------------------------------------------------


class Client:
    """The two calls, JSON over HTTPS with HTTP Basic. Raises :class:`ProviderError` on anything unusable."""

    def __init__(self, options: XBezahldiensteOptions, password: str, *, sleep: Callable[[float], None] = time.sleep):
        self.options = options
        self.base = f"{options.base_url}/paymenttransaction/{quote(options.originator_id)}/{quote(options.endpoint_id)}"
        self.auth = (options.username, password)
        self.sleep = sleep

    def create(self, request: dict[str, Any]) -> Transaction:
        body = json.dumps(request, default=_json_number, ensure_ascii=False).encode()
        return self._call("POST", self.base, body=body, attempts=1)

    def read(self, transaction_id: str) -> Transaction:
        return self._call("GET", f"{self.base}/{quote(transaction_id, safe='')}", attempts=1 + self.options.retries)

    def _call(self, method: str, url: str, *, attempts: int, body: bytes | None = None) -> Transaction:
        unreachable = _("Die Bezahlplattform ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.")
        timeout = (min(self.options.timeout, 5.0), self.options.timeout)
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        for attempt in range(attempts):
            if attempt:
                self.sleep(min(0.25 * 2**attempt, 2.0))
            try:
                response = requests.request(
                    method, url, data=body, auth=self.auth, headers=headers, timeout=timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                log.warning("xbezahl_unreachable method=%s attempt=%s error=%s", method, attempt, type(exc).__name__)
                error = ProviderError(unreachable, detail=type(exc).__name__)
                continue
            if response.status_code >= 500 or response.status_code == 429:
                log.warning("xbezahl_http_error method=%s attempt=%s status=%s", method, attempt, response.status_code)
                error = ProviderError(unreachable, detail=f"HTTP {response.status_code}")
                continue
            return self._parse(method, response, unreachable)
        raise error

    def _parse(self, method: str, response: requests.Response, unreachable: str) -> Transaction:
        status = response.status_code
        if status in (401, 403):
            log.error("xbezahl_not_authorised method=%s status=%s", method, status)
            raise ProviderError(unreachable, detail=f"HTTP {status}")
        if status != 200 and status != 201:
            log.warning("xbezahl_rejected method=%s status=%s", method, status)
            raise ProviderError(
                _("Die Bezahlplattform hat die Zahlung nicht angenommen. Bitte wenden Sie sich an die Stadtkasse."),
                detail=f"HTTP {status}",
            )
        content = response.content
        if len(content) > MAX_ANSWER_BYTES:
            raise ProviderError(unreachable, detail="answer too large")
        try:
            return Transaction.model_validate(json.loads(content, parse_float=Decimal))
        except (ValueError, ValidationError) as exc:
            log.warning("xbezahl_malformed_answer method=%s error=%s", method, type(exc).__name__)
            raise ProviderError(
                _("Die Bezahlplattform hat unverständlich geantwortet. Bitte versuchen Sie es später erneut."),
                detail="malformed answer",
            ) from None


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # two decimal places below 1,000,000: exact in a JSON number
    raise TypeError(type(value).__name__)


# --- the provider ------------------------------------------------------------------------------------------


@register
class XBezahldiensteProvider(PaymentProvider):
    identifier = "xbezahldienste"
    label = gettext_lazy("XBezahldienste (ePayBL-Konnektor, pmPayment, epay21)")
    options_model = XBezahldiensteOptions
    options: XBezahldiensteOptions

    def __init__(self, options: PluginOptions | None = None, client: Client | None = None) -> None:
        super().__init__(options)
        self._client = client

    @property
    def client(self) -> Client:
        if self._client is None:
            try:
                password = resolve_secret(self.options.password_env)
            except PluginConfigurationError as exc:
                log.error("xbezahl_secret_missing password_env=%s", self.options.password_env)
                raise ProviderError(
                    _("Die Online-Bezahlung ist für diese Kommune noch nicht eingerichtet."), detail=exc.message
                ) from None
            self._client = Client(self.options, password)
        return self._client

    def start(self, payment: PaymentData, *, request: HttpRequest) -> str:
        state = dict(payment.provider_data.get(DATA_KEY) or {})
        if payment.provider_reference and state.get("request_id"):
            current = self._read(payment, state)
            status = current.paymentInformation.status
            if status == "INITIAL" and current.paymentInformation.transactionRedirectUrl:
                return self._checked_redirect(current.paymentInformation.transactionRedirectUrl)
            if status == "PAYED":  # paid but not yet recorded here: the return page records it
                return browser_return_url(payment, request)
            # FAILED or CANCELED: the citizen tries again with a new transaction.
        attempt = int(state.get("attempt", 0)) + 1
        request_id = f"{payment.uuid.hex}-{attempt:02d}"
        answer = self.client.create(self._payment_request(payment, request_id, browser_return_url(payment, request)))
        info = answer.paymentInformation
        if answer.paymentRequest.requestId != request_id or not ID.fullmatch(info.transactionId[:36]):
            raise ProviderError(_("Die Bezahlplattform hat unverständlich geantwortet."), detail="foreign request id")
        if not info.transactionRedirectUrl:
            raise ProviderError(_("Die Bezahlplattform hat unvollständig geantwortet."), detail="no redirect url")
        redirect = self._checked_redirect(info.transactionRedirectUrl)
        payment.provider_reference = info.transactionId[:100]
        payment.provider_data = {
            **payment.provider_data,
            DATA_KEY: {"attempt": attempt, "request_id": request_id, "redirect_url": redirect[:2048]},
        }
        return redirect

    def check_status(self, payment: PaymentData) -> ProviderStatus:
        state = payment.provider_data.get(DATA_KEY) or {}
        if not payment.provider_reference or not state.get("request_id"):
            return ProviderStatus(PaymentState.OPEN)
        answer = self._read(payment, state)
        info = answer.paymentInformation
        detail: dict[str, Any] = {"plattform_status": info.status}
        if info.transactionReference:
            detail["kassenzeichen"] = info.transactionReference[:36]
        if info.paymentMethod:
            detail["zahlart"] = info.paymentMethod[:20]
        status = STATUS[info.status]
        if status != PaymentState.PAID:
            return ProviderStatus(status, payment.provider_reference, detail=detail)
        reported = _cents(answer.paymentRequest.grosAmount)
        items = sum((_cents(i.totalNetAmount + i.totalTaxAmount) for i in answer.paymentRequest.items), Decimal(0))
        if reported != payment.amount or (answer.paymentRequest.items and items != payment.amount):
            # Paid, but not what we asked for: a case for the Stadtkasse, never an automatic "paid".
            log.warning("xbezahl_amount_mismatch payment=%s", payment.uuid)
            detail["abweichender_betrag"] = str(reported)
            return ProviderStatus(PaymentState.PENDING, payment.provider_reference, detail=detail)
        paid_at = _timestamp(info.transactionTimestamp)
        return ProviderStatus(status, payment.provider_reference, paid_at=paid_at, detail=detail)

    # --- helpers ---------------------------------------------------------------------------------------------

    def _read(self, payment: PaymentData, state: dict[str, Any]) -> Transaction:
        answer = self.client.read(payment.provider_reference)
        if (
            answer.paymentInformation.transactionId != payment.provider_reference
            or answer.paymentRequest.requestId != state.get("request_id")
        ):
            log.warning("xbezahl_foreign_transaction payment=%s", payment.uuid)
            raise ProviderError(
                _("Die Bezahlplattform hat unverständlich geantwortet. Bitte versuchen Sie es später erneut."),
                detail="answer for another transaction",
            )
        return answer

    def _payment_request(self, payment: PaymentData, request_id: str, return_url: str) -> dict[str, Any]:
        lines = list(payment.lines) or [{"label": payment.purpose, "amount": str(payment.amount)}]
        reference = _ascii(payment.reference, r"[^A-Za-z0-9_-]")[:36] or request_id[:36]
        return {
            "requestId": request_id,
            "requestTimestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "currency": "EUR",
            "grosAmount": _cents(payment.amount),
            "purpose": (_ascii(f"{payment.reference} {payment.purpose}", r"[^A-Za-z0-9 -]")[:27].strip() or "Gebuehr"),
            "description": _text(payment.purpose),
            "redirectUrl": return_url,
            "items": [self._item(i, line, payment, reference) for i, line in enumerate(lines, start=1)],
        }

    def _item(self, number: int, line: dict[str, Any], payment: PaymentData, reference: str) -> dict[str, Any]:
        amount = _cents(Decimal(str(line["amount"])))
        account, object_number = self._service_booking(payment.purpose)
        booking = {
            "haushaltsstelle": line.get("haushaltsstelle") or account,
            "objektnummer": line.get("objektnummer") or object_number,
            "kassenzeichen": f"{self.options.kassenzeichen_prefix}{payment.reference}"
            if self.options.kassenzeichen_prefix
            else "",
            "buchungstext": line.get("buchungstext") or f"{payment.reference} {line['label']}",
        }
        item: dict[str, Any] = {
            "id": str(number),
            "reference": reference,
            "description": _text(str(line["label"])),
            "taxRate": 0,  # fees of a public authority carry no VAT
            "quantity": 1,
            "singleNetAmount": amount,
            "singleTaxAmount": Decimal(0),
            "totalNetAmount": amount,
            "totalTaxAmount": Decimal(0),
        }
        cleaned = {key: _text(value) for key, value in booking.items() if value and _text(value)}
        if cleaned:
            item["bookingData"] = cleaned
        return item

    def _service_booking(self, purpose: str) -> tuple[str, str]:
        """Haushaltsstelle and Objektnummer of the service named in ``purpose`` ("<number> <service>"), else
        the municipality's defaults."""
        folded = purpose.casefold()
        for name, account, object_number in parse_booking_rules(self.options.buchungen_je_leistung):
            if name.casefold() in folded:
                return account, object_number or self.options.objektnummer
        return self.options.haushaltsstelle, self.options.objektnummer

    def _checked_redirect(self, url: str) -> str:
        """The pay page: HTTPS (plain HTTP only when the API itself is on this machine) on a trusted host."""
        parts = urlsplit(url)
        api = urlsplit(self.options.base_url)
        host, api_host = (parts.hostname or "").lower(), (api.hostname or "").lower()
        schemes = {"https", "http"} if api.scheme == "http" else {"https"}
        same_site = host == api_host or _parent(host) == _parent(api_host)
        trusted = same_site or _host_listed(host, allowed_hosts())
        if parts.scheme not in schemes or not host or parts.username or parts.password or not trusted:
            log.warning("xbezahl_untrusted_redirect host=%s", host[:100])
            raise ProviderError(_("Die Bezahlplattform hat eine ungültige Adresse geliefert."), detail="redirect url")
        return url


def _parent(host: str) -> str:
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 and not host.replace(".", "").isdigit() else host


def _cents(value: Decimal) -> Decimal:
    try:
        return Decimal(value).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        return Decimal("-1")


def _ascii(value: str, forbidden: str) -> str:
    """``value`` transliterated to ASCII (ä → ae, ß → ss), characters matching ``forbidden`` dropped."""
    value = value.translate(UMLAUTS)
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(forbidden, "", value))


def _text(value: str) -> str:
    """Printable text of at most 250 characters (control characters and lone surrogates removed)."""
    cleaned = "".join(ch for ch in value if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF)
    return " ".join(cleaned.split())[:250]


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
