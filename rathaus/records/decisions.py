"""Decisions (Bescheide): from a template to a sealed, filed, delivered PDF/A — every step journaled.

draft (from a template of the case's service, placeholders filled in a sandbox) → edit → submit → approve
(only where the template demands a second pair of eyes: a unit lead of the case's unit who is not the author)
→ seal: rendered to PDF/A-3b (WeasyPrint), sealed by the municipality's sealing plugin (PAdES, pyHanko),
filed as an immutable document of kind DECISION, delivered to the citizen's mailbox, the fee raised through
payments, the application set to *decided* and ``decision.issued`` published — all in one transaction. A
sealed decision is never changed; :func:`supersede` starts a new draft that names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rathaus.applications import selectors as applications
from rathaus.applications import services as application_services
from rathaus.core import events
from rathaus.core.errors import ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.identity.permissions import Role, has_role
from rathaus.mailbox import services as mailbox
from rathaus.payments import services as payments

from . import journal, sealing, search
from .events import DECISION_ISSUED, DecisionIssued
from .journal import Actor
from .models import Case, Document
from .models_decisions import Decision, DecisionTemplate
from .selectors import cases_visible_to
from .services import add_document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality

PDF_VARIANT = "pdf/a-3b"
MAX_TEXT = 20_000
# The template language of decision texts: Django's, but only these tags (no include/extends/load/debug/…)
# and only the context given by placeholders() — plain strings, never a model object.
ALLOWED_TAGS = {
    "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "firstof", "comment",
    "endcomment", "spaceless", "endspaceless", "now", "filter", "endfilter",
}  # fmt: skip
PLACEHOLDERS = {
    "aktenzeichen", "akte", "betreff", "kommune", "name", "anschrift", "antragsnummer", "leistung", "eingang",
    "datum", "gebuehr", "antworten.<feld>",
}  # fmt: skip
_ENGINE = Engine(
    loaders=[],
    libraries={},
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    autoescape=False,
    string_if_invalid="",
)


class DecisionError(ValidationFailed):
    """A step of a decision refused (German message, safe to show)."""

    @property
    def message(self) -> str:
        return str(self.detail)


# --- reads -------------------------------------------------------------------------------------------------


def decisions_visible_to(user: User | AnonymousUser, tenant: Municipality) -> QuerySet[Decision]:
    """Decisions of the cases ``user`` may see (the permission is in the SQL)."""
    return (
        Decision.objects.for_tenant(tenant)
        .filter(case__in=cases_visible_to(user, tenant).values("pk"))
        .select_related("case", "case__file", "case__owner_unit", "author", "approver", "supersedes")
    )


def templates_for(tenant: Municipality, service_key: str) -> QuerySet[DecisionTemplate]:
    """Active templates of the service (and those for every service)."""
    return DecisionTemplate.objects.for_tenant(tenant).filter(active=True, service_key__in=[service_key, ""])


def can_approve(user: User | AnonymousUser, tenant: Municipality, decision: Decision) -> bool:
    return user.pk != decision.author_id and has_role(user, tenant, Role.UNIT_LEAD, unit=decision.case.owner_unit_id)


def can_manage_templates(user: User | AnonymousUser, tenant: Municipality) -> bool:
    return has_role(user, tenant, Role.UNIT_LEAD)


# --- the sandboxed template language -----------------------------------------------------------------------


def _clean(value: str, field: str, *, multiline: bool = True, limit: int = MAX_TEXT) -> str:
    try:
        value = clean_text(value or "", multiline=multiline)
    except TextRefused as exc:
        raise DecisionError(exc.message, errors=[{"field": field, "message": exc.message}]) from None
    if len(value) > limit:
        message = _("Der Text ist zu lang (höchstens %(n)s Zeichen).") % {"n": limit}
        raise DecisionError(message, errors=[{"field": field, "message": message}])
    return value


def check_template_text(text: str, field: str = "body") -> None:
    """Refuse tags outside ALLOWED_TAGS and text that does not compile."""
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = (token.split_contents() or [""])[0]
            if name not in ALLOWED_TAGS:
                message = _("Der Befehl »%(tag)s« ist in Bescheidvorlagen nicht erlaubt.") % {"tag": name[:40]}
                raise DecisionError(message, errors=[{"field": field, "message": message}])
    try:
        _ENGINE.from_string(text)
    except (TemplateSyntaxError, ValueError) as exc:
        message = _("Die Vorlage enthält einen Fehler: %(error)s") % {"error": str(exc)[:200]}
        raise DecisionError(message, errors=[{"field": field, "message": message}]) from None


def fill(text: str, context: dict[str, Any]) -> str:
    """``text`` with its placeholders filled from ``context`` only (see ALLOWED_TAGS)."""
    check_template_text(text)
    try:
        return _ENGINE.from_string(text).render(Context(context, autoescape=False))
    except Exception as exc:  # a filter given a bad argument: the template's error, told to the author
        raise DecisionError(
            _("Die Vorlage lässt sich nicht ausfüllen: %(error)s") % {"error": str(exc)[:200]}
        ) from None


def _flat(answers: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(answers, dict):
        for key, value in answers.items():
            out.update(_flat(value, f"{prefix}_{key}" if prefix else str(key)))
    elif isinstance(answers, list):
        for index, value in enumerate(answers):
            out.update(_flat(value, f"{prefix}_{index}"))
    elif answers is not None:
        out[prefix.replace(".", "_").replace("-", "_")] = str(answers)
    return out


def placeholders(case: Case, fee: Decimal = Decimal("0")) -> dict[str, Any]:
    """What a template may use: plain strings about the case, its party and its application."""
    application = (
        applications.application_by_number(case.tenant_id, case.application_number) if case.application_number else None
    )
    party = case.file.party
    return {
        "aktenzeichen": case.reference,
        "akte": case.file.reference,
        "betreff": case.subject,
        "kommune": case.tenant.name if hasattr(case, "tenant") else "",
        "name": party.name if party else "",
        "anschrift": party.address if party else "",
        "antragsnummer": case.application_number,
        "leistung": application.service.name if application else "",
        "eingang": formats.date_format(timezone.localtime(application.submitted_at), "d.m.Y") if application else "",
        "datum": formats.date_format(timezone.localdate(), "d.m.Y"),
        "gebuehr": f"{fee:.2f}".replace(".", ",") + " €" if fee else "",
        "antworten": _flat(application.answers) if application else {},
    }


# --- templates ---------------------------------------------------------------------------------------------


def create_template(
    *,
    tenant: Municipality,
    actor: Actor,
    service_key: str,
    title: str,
    body: str,
    remedy_notice: str,
    four_eyes: bool,
    fee_amount: Any = Decimal("0"),
    fee_label: str = "",
) -> DecisionTemplate:
    title = _clean(title, "title", multiline=False, limit=200)
    body = _clean(body, "body")
    remedy_notice = _clean(remedy_notice, "remedy_notice")
    service_key = _clean(service_key, "service_key", multiline=False, limit=14)
    fee_label = _clean(fee_label, "fee_label", multiline=False, limit=140)
    if not title or not body or not remedy_notice:
        raise DecisionError(_("Titel, Text und Rechtsbehelfsbelehrung sind Pflicht."))
    try:
        fee = Decimal(str(fee_amount or "0").replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise DecisionError(_("Die Gebühr ist kein Betrag."), errors=[{"field": "fee_amount"}]) from None
    if fee < 0 or fee > Decimal("9999999"):
        raise DecisionError(_("Die Gebühr ist kein Betrag."), errors=[{"field": "fee_amount"}])
    check_template_text(body)
    check_template_text(remedy_notice, "remedy_notice")
    with transaction.atomic():
        template = DecisionTemplate.objects.create(
            tenant=tenant,
            service_key=service_key,
            title=title,
            body=body,
            remedy_notice=remedy_notice,
            four_eyes=four_eyes,
            fee_amount=fee,
            fee_label=fee_label,
        )
        journal.record(
            tenant_id=tenant.pk,
            actor=actor,
            action="decision_template.created",
            object_type="decision_template",
            object_id=str(template.pk),
            detail={"service": service_key, "four_eyes": four_eyes},
        )
    return template


# --- the steps of a decision -------------------------------------------------------------------------------


def _record(decision: Decision, actor: Actor, action: str, outcome: str = "done", **detail: Any) -> None:
    journal.record(
        tenant_id=decision.tenant_id,
        actor=actor,
        action=action,
        object_type="decision",
        object_id=decision.reference,
        outcome=outcome,
        detail={"case": decision.case.reference, **detail},
    )


class _Refusal(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse(decision: Decision, actor: Actor, action: str, message: str) -> _Refusal:
    """The refusal to raise inside a step's transaction; :func:`_step` journals it after the rollback."""
    return _Refusal(message)


