"""Citizen pages of an application in progress: the steps, the summary, submitting, the confirmation, deleting.

Every page works without JavaScript. Follow-up questions (elements whose condition reads an answer on the same
step) appear after "Weiter" posts that answer — the step comes back with them revealed and nothing typed is
lost — or, with JavaScript, as soon as the answer changes (``rathaus/followups.js`` posts ``_action=refresh``:
the step is rendered again from what is typed, nothing is stored).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus import formengine
from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.core.text import storable
from rathaus.formengine.i18n import localize
from rathaus.formengine.rendering import controllers, follow_ups, html_id, step_view
from rathaus.identity import selectors as identity
from rathaus.identity.services import session_trust_level
from rathaus.identity.trust import satisfies
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import Draft

STEP_ACTIONS = ("next", "back", "save", "refresh")


def _citizen(request: TenantRequest) -> bool:
    return bool(request.user.is_authenticated and not getattr(request.user, "is_employee", False))


def _draft_or_404(request: TenantRequest, draft_uuid: Any) -> Draft:
    if not _citizen(request):
        raise Http404
    draft = selectors.draft_of(request.tenant, identity.acting(request), draft_uuid)
    if draft is None:
        raise Http404
    return draft


def _trust_ok(request: TenantRequest, draft: Draft) -> bool:
    return satisfies(session_trust_level(request), selectors.needed_level(draft.form_version.service))


@require_http_methods(["GET", "POST"])
def step(request: TenantRequest, draft_uuid: Any, step_id: str) -> HttpResponse:
    draft = _draft_or_404(request, draft_uuid)
    if not _trust_ok(request, draft):
        return redirect("applications:start", slug=draft.form_version.service.slug)
    definition = localize(draft.form_version.parsed())  # the citizen's language, German where untranslated
    if step_id not in [s.id for s in definition.steps]:
        raise Http404
    if request.method == "POST":
        return _post_step(request, draft, definition, step_id)
    # Answers saved as typed ("später weitermachen", "Zurück") come back with their errors.
    errors = formengine.typed_errors(definition, draft.answers, files=draft.files, step_id=step_id)
    return _render_step(request, draft, definition, step_id, values=draft.answers, errors=errors)


def _post_step(request: TenantRequest, draft: Draft, definition: Any, step_id: str) -> HttpResponse:
    step_ids = [s.id for s in definition.steps]
    index = step_ids.index(step_id)
    action = request.POST.get("_action", "next")
    action = action if action in STEP_ACTIONS else "next"
    if action == "refresh":
        result = formengine.validate_step(definition, step_id, request.POST, answers=draft.answers, files=draft.files)
        return _render_step(
            request,
            draft,
            definition,
            step_id,
            values={**draft.answers, step_id: result.display},
            visible={**draft.answers, step_id: result.answers},
        )
    uploads = {name: f for name, f in request.FILES.items() if f}
    before = draft.answers  # what the page was rendered from
    keep = action in ("save", "back")
    result = services.save_step(draft=draft, step_id=step_id, data=request.POST, uploads=uploads, keep_invalid=keep)
    values = {**draft.answers, step_id: result.display}
    visible = {**draft.answers, step_id: result.answers}
    if result.action is not None:  # a repeat item added or removed: the same step again
        return _render_step(request, draft, definition, step_id, values=values, visible=visible)
    refused = _refused(uploads, result.errors)
    if keep:
        if refused:
            # The rest is saved; the citizen must learn that the file is not, and may choose another one.
            return _render_step(
                request,
                draft,
                definition,
                step_id,
                values=values,
                visible=visible,
                errors={file["path"]: result.errors[file["path"]] for file in refused},
                refused=refused,
                status=422,
            )
        if action == "back" and index > 0:
            services.remember_step(draft=draft, step_id=step_ids[index - 1])
            return redirect("applications:step", draft_uuid=draft.uuid, step_id=step_ids[index - 1])
        services.remember_step(draft=draft, step_id=step_id)
        if result.errors:
            messages.success(
                request,
                _(
                    "Ihr Entwurf ist gespeichert. Einige Angaben sind noch nicht vollständig oder richtig; "
                    "wir zeigen sie Ihnen, wenn Sie weitermachen. Sie finden den Entwurf unter »Meine Anträge«."
                ),
            )
        else:
            messages.success(request, _("Ihr Entwurf ist gespeichert. Sie finden ihn unter »Meine Anträge«."))
        return redirect("applications:mine")
    answered = [k for k, v in request.POST.lists() if any(v)] + list(uploads)
    seen = [
        *request.POST.getlist("_shown"),
        *follow_ups(step_view(definition, step_id, before, {}, timezone.localdate())),
    ]
    revealed = _revealed(definition, step_id, values, visible, seen, answered)
    if result.errors or revealed:
        # New follow-up questions are not errors yet: the citizen has not seen them.
        errors = {p: m for p, m in result.errors.items() if not any(_under(p, r) for r in revealed)}
        return _render_step(
            request,
            draft,
            definition,
            step_id,
            values=values,
            visible=visible,
            errors=errors,
            revealed=bool(revealed),
            status=422 if errors else 200,
        )
    next_step = step_ids[min(index + 1, len(step_ids) - 1)]
    services.remember_step(draft=draft, step_id=next_step)
    if index + 1 < len(step_ids):
        return redirect("applications:step", draft_uuid=draft.uuid, step_id=next_step)
    return redirect("applications:summary", draft_uuid=draft.uuid)


def _refused(uploads: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """The uploads of this post that were not accepted: path, file name and why."""
    return [
        {
            "path": path,
            "id": html_id(path),
            "name": storable(str(getattr(upload, "name", "") or _("ohne Namen"))),
            "reason": " ".join(errors[path]),
        }
        for path, upload in uploads.items()
        if path in errors
    ]


def _revealed(
    definition: Any, step_id: str, values: Any, visible: Any, shown: list[str], answered: list[str]
) -> set[str]:
    """Follow-up elements that the answers just posted reveal and that the citizen has not seen: not on the
    page they posted from (``shown``: listed by the page, or shown by the stored answers), nothing posted for
    them."""
    groups = step_view(definition, step_id, values, {}, timezone.localdate(), visible=visible)
    return {
        path
        for path in follow_ups(groups) - set(shown)
        if not any(_under(name, path) and not name.endswith("._item") for name in answered)
    }


def _under(path: str, element: str) -> bool:
    return path == element or path.startswith(element + ".")


def _render_step(
    request: TenantRequest,
    draft: Draft,
    definition: Any,
    step_id: str,
    *,
    values: Any,
    visible: Any = None,
    errors: dict[str, list[str]] | None = None,
    revealed: bool = False,
    refused: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    step_ids = [s.id for s in definition.steps]
    index = step_ids.index(step_id)
    reached = step_ids.index(draft.step) if draft.step in step_ids else index
    context = {
        "draft": draft,
        "service": draft.form_version.service,
        "definition": definition,
        "step": definition.step(step_id),
        "steps": [
            {"id": s.id, "title": s.title, "number": i + 1, "current": i == index, "done": i < max(index, reached)}
            for i, s in enumerate(definition.steps)
        ],
        "index": index,
        "number": index + 1,
        "total": len(step_ids),
        "answers": values,
        "visible": visible if visible is not None else values,
        "errors": errors or {},
        "controllers": " ".join(controllers(definition, step_id)),
        "revealed": revealed,
        "refused": refused or [],
        "is_last": index + 1 == len(step_ids),
    }
    return render(request, "applications/step.html", context, status=status)


@require_http_methods(["GET", "POST"])
def summary(request: TenantRequest, draft_uuid: Any) -> HttpResponse:
    """The citizen checks everything, sees the fee, and submits (one POST, idempotent per draft)."""
    if request.method == "POST":
        return _submit(request, draft_uuid)
    draft = _draft_or_404(request, draft_uuid)
    if not _trust_ok(request, draft):
        return redirect("applications:start", slug=draft.form_version.service.slug)
    definition = localize(draft.form_version.parsed())  # the citizen's language, German where untranslated
    errors = formengine.validate_all(definition, draft.answers, files=draft.files)
    lines = formengine.compute_fees(definition, draft.answers) if not errors else []
    context = {
        "draft": draft,
        "service": draft.form_version.service,
        "definition": definition,
        "summary": formengine.summary(definition, draft.answers, errors=errors),
        "errors": errors,
        "error_steps": _error_steps(definition, errors),
        "fee_lines": lines,
        "fee_total": formengine.total(lines),
    }
    return render(request, "applications/summary.html", context)


def _error_steps(definition: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The steps with something to complete or correct, in order, with how many answers need it."""
    out = []
    for s in definition.steps:
        count = sum(len(m) for path, m in errors.items() if path.split(".")[0] == s.id)
        if count:
            out.append({"id": s.id, "title": s.title, "count": count})
    return out


