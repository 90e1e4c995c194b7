"""Stadtkasse (treasury) pages: reconciliation list, CSV export, status query, manual correction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rathaus.core.errors import ValidationFailed
from rathaus.identity import permissions
from rathaus.identity.decorators import staff_required
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .csv_export import payments_csv
from .errors import PaymentProviderUnavailable
from .forms import CorrectionForm, ReconciliationFilterForm
from .models import Payment

ROLES = permissions.TREASURY
PAGE_SIZE = 50


def _filtered(request: TenantRequest) -> tuple[ReconciliationFilterForm, Any]:
    form = ReconciliationFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, selectors.payments_for_reconciliation(request.tenant, **filters)


def _payment(request: TenantRequest, uuid: object) -> Payment:
    payment = selectors.payment_for_treasury(request.tenant, uuid)
    if payment is None:
        raise Http404
    return payment


def _back(request: TenantRequest, payment: Payment) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("treasury:detail", uuid=payment.uuid)


@staff_required(*ROLES)
@require_GET
def reconciliation(request: TenantRequest) -> HttpResponse:
    form, payments = _filtered(request)
    return _list(request, form, payments)


def _list(request: TenantRequest, form: ReconciliationFilterForm, payments: Any) -> HttpResponse:
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "payments/treasury_list.html",
        {
            "form": form,
            "page": page,
            "totals": selectors.totals_by_status(payments),
            "query": query.urlencode(),
        },
        status=422 if form.errors else 200,
    )


@staff_required(*ROLES)
@require_GET
def export_csv(request: TenantRequest) -> HttpResponse:
    form, payments = _filtered(request)
    if form.errors:
        # A mistyped filter must not quietly export every payment: show the list with the error instead.
        return _list(request, form, payments)
    response = HttpResponse(payments_csv(payments.iterator()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zahlungen-{request.tenant.slug}.csv"'
    return response


def _detail(request: TenantRequest, payment: Payment, form: CorrectionForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "payments/treasury_detail.html",
        {
            "payment": payment,
            "events": selectors.events_of(payment),
            "form": form,
        },
        status=status,
    )


@staff_required(*ROLES)
@require_GET
def detail(request: TenantRequest, uuid: object) -> HttpResponse:
    return _detail(request, _payment(request, uuid), CorrectionForm())


@staff_required(*ROLES)
@require_POST
def refresh(request: TenantRequest, uuid: object) -> HttpResponse:
    payment = _payment(request, uuid)
    before = payment.status
    try:
        services.refresh_status(payment=payment)
    except PaymentProviderUnavailable as exc:
        messages.warning(request, _("Statusabfrage nicht möglich: %(e)s") % {"e": exc.detail})
        return _back(request, payment)
    if payment.status != before:
        messages.success(
            request,
            _("Zahlung %(r)s: Status jetzt »%(s)s«.") % {"r": payment.reference, "s": payment.get_status_display()},
        )
    else:
        messages.info(
            request,
            _("Zahlung %(r)s: unverändert »%(s)s«.") % {"r": payment.reference, "s": payment.get_status_display()},
        )
    return _back(request, payment)


@staff_required(*ROLES)
@require_POST
def correct(request: TenantRequest, uuid: object) -> HttpResponse:
    payment = _payment(request, uuid)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _detail(request, payment, form, status=422)
    try:
        services.mark_by_treasury(
            payment=payment, status=form.cleaned_data["status"], actor=request.user, note=form.cleaned_data["note"]
        )
    except ValidationFailed as exc:
        form.add_error(None, str(exc.detail))
        return _detail(request, payment, form, status=422)
    messages.success(request, _("Die Korrektur wurde gespeichert und in der Historie vermerkt."))
    return redirect(reverse("treasury:detail", kwargs={"uuid": payment.uuid}))