F = TypeVar("F", bound=Callable[..., Decision])


def _step(action: str) -> Callable[[F], F]:
    """Journal a refused step (outcome "refused") outside the rolled-back transaction, then raise DecisionError."""

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapped(*, decision: Decision, actor: Actor, **kwargs: Any) -> Decision:
            try:
                return fn(decision=decision, actor=actor, **kwargs)
            except _Refusal as refusal:
                _record(decision, actor, action, outcome="refused", reason=refusal.message[:200])
                raise DecisionError(refusal.message) from None

        return wrapped  # type: ignore[return-value]

    return decorator


def _locked(decision: Decision) -> Decision:
    return (
        Decision.objects.for_tenant(decision.tenant_id)
        .select_for_update()
        .select_related("case", "case__file")
        .get(pk=decision.pk)
    )


def draft(*, case: Case, template: DecisionTemplate, author: User, actor: Actor) -> Decision:
    """A new draft from ``template`` with its placeholders filled; the author edits it next."""
    if template.tenant_id != case.tenant_id:
        raise DecisionError(_("Diese Vorlage gehört zu einer anderen Kommune."))
    context = placeholders(case, template.fee_amount)
    body = fill(template.body, context)
    notice = fill(template.remedy_notice, context)
    try:
        with transaction.atomic():
            Case.objects.for_tenant(case.tenant_id).select_for_update().filter(pk=case.pk).first()  # numbers in turn
            count = Decision.objects.for_tenant(case.tenant_id).filter(case=case).count()
            decision = Decision.objects.create(
                tenant_id=case.tenant_id,
                case=case,
                template=template,
                reference=f"{case.reference}-B{count + 1}",
                title=template.title,
                body=body,
                remedy_notice=notice,
                four_eyes=template.four_eyes,
                fee_amount=template.fee_amount,
                fee_label=template.fee_label,
                author=author,
            )
            _record(decision, actor, "decision.drafted", template=template.pk)
    except IntegrityError:  # another draft of the same case took the number a moment earlier (SQLite)
        raise DecisionError(
            _("Gerade wurde ein anderer Bescheid zu diesem Vorgang angelegt. Bitte erneut versuchen.")
        ) from None
    return decision


