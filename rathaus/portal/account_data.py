"""The account-data sections of the modules above identity, registered into ``identity.data_export``.

The portal sits on top of the layers, so it may read applications, payments and the mailbox through their
selectors; identity only knows the registry. Deleting an account deletes the drafts (only the citizen's);
submitted applications, their mailbox threads and payments stay with the office (retention duties).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from rathaus.applications import selectors as applications
from rathaus.applications import services as application_services
from rathaus.applications.models import Application
from rathaus.identity import data_export
from rathaus.identity.models import User
from rathaus.identity.trust import TrustLevel, rank
from rathaus.mailbox import selectors as mailbox
from rathaus.payments import selectors as payments
from rathaus.payments.models import Payment


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _file(ref: dict[str, Any]) -> dict[str, Any]:
    """What the citizen needs to know of a stored file (not its storage key)."""
    return {k: ref.get(k) for k in ("name", "content_type", "size", "sha256")}


def _applications(user: User) -> list[dict[str, Any]]:
    if user.tenant is None:
        return []
    return [
        {
            "nummer": a.number,
            "leistung": a.service.name,
            "status": a.status,
            "eingereicht_am": _iso(a.submitted_at),
            "vertrauensniveau": a.trust_level,
            "antworten": a.answers,
            "gebuehr": str(a.fee_total),
            "gebuehrenpositionen": a.fee_lines,
            "zahlung": a.payment_state,
            "anlagen": applications.attachments_of(a),
            "verlauf": [
                {"status": e.status, "hinweis": e.note, "am": _iso(e.at)} for e in applications.status_history(a)
            ],
        }
        for a in applications.applications_of(user.tenant, user)
    ] + [
        # Submitted for an organisation (business login): the application is the organisation's; the person's
        # data is that they acted, so the export names the organisation and not its answers or files.
        {
            "nummer": a.number,
            "leistung": a.service.name,
            "fuer_organisation": a.organisation.name if a.organisation is not None else None,
            "eingereicht_von_ihnen_am": _iso(a.submitted_at),
            "status": a.status,
        }
        for a in applications.submitted_by_for_organisations(user.tenant, user)
    ]


def _drafts(user: User) -> list[dict[str, Any]]:
    if user.tenant is None:
        return []
    return [
        {
            "leistung": d.form_version.service.name,
            "angelegt_am": _iso(d.created_at),
            "geaendert_am": _iso(d.updated_at),
            "loeschung_am": _iso(d.expires_at),
            "antworten": d.answers,
            "dateien": [{"feld": path, **_file(ref)} for path, ref in d.files.items()],
        }
        for d in applications.all_drafts_of(user.tenant, user)
    ]


def _erase_drafts(user: User) -> None:
    if user.tenant is not None:
        application_services.delete_drafts_of(tenant=user.tenant, owner=user)


def _payments(user: User) -> list[dict[str, Any]]:
    if user.tenant is None:
        return []
    return [
        {
            "vorgang": p.reference,
            "fuer_organisation": p.organisation.name if p.organisation is not None else None,
            "zweck": p.purpose,
            "betrag": str(p.amount),
            "waehrung": p.currency,
            "positionen": p.lines,
            "status": p.status,
            "kassenzeichen": p.provider_reference,
            "angelegt_am": _iso(p.created_at),
            "bezahlt_am": _iso(p.paid_at),
        }
        for p in payments.payments_of_payer(user.tenant, user)
    ]


def _messages(user: User) -> list[dict[str, Any]]:
    if user.tenant_id is None:
        return []
    return [
        {
            "bezug": t.reference,
            "betreff": t.subject,
            "nachrichten": [
                {
                    "von": "verwaltung" if m.from_office else "ich",
                    "am": _iso(m.created_at),
                    "text": m.body,
                    "dateien": [_file(ref) for ref in m.attachments],
                }
                for m in mailbox.messages(user.tenant_id, t.reference)
            ],
        }
        for t in mailbox.threads_of(user.tenant_id, user)
    ]


def _applications_level(user: User) -> str:
    if user.tenant is None:
        return TrustLevel.NONE
    levels = applications.applications_of(user.tenant, user).values_list("trust_level", flat=True).distinct()
    return max([TrustLevel.NONE.value, *levels], key=rank)


# The PDF says coded values with the labels the pages show (the models' choices: one mapping, no copy).
SECTIONS = (
    data_export.Section(
        "antraege",
        _("Eingereichte Anträge"),
        _applications,
        level=_applications_level,
        words={"status": dict(Application.Status.choices), "zahlung": dict(Application.PaymentState.choices)},
    ),
    data_export.Section("entwuerfe", _("Entwürfe"), _drafts, erase=_erase_drafts),
    data_export.Section("zahlungen", _("Zahlungen"), _payments, words={"status": dict(Payment.Status.choices)}),
    data_export.Section(
        "postfach", _("Postfach"), _messages, words={"von": {"verwaltung": _("Verwaltung"), "ich": _("ich")}}
    ),
)


def register() -> None:
    for section in SECTIONS:
        data_export.register(section)
