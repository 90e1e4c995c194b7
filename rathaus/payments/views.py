"""Citizen pages: pay, come back from the provider, and the demo provider's test payment page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.identity.selectors import acting
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .errors import PaymentNotPayable, PaymentProviderUnavailable
from .models import Payment, PaymentEvent
from .providers.base import with_token
from .providers.demo import OUTCOME_CANCELLED, OUTCOME_PAID
from .providers.registry import demo_plugins_allowed


def euro(amount: Decimal) -> str:
    return f"{number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


def _citizen_payment(request: TenantRequest, uuid: object) -> Payment:
    """The payment if this browser may act on it: its payer (acting for an organisation: any representative of
    the organisation it belongs to), or the holder of the signed token. Else 404."""
    if request.tenant is None:
        raise Http404
    who = acting(request) if request.user.is_authenticated else request.user
    payment = selectors.payment_for_payer(request.tenant, uuid, who)
    if payment is None:
        token = request.GET.get("t") or request.POST.get("t") or ""
        payment = selectors.payment_for_token(request.tenant, uuid, token)
    if payment is None:
        raise Http404
    return payment


@require_http_methods(["GET", "POST"])
def pay(request: TenantRequest, uuid: object) -> HttpResponse:
    payment = _citizen_payment(request, uuid)
    if request.method == "POST":
        try:
            return redirect(services.begin_redirect(payment=payment, request=request))
        except (PaymentProviderUnavailable, PaymentNotPayable) as exc:
            messages.warning(request, str(exc.detail))
    return render(request, "payments/pay.html", {"payment": payment, "token": request.GET.get("t", "")})


@require_GET
def browser_return(request: TenantRequest, uuid: object) -> HttpResponse:
    """Where the provider sends the browser back. Query parameters are ignored: the status is asked server-side."""
    payment = _citizen_payment(request, uuid)
    try:
        services.refresh_status(payment=payment, source=PaymentEvent.Source.BROWSER_RETURN)
    except PaymentProviderUnavailable:
        messages.warning(
            request,
            _(
                "Der Zahlungsstatus konnte gerade nicht beim Zahlungsanbieter abgefragt werden. "
                "Falls Sie bezahlt haben, müssen Sie nichts weiter tun: wir prüfen den Status automatisch erneut."
            ),
        )
        return redirect(payment.return_url)
    amount = euro(payment.amount)
    if payment.status == Payment.Status.PAID:
        messages.success(request, _("Vielen Dank – Ihre Zahlung über %(a)s ist eingegangen.") % {"a": amount})
    elif payment.status == Payment.Status.CANCELLED:
        messages.warning(
            request, _("Sie haben die Zahlung abgebrochen. Sie können die Gebühr jederzeit erneut bezahlen.")
        )
    elif payment.status == Payment.Status.FAILED:
        messages.error(
            request, _("Die Zahlung ist fehlgeschlagen. Es wurde nichts abgebucht. Bitte versuchen Sie es erneut.")
        )
    else:
        messages.info(
            request,
            _(
                "Ihre Zahlung über %(a)s ist noch nicht bestätigt. "
                "Sobald der Zahlungsanbieter sie bestätigt, sehen Sie es hier."
            )
            % {"a": amount},
        )
    return redirect(payment.return_url)


@require_http_methods(["GET", "POST"])
def demo(request: TenantRequest, uuid: object) -> HttpResponse:
    """The demo provider's "platform" page: clearly a test, no money moves."""
    payment = _citizen_payment(request, uuid)
    if payment.provider != "demo" or not demo_plugins_allowed():  # no test payment page in production
        raise Http404
    if request.method == "POST":
        outcome = request.POST.get("action")
        if outcome not in (OUTCOME_PAID, OUTCOME_CANCELLED):
            return render(request, "payments/demo.html", {"payment": payment}, status=400)
        try:
            services.record_demo_outcome(payment=payment, outcome=outcome)
        except PaymentNotPayable as exc:
            messages.info(request, str(exc.detail))
        return redirect(with_token(reverse("payments:return", args=[payment.uuid]), payment))
    return render(request, "payments/demo.html", {"payment": payment, "token": request.GET.get("t", "")})


@csrf_exempt  # called server to server by the platform; it only triggers our own status query
@require_POST
def notification(request: TenantRequest, uuid: object) -> HttpResponse:
    """A provider's "something changed" call. Its body is not trusted; we ask the provider ourselves."""
    if request.tenant is None:
        raise Http404
    payment = selectors.payment_for_treasury(request.tenant, uuid)
    if payment is None:
        raise Http404
    try:
        services.refresh_status(payment=payment, source=PaymentEvent.Source.NOTIFICATION)
    except PaymentProviderUnavailable:
        return HttpResponse(status=503)
    return HttpResponse(status=204)