@_step("decision.edited")
def edit(*, decision: Decision, actor: Actor, title: str, body: str, remedy_notice: str) -> Decision:
    title = _clean(title, "title", multiline=False, limit=200)
    body = _clean(body, "body")
    remedy_notice = _clean(remedy_notice, "remedy_notice")
    if not title or not body or not remedy_notice:
        raise DecisionError(_("Titel, Text und Rechtsbehelfsbelehrung dürfen nicht leer sein."))
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status != Decision.Status.DRAFT:
            raise _refuse(locked, actor, "decision.edited", _("Nur ein Entwurf kann bearbeitet werden."))
        locked.title, locked.body, locked.remedy_notice = title, body, remedy_notice
        locked.save(update_fields=["title", "body", "remedy_notice"])
        _record(locked, actor, "decision.edited", sha256=hashlib.sha256(body.encode()).hexdigest())
    return locked


@_step("decision.submitted")
def submit(*, decision: Decision, actor: Actor) -> Decision:
    """Draft → submitted (four eyes) or straight to approved (no second person demanded)."""
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status != Decision.Status.DRAFT:
            raise _refuse(locked, actor, "decision.submitted", _("Nur ein Entwurf kann vorgelegt werden."))
        locked.status = Decision.Status.SUBMITTED if locked.four_eyes else Decision.Status.APPROVED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        _record(locked, actor, "decision.submitted", four_eyes=locked.four_eyes)
    return locked


