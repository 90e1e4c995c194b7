"""What an account's data is, gathered from every module without identity importing any of them.

A module above identity (applications, payments, mailbox) registers a :class:`Section` — usually from the
portal, which sits on top (``rathaus/portal/account_data.py``). ``export(user)`` calls every section's
``export`` for the "Meine Daten herunterladen" download (GDPR Art. 15 and 20); ``erase(user)`` calls every
``erase`` when the account is deleted: a section deletes what is only the citizen's (drafts) and keeps what
the office must keep (submitted applications, their messages, payments).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from .account_sessions import sessions_of
from .models import ExternalIdentity, OrganisationRepresentative, Profile, User
from .trust import TrustLevel, rank

StrOrPromise = str | Promise


@dataclasses.dataclass(frozen=True)
class Section:
    name: str  # the key in the JSON export
    title: StrOrPromise  # German heading (lazy translation)
    export: Callable[[User], Any]  # JSON-ready data
    erase: Callable[[User], None] | None = None
    # The highest trust level the section's data was given at (e.g. an application submitted with the eID).
    level: Callable[[User], str] | None = None
    # Coded values in words for the readable PDF, by key anywhere in the section (the JSON keeps the codes):
    # the module's own labels, e.g. ``{"status": dict(Application.Status.choices)}`` — the ones its pages show.
    words: Mapping[str, Mapping[str, StrOrPromise]] = dataclasses.field(default_factory=dict)


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    if section.name in _sections and _sections[section.name] != section:
        raise ValueError(f"data export section {section.name!r} registered twice")
    _sections[section.name] = section
    return section


def sections() -> list[Section]:
    return list(_sections.values())


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def account_data(user: User) -> dict[str, Any]:
    """The account itself: who, profile, login links, organisations acted for, sessions."""
    profile = Profile.objects.for_tenant(user.tenant_id).filter(user=user).first() if user.tenant_id else None
    links = (
        ExternalIdentity.objects.for_tenant(user.tenant_id).filter(user=user).select_related("provider")
        if user.tenant_id
        else ExternalIdentity.objects.none()
    )
    representations = (
        OrganisationRepresentative.objects.for_tenant(user.tenant_id).filter(user=user).select_related("organisation")
        if user.tenant_id
        else OrganisationRepresentative.objects.none()
    )
    return {
        "konto": {
            "art": user.kind,
            "e_mail": user.email,
            "e_mail_bestaetigt_am": _iso(user.email_verified_at),
            "vorname": user.first_name,
            "nachname": user.last_name,
            "registriert_am": _iso(user.date_joined),
            "letzte_anmeldung": _iso(user.last_login),
            "passwort_gesetzt": user.has_usable_password(),
        },
        "profil": None
        if profile is None
        else {
            "geburtsdatum": _iso(profile.birth_date),
            "strasse": profile.street,
            "postleitzahl": profile.postal_code,
            "ort": profile.city,
            "staat": profile.country,
            "telefon": profile.phone,
            "unternehmen": profile.company_name,
            "benachrichtigung": profile.preferred_channel,
            "bestaetigte_angaben": list(profile.verified_fields),
            "hoechstes_vertrauensniveau": profile.highest_trust_level,
        },
        "anmeldungen_ueber_nutzerkonten": [
            {
                "anbieter": link.provider.name,
                "kennung": link.subject,
                "letztes_vertrauensniveau": link.last_trust_level,
                "letzte_anmeldung": _iso(link.last_login_at),
            }
            for link in links
        ],
        "organisationen": [
            {
                "name": r.organisation.name,
                "rechtsform": r.organisation.legal_form,
                "registernummer": r.organisation.register_number,
                "anschrift": " ".join(
                    part for part in (r.organisation.street, r.organisation.postal_code, r.organisation.city) if part
                ),
                "zuletzt_gehandelt_am": _iso(r.last_acted_at),
            }
            for r in representations
        ],
        "sitzungen": [
            {
                "browser": s.user_agent,
                "netz": s.ip,
                "angemeldet_am": _iso(s.created_at),
                "zuletzt_aktiv": _iso(s.last_seen_at),
            }
            for s in sessions_of(user)
        ],
    }


def export(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, JSON-ready, sections in registration order."""
    data: dict[str, Any] = {
        "format": "rathaus-datenauskunft/1",
        "erstellt_am": timezone.now().isoformat(),
        "kommune": user.tenant.name if user.tenant else None,
    }
    data.update(account_data(user))
    for section in _sections.values():
        data[section.name] = section.export(user)
    return data


def erase(user: User) -> None:
    for section in _sections.values():
        if section.erase is not None:
            section.erase(user)


def required_level(user: User) -> str:
    """The highest trust level any section's data was given at (the session must reach it to download)."""
    levels = [TrustLevel.NONE.value]
    for section in _sections.values():
        if section.level is not None:
            levels.append(section.level(user))
    return max(levels, key=rank)
