"""Staff pages of the Aussonderung (/intern/aussonderung/): runs, four-eyes approval, the xdomea exchange.

The records manager (administration) creates runs and exchanges the messages with the archive; a unit lead
approves. Every step is in ``retention.py`` (which journals it, refusals too); these views only ask it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import ADMIN_ROLE, RECORDS, Role, visible
from rathaus.tenants.http import TenantRequest

from . import gdpr, journal, retention, xdomea
from .journal import Actor
from .models import ArchiveExchange, CaseFile, DisposalRun
from .selectors import files_visible_to

ROLES = (ADMIN_ROLE, Role.UNIT_LEAD)
MAX_UPLOAD = 20 * 1024 * 1024
IMPORTED = {
    "0502": gettext_lazy("Die Bewertung des Archivs (0502) ist übernommen."),
    "0504": gettext_lazy("Das Archiv hat den Empfang des Anbieteverzeichnisses bestätigt (0504)."),
    "0506": gettext_lazy("Die Importbestätigung (0506) ist übernommen."),
    "0507": gettext_lazy("Das Archiv hat den Empfang der Aussonderung bestätigt (0507)."),
}


def _run(request: TenantRequest, run_uuid: uuid.UUID) -> DisposalRun:
    run = DisposalRun.objects.for_tenant(request.tenant).filter(uuid=run_uuid).first()
    if run is None:
        raise Http404
    return run


@require_http_methods(["GET", "POST"])
@staff_required(*ROLES)
def index(request: TenantRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            cutoff = dt.date.fromisoformat(request.POST.get("cutoff", "").strip()[:10])
        except ValueError:
            messages.error(request, _("Bitte geben Sie einen Stichtag im Format JJJJ-MM-TT an."))
            return redirect("retention:index")
        try:
            run = retention.create_run(tenant=request.tenant, user=request.user, cutoff=cutoff)
        except retention.RetentionError as exc:
            messages.error(request, str(exc))
            return redirect("retention:index")
        return redirect("retention:run", run.uuid)
    runs = DisposalRun.objects.for_tenant(request.tenant).select_related("created_by", "approved_by")
    today = timezone.localdate()
    return render(
        request,
        "records/retention/index.html",
        {
            "runs": runs[:100],
            "today": today,
            "due": len(retention.due_files(request.tenant.pk, today)),
            "manager": retention.is_records_manager(request.user, request.tenant),
        },
    )


@require_GET
@staff_required(*ROLES)
def run_detail(request: TenantRequest, run_uuid: uuid.UUID) -> HttpResponse:
    run = _run(request, run_uuid)
    return render(
        request,
        "records/retention/run.html",
        {
            "run": run,
            "items": run.items.select_related("file", "file__plan_unit"),
            "exchanges": run.exchanges.all(),
            "manager": retention.is_records_manager(request.user, request.tenant),
            "S": DisposalRun.Status,
        },
    )


@require_POST
@staff_required(*ROLES)
def run_action(request: TenantRequest, run_uuid: uuid.UUID) -> HttpResponse:
    run = _run(request, run_uuid)
    action = request.POST.get("action", "")
    upload = request.FILES.get("message")
    try:
        if action == "approve":
            retention.approve_run(run=run, user=request.user)
            messages.success(request, _("Die Aussonderung ist freigegeben."))
        elif action == "execute":
            retention.execute_run(run=run, user=request.user)
            messages.success(request, _("Ausgeführt: V-Akten vernichtet, A/B-Akten dem Archiv angeboten (0501)."))
        elif action == "transfer":
            retention.build_transfer(run=run, user=request.user)
            messages.success(request, _("Die Aussonderung (0503) ist erstellt."))
        elif action in ("import", "0502", "0506"):
            if upload is None or (upload.size or 0) > MAX_UPLOAD:
                messages.error(request, _("Bitte wählen Sie eine xdomea-Nachricht (höchstens 20 MB)."))
                return redirect("retention:run", run.uuid)
            data = upload.read()
            if action == "import":
                action = retention.import_message(run=run, user=request.user, data=data)
            elif action == "0502":
                retention.import_appraisal(run=run, user=request.user, data=data)
            else:
                retention.import_confirmation(run=run, user=request.user, data=data)
            messages.success(request, IMPORTED[action])
        else:
            raise Http404
    except retention.RetentionError as exc:
        messages.error(request, str(exc))
    except xdomea.XdomeaError as exc:
        messages.error(
            request, _("Die Nachricht wurde abgelehnt: %(problems)s") % {"problems": "; ".join(exc.problems[:20])}
        )
    return redirect("retention:run", run.uuid)


FILES_PAGE = 50


@require_GET
@staff_required(*ROLES)
def files(request: TenantRequest) -> HttpResponse:
    """The files the records manager (all) or a unit lead (their units) keeps: find one, see holds and ends."""
    query = request.GET.get("q", "").strip()[:80]
    status = request.GET.get("status", "")
    held = request.GET.get("sperre", "") == "1"
    found = visible(request.user, request.tenant, CaseFile.objects.all(), Role.UNIT_LEAD, unit_field="owner_unit")
    if query and query.isprintable():
        found = found.filter(reference__icontains=query)
    if status in CaseFile.Status.values:
        found = found.filter(status=status)
    if held:
        found = found.filter(legal_hold=True)
    rows = list(found.select_related("plan_unit").order_by("reference")[: FILES_PAGE + 1])
    return render(
        request,
        "records/retention/files.html",
        {
            "files": rows[:FILES_PAGE],
            "more": len(rows) > FILES_PAGE,
            "q": query,
            "status": status,
            "held": held,
            "statuses": CaseFile.Status.choices,
        },
    )


FILE_ACTIONS = {"close", "hold", "lift"}


@require_http_methods(["GET", "POST"])
@staff_required(*RECORDS)
def file_detail(request: TenantRequest, file_uuid: uuid.UUID) -> HttpResponse:
    """One file (Akte): its cases, retention and hold; close it (zdA) or set/lift a legal hold (Löschsperre).

    Visible to whoever works on the owner unit's cases (and the administration); anyone else gets 404, and the
    attempt is journaled. The rights to act are ``retention.may_close``/``may_hold``, asked again by the service.
    """
    visible_files = files_visible_to(request.user, request.tenant).select_related("party", "owner_unit")
    found = visible_files.filter(uuid=file_uuid).first()
    actor = Actor.of_request(request, "caseworker")
    if found is None:
        journal.record(
            tenant_id=request.tenant.pk,
            actor=actor,
            action="file.read",
            object_type="file",
            object_id=str(file_uuid),
            outcome="refused",
            detail={"method": request.method},
        )
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("_action", "")
        if action not in FILE_ACTIONS:
            raise Http404
        try:
            if action == "close":
                retention.close_file_as(case_file=found, user=request.user, tenant=request.tenant)
                messages.success(request, _("Die Akte ist geschlossen (zdA); ihre Aufbewahrungsfrist läuft."))
            else:
                retention.legal_hold_as(
                    case_file=found,
                    user=request.user,
                    tenant=request.tenant,
                    hold=action == "hold",
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request,
                    _("Die Löschsperre ist gesetzt.") if action == "hold" else _("Die Löschsperre ist aufgehoben."),
                )
        except retention.RetentionError as exc:
            errors.append(str(exc))
        else:
            return redirect("retention:file", found.uuid)
    else:
        journal.record(
            tenant_id=request.tenant.pk, actor=actor, action="file.read", object_type="file", object_id=found.reference
        )
    cases = found.cases.select_related("assignee").order_by("number")
    return render(
        request,
        "records/retention/file.html",
        {
            "file": found,
            "cases": cases,
            "errors": errors,
            "may_close": found.status == CaseFile.Status.OPEN
            and retention.may_close(request.user, request.tenant, found),
            "may_hold": found.status not in retention.GONE and retention.may_hold(request.user, request.tenant, found),
            "reason": request.POST.get("reason", "")[:300] if errors else "",
        },
        status=422 if errors else 200,
    )


@require_GET
@staff_required(ADMIN_ROLE)
def exchange_download(request: TenantRequest, run_uuid: uuid.UUID, pk: int) -> HttpResponse:
    run = _run(request, run_uuid)
    exchange = ArchiveExchange.objects.for_tenant(request.tenant).filter(run=run, pk=pk).first()
    if exchange is None:
        raise Http404
    kind = "application/zip" if exchange.name.endswith(".zip") else "application/xml"
    response = HttpResponse(bytes(exchange.content), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{exchange.name}"'
    return response


@require_http_methods(["GET", "POST"])
@staff_required(ADMIN_ROLE)
def access_export(request: TenantRequest) -> HttpResponse:
    """GDPR Art. 15: everything the E-Akte keeps about one person (by e-mail address), as a zip."""
    email = request.POST.get("email", "").strip()[:254] if request.method == "POST" else ""
    if request.method == "POST":
        if "@" not in email or "\x00" in email or not email.isprintable():
            messages.error(request, _("Bitte geben Sie eine E-Mail-Adresse an."))
        elif not gdpr.parties_of(tenant_id=request.tenant.pk, email=email):
            messages.error(request, _("Zu dieser Adresse ist in der E-Akte niemand verzeichnet."))
        else:
            data = gdpr.access_export_zip(
                tenant_id=request.tenant.pk, actor=Actor.of_request(request, ADMIN_ROLE), email=email
            )
            response = HttpResponse(data, content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="auskunft-e-akte.zip"'
            return response
    return render(request, "records/retention/access.html", {"email": email})