@_step("decision.approved")
def approve(*, decision: Decision, user: User, tenant: Municipality, actor: Actor) -> Decision:
    """The second pair of eyes: a unit lead of the case's unit (or the administration), never the author."""
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status != Decision.Status.SUBMITTED:
            raise _refuse(locked, actor, "decision.approved", _("Dieser Bescheid wartet nicht auf Freigabe."))
        if user.pk == locked.author_id:
            raise _refuse(
                locked,
                actor,
                "decision.approved",
                _("Wer den Bescheid entworfen hat, kann ihn nicht selbst freigeben."),
            )
        if not has_role(user, tenant, Role.UNIT_LEAD, unit=locked.case.owner_unit_id):
            raise _refuse(locked, actor, "decision.approved", _("Freigeben darf nur die Leitung der Einheit."))
        locked.status = Decision.Status.APPROVED
        locked.approver = user
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approver", "approved_at"])
        _record(locked, actor, "decision.approved")
    return locked


@_step("decision.returned")
def send_back(*, decision: Decision, actor: Actor) -> Decision:
    """Submitted or approved → draft again (changes wanted); never after sealing."""
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status not in (Decision.Status.SUBMITTED, Decision.Status.APPROVED):
            raise _refuse(locked, actor, "decision.returned", _("Nur ein vorgelegter Bescheid kann zurückgehen."))
        locked.status = Decision.Status.DRAFT
        locked.approver = None
        locked.approved_at = None
        locked.save(update_fields=["status", "approver", "approved_at"])
        _record(locked, actor, "decision.returned")
    return locked


def render_pdf(decision: Decision, *, sealed_at: dt.datetime) -> bytes:
    """The decision as PDF/A-3b (tagged), from the stored text alone."""
    from weasyprint import HTML

    case = decision.case
    with translation.override("de"):
        html = render_to_string(
            "records/decisions/pdf.html",
            {
                "decision": decision,
                "case": case,
                "party": case.file.party,
                "tenant": case.tenant,
                "sealed_at": sealed_at,
                "supersedes": decision.supersedes,
            },
        )
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)  # type: ignore[no-any-return]


@_step("decision.sealed")
def seal(*, decision: Decision, user: User, tenant: Municipality, actor: Actor) -> Decision:
    """Render, seal, file, deliver, raise the fee, set the application decided, publish ``decision.issued``."""
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status == Decision.Status.SEALED:
            raise _refuse(locked, actor, "decision.sealed", _("Dieser Bescheid ist bereits gesiegelt."))
        if locked.status != Decision.Status.APPROVED:
            message = (
                _("Der Bescheid muss erst von einer zweiten Person freigegeben werden.")
                if locked.four_eyes
                else _("Der Bescheid muss erst vorgelegt werden.")
            )
            raise _refuse(locked, actor, "decision.sealed", message)
        case = Case.objects.for_tenant(tenant).select_related("file", "file__party", "tenant").get(pk=locked.case_id)
        locked.case = case
        now = timezone.now()
        plugin = sealing.plugin_for(tenant)
        try:
            pdf = plugin.seal(
                tenant=tenant,
                pdf=render_pdf(locked, sealed_at=now),
                reason=_("Bescheid %(ref)s") % {"ref": locked.reference},
            )
        except sealing.SealingError as exc:
            raise _refuse(locked, actor, "decision.sealed", exc.message) from None
        sha256 = hashlib.sha256(pdf).hexdigest()
        document = add_document(
            case=case,
            kind=Document.Kind.DECISION,
            title=f"{locked.title} ({locked.reference})",
            name=f"Bescheid-{locked.reference.replace('/', '-')}.pdf",
            content_type="application/pdf",
            data=pdf,
            text=f"{locked.title}\n{locked.body}\n{locked.remedy_notice}",
            actor=actor,
            origin=f"decision:{locked.uuid}",
        )
        locked.status = Decision.Status.SEALED
        locked.sealed_at, locked.sealed_by, locked.seal_plugin = now, user, plugin.identifier
        locked.sha256, locked.document = sha256, document
        application = (
            applications.application_by_number(tenant.pk, case.application_number) if case.application_number else None
        )
        if locked.fee_amount > 0:
            locked.payment_reference = locked.reference[:40]
        locked.save()
        _record(locked, actor, "decision.sealed", sha256=sha256, plugin=plugin.identifier)
        _deliver(locked, pdf, application, user, actor)
        if locked.fee_amount > 0:
            payer, organisation_id = _payer_of(case, application)
            payment = payments.start_payment(
                tenant=tenant,
                reference=locked.payment_reference,
                purpose=f"{locked.fee_label or locked.title} {locked.reference}",
                amount=locked.fee_amount,
                lines=[{"label": locked.fee_label or locked.title, "amount": locked.fee_amount}],
                payer=payer,
                organisation_id=organisation_id,
                return_url=reverse("applications:detail", args=[application.number]) if application else "/",
            )
            _record(
                locked,
                actor,
                "decision.fee_raised",
                amount=str(locked.fee_amount),
                payment=payment.reference,
                organisation=organisation_id,
            )
        if application is not None:
            application_services.change_status(
                application=application,
                status="decided",
                actor=user,
                note=_("Bescheid %(ref)s") % {"ref": locked.reference},
            )
        search.update_indexed(Case.objects.for_tenant(tenant).filter(pk=case.pk), status=Case.Status.DECIDED)
        events.publish(
            tenant,
            DECISION_ISSUED,
            locked.reference,
            DecisionIssued(
                decision=locked.reference,
                case=case.reference,
                application_number=case.application_number,
                sha256=sha256,
                fee=locked.fee_amount,
            ),
        )
    return locked