def _submit(request: TenantRequest, draft_uuid: Any) -> HttpResponse:
    if not _citizen(request):
        raise Http404
    organisation_id = identity.acting(request).organisation_id
    try:
        draft = _draft_or_404(request, draft_uuid)
    except Http404:
        # An earlier click may have committed in the meantime.
        done = services.submitted(
            tenant=request.tenant, actor=request.user, draft_uuid=draft_uuid, organisation_id=organisation_id
        )
        if done is None:
            raise
    else:
        if not _trust_ok(request, draft):
            return redirect("applications:start", slug=draft.form_version.service.slug)
    try:
        application = services.submit(
            draft_uuid=draft_uuid,
            tenant=request.tenant,
            actor=request.user,
            trust_level=session_trust_level(request),
            organisation_id=organisation_id,
        )
    except ValidationFailed as exc:
        # Missing answers are marked on the summary page; anything else (files too large together) is said here.
        incomplete = any("messages" in error for error in exc.errors)
        messages.error(request, _("Bitte ergänzen Sie die markierten Angaben.") if incomplete else str(exc.detail))
        return redirect("applications:summary", draft_uuid=draft_uuid)
    except NotFound:
        raise Http404 from None
    # Post/Redirect/Get: reloading the confirmation never submits again.
    return redirect("applications:submitted", number=application.number)