def _payer_of(case: Case, application: Any) -> tuple[User | None, int | None]:
    """Who the decision's fee is raised against: the party's account; for a business (a party that is an
    organisation) the organisation — every representative may see and pay it — with the person who acted for it
    on the application as payer (recorded, as for the application's own fee)."""
    party = case.file.party
    if party is None:
        return None, None
    if party.organisation_id is not None:
        acting_person = application.applicant if application is not None else party.account
        return acting_person, party.organisation_id
    return party.account, None


def _deliver(decision: Decision, pdf: bytes, application: Any, user: User, actor: Actor) -> None:
    # The organisation's file names no account; its application's thread is reached through the acting person.
    recipient, _organisation = _payer_of(decision.case, application)
    if recipient is None:
        _record(decision, actor, "decision.delivered", outcome="refused", reason="no mailbox (no account)")
        return
    mailbox.deliver(
        tenant=decision.tenant_id,
        recipient=recipient,
        reference=application.mailbox_reference if application is not None else f"decision:{decision.reference}",
        subject=decision.title,
        text=_("Ihr Bescheid %(ref)s liegt bei. Er trägt das elektronische Siegel der Verwaltung.")
        % {"ref": decision.reference},
        documents=[(f"Bescheid-{decision.reference.replace('/', '-')}.pdf", pdf)],
        sender=user,
    )
    _record(decision, actor, "decision.delivered", recipient=recipient.pk)


@_step("decision.superseded")
def supersede(*, decision: Decision, author: User, actor: Actor) -> Decision:
    """A new draft that replaces the sealed ``decision`` (which stays unchanged)."""
    with transaction.atomic():
        locked = _locked(decision)
        if locked.status != Decision.Status.SEALED:
            raise _refuse(locked, actor, "decision.superseded", _("Nur ein gesiegelter Bescheid kann ersetzt werden."))
        if Decision.objects.for_tenant(locked.tenant_id).filter(supersedes=locked).exists():
            raise _refuse(locked, actor, "decision.superseded", _("Dieser Bescheid wird bereits ersetzt."))
        Case.objects.for_tenant(locked.tenant_id).select_for_update().filter(pk=locked.case_id).first()
        count = Decision.objects.for_tenant(locked.tenant_id).filter(case_id=locked.case_id).count()
        new = Decision.objects.create(
            tenant_id=locked.tenant_id,
            case_id=locked.case_id,
            template=locked.template,
            reference=f"{locked.case.reference}-B{count + 1}",
            title=locked.title,
            body=locked.body,
            remedy_notice=locked.remedy_notice,
            four_eyes=locked.four_eyes,
            fee_amount=Decimal("0"),
            fee_label="",
            author=author,
            supersedes=locked,
        )
        _record(locked, actor, "decision.superseded", by=new.reference)
        _record(new, actor, "decision.drafted", supersedes=locked.reference)
    return new


def find_sealed(tenant: Municipality, sha256: str) -> Decision | None:
    return (
        Decision.objects.for_tenant(tenant)
        .filter(sha256=sha256, status=Decision.Status.SEALED)
        .select_related("case")
        .first()
    )