def submitted(request: TenantRequest, number: str) -> HttpResponse:
    """The confirmation after submitting: the number, what happens next, how long, whom to ask, the receipt."""
    if not _citizen(request):
        raise Http404
    application = selectors.application_of(request.tenant, identity.acting(request), number)
    if application is None:
        raise Http404
    if application.trust_level and not satisfies(session_trust_level(request), application.trust_level):
        return redirect("applications:detail", number=number)  # the detail page asks for the level again
    context = {
        "application": application,
        "service": application.service,
        "office": application.org_unit,
        "tenant": request.tenant,
    }
    return render(request, "applications/submitted.html", context)


@require_http_methods(["GET", "POST"])
def discard(request: TenantRequest, draft_uuid: Any) -> HttpResponse:
    """Deleting a draft asks first (a page of its own: works without JavaScript); only the POST deletes."""
    draft = _draft_or_404(request, draft_uuid)
    if request.method == "POST":
        draft.delete()
        messages.success(request, _("Der Entwurf ist gelöscht."))
        return redirect("applications:mine")
    back = request.GET.get("schritt", "")
    step_ids = [s.id for s in draft.form_version.parsed().steps]
    context = {"draft": draft, "service": draft.form_version.service, "back": back if back in step_ids else draft.step}
    return render(request, "applications/discard.html", context)
