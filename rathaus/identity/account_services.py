"""Writes of the account lifecycle: password reset and change, e-mail change, the notice on a second
registration, deleting the account.

No answer here tells a stranger whether an address has an account: the reset request and the registration
do the same work and show the same page for known and unknown addresses; only the mail differs, and it goes
to the address's owner.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.core import ratelimit
from rathaus.core.client_ip import client_ip
from rathaus.core.errors import ValidationFailed
from rathaus.tenants.models import Municipality

from . import account_sessions, data_export
from .models import ExternalIdentity, OrganisationRepresentative, Profile, User
from .tasks import send_account_mail

RESET_MAX_AGE = 60 * 60  # one hour
RESET_LIMIT_PER_ADDRESS = 3  # per hour: a mailbox is not flooded by strangers
RESET_LIMIT_PER_NETWORK = 30  # per hour and shortened IP address
EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60
_EMAIL_CHANGE_SALT = "rathaus.identity.change-email"
DELETED_DOMAIN = "konto-geloescht.invalid"


def _send(subject: str, body: str, recipient: str) -> None:
    transaction.on_commit(lambda: send_account_mail.delay(subject=subject, body=body, recipient=recipient))


def _town(tenant: Municipality | None) -> str:
    return tenant.name if tenant else "Rathaus"


# --- Password reset ---------------------------------------------------------------------------------------


class ResetTokens(PasswordResetTokenGenerator):
    """Django's reset tokens (single use: they hash the password and last login), bound to the account's
    municipality and address, and valid for RESET_MAX_AGE instead of PASSWORD_RESET_TIMEOUT."""

    key_salt = "rathaus.identity.password-reset"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.tenant_id}{user.email}{user.is_active}"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not token or not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= RESET_MAX_AGE


reset_tokens = ResetTokens()


def reset_link_token(user: User) -> str:
    """``<account id in base 36>.<token>``: one path segment."""
    return f"{int_to_base36(user.pk)}.{reset_tokens.make_token(user)}"


def _can_reset(user: User) -> bool:
    # Staff and operators: their administration resets them (their login has a second factor and roles that a
    # mailbox alone must not reach); inactive (deleted) accounts: never.
    return user.is_active and user.is_citizen


def request_password_reset(*, request: HttpRequest, tenant: Municipality, email: str) -> None:
    """Send a reset link if ``email`` has a citizen account here; to everyone else the same (nothing visible).

    Returns the same way in every case: the caller shows one page. Limited per address and per network;
    over the limit nothing is sent, silently (a stranger learns nothing from the limit either).
    """
    email = email.strip().lower()
    # Proxy-aware: behind a reverse proxy every citizen would otherwise share the proxy's network and its limit.
    network = account_sessions.short_ip(client_ip(request) or "") or "-"
    address_key = hashlib.sha256(f"{tenant.pk}:{email}".encode()).hexdigest()
    allowed = ratelimit.allow("password-reset-net", network, limit=RESET_LIMIT_PER_NETWORK, window_seconds=3600)
    allowed = (
        ratelimit.allow("password-reset", address_key, limit=RESET_LIMIT_PER_ADDRESS, window_seconds=3600) and allowed
    )
    user = User.objects.filter(tenant=tenant, email__iexact=email).first()
    if user is None:
        # About the same work as for a known address (a token is an HMAC; the lookup is done).
        reset_tokens.make_token(User(pk=0, email=email, password="!", tenant=tenant))  # noqa: S106 - unusable
        return
    if not allowed:
        return
    if not _can_reset(user):
        if user.is_active and user.is_employee:
            subject = _("Passwort vergessen – %(town)s") % {"town": _town(tenant)}
            body = _(
                "Guten Tag,\n\njemand hat im Bürgerportal ein neues Passwort für diese E-Mail-Adresse angefordert. "
                "Zu ihr gehört ein Konto der Verwaltung; dessen Passwort setzt die Administration Ihrer Kommune "
                "zurück (Ihr zweiter Faktor bleibt dabei bestehen). Bitte wenden Sie sich an sie.\n\n"
                "Wenn Sie nichts angefordert haben, können Sie diese Nachricht ignorieren."
            )
            _send(subject, body, user.email)
        return
    link = request.build_absolute_uri(reverse("identity:password_reset_confirm", args=[reset_link_token(user)]))
    subject = _("Neues Passwort festlegen – %(town)s") % {"town": _town(tenant)}
    body = _(
        "Guten Tag,\n\nmit diesem Link legen Sie ein neues Passwort für Ihr Konto fest. Er gilt eine Stunde und "
        "nur einmal:\n%(link)s\n\nWenn Sie kein neues Passwort angefordert haben, können Sie diese Nachricht "
        "ignorieren; Ihr Passwort bleibt, wie es ist."
    ) % {"link": link}
    _send(subject, body, user.email)


def user_for_reset_token(*, tenant: Municipality, token: str) -> User | None:
    """The account the link is for, if the link is valid here and now; else None."""
    uid, sep, rest = token.partition(".")
    if not sep or not uid.isalnum() or len(uid) > 13:
        return None
    try:
        pk = base36_to_int(uid)
    except ValueError:
        return None
    user = User.objects.filter(pk=pk, tenant=tenant).first()
    if user is None or not _can_reset(user) or not reset_tokens.check_token(user, rest):
        return None
    return user


def reset_password(*, tenant: Municipality, token: str, password: str) -> User:
    """Set the new password (already validated by the form) and end every session of the account.

    Raises ValidationFailed when the link is invalid, expired, used or from another municipality. The link
    also proves the address: an unconfirmed address counts as confirmed afterwards.
    """
    with transaction.atomic():
        user = user_for_reset_token(tenant=tenant, token=token)
        if user is None:
            raise ValidationFailed(invalid_reset_message())
        User.objects.select_for_update().filter(pk=user.pk).first()
        # Checked again under the row lock: of two uses of one link at the same moment, the second finds it spent.
        user = user_for_reset_token(tenant=tenant, token=token)
        if user is None:
            raise ValidationFailed(invalid_reset_message())
        user.set_password(password)
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
        user.save(update_fields=["password", "email_verified_at"])
        account_sessions.end_all_sessions(user=user)
    subject = _("Ihr Passwort wurde geändert – %(town)s") % {"town": _town(tenant)}
    _send(subject, _password_changed_body(), user.email)
    return user


def invalid_reset_message() -> str:
    return _(
        "Dieser Link ist nicht (mehr) gültig: Er gilt eine Stunde und nur einmal. Bitte fordern Sie einen neuen an."
    )


def _password_changed_body() -> str:
    return _(
        "Guten Tag,\n\ndas Passwort Ihres Kontos wurde eben geändert, und alle anderen Anmeldungen wurden beendet.\n\n"
        "Waren Sie das nicht? Dann fordern Sie bitte sofort über „Passwort vergessen“ ein neues Passwort an und "
        "wenden Sie sich an Ihre Stadtverwaltung."
    )


# --- Change password and e-mail -----------------------------------------------------------------------------


def change_password(*, request: HttpRequest, user: User, password: str) -> None:
    """Set the new password (old one checked by the form); this session stays, every other one ends."""
    user.set_password(password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    account_sessions.end_other_sessions(user=user, keep=account_sessions.current_key(request))
    subject = _("Ihr Passwort wurde geändert – %(town)s") % {"town": _town(user.tenant)}
    _send(subject, _password_changed_body(), user.email)


def email_change_token(user: User, new_email: str) -> str:
    # Bound to the current address: once the address changed (by this or another link), the link is spent.
    return signing.dumps(
        {"u": user.pk, "t": user.tenant_id, "old": user.email, "new": new_email}, salt=_EMAIL_CHANGE_SALT
    )


def request_email_change(*, request: HttpRequest, user: User, new_email: str) -> None:
    """Send a confirmation link to ``new_email``; the address changes only when it is opened. The current
    address gets a notice. If the new address is taken here, that owner gets a notice instead (and the
    person asking sees the same answer)."""
    new_email = new_email.strip().lower()
    town = _town(user.tenant)
    if not ratelimit.allow("email-change", user.pk, limit=5, window_seconds=3600):
        return
    taken = User.objects.filter(tenant=user.tenant_id, email__iexact=new_email).exists()
    if taken:
        subject = _("Änderung der E-Mail-Adresse – %(town)s") % {"town": town}
        body = _(
            "Guten Tag,\n\njemand wollte diese E-Mail-Adresse für ein weiteres Konto im Bürgerportal eintragen. "
            "Sie hat dort schon ein Konto; es wurde nichts geändert. Wenn Sie das nicht waren, können Sie diese "
            "Nachricht ignorieren."
        )
        _send(subject, body, new_email)
    else:
        link = request.build_absolute_uri(
            reverse("identity:email_change_confirm", args=[email_change_token(user, new_email)])
        )
        subject = _("Bitte bestätigen Sie Ihre neue E-Mail-Adresse – %(town)s") % {"town": town}
        body = _(
            "Guten Tag,\n\nbitte bestätigen Sie Ihre neue E-Mail-Adresse für das Bürgerportal mit diesem Link "
            "(24 Stunden gültig):\n%(link)s\n\nBis dahin bleibt Ihre bisherige Adresse eingetragen."
        ) % {"link": link}
        _send(subject, body, new_email)
    subject = _("Ihre E-Mail-Adresse soll geändert werden – %(town)s") % {"town": town}
    body = _(
        "Guten Tag,\n\nfür Ihr Konto im Bürgerportal wurde eine neue E-Mail-Adresse angegeben. Sie wird erst "
        "eingetragen, wenn der Link an die neue Adresse geöffnet wird; bis dahin bleibt diese Adresse.\n\n"
        "Waren Sie das nicht? Dann ändern Sie bitte Ihr Passwort und melden Sie sich überall ab (Mein Konto)."
    )
    _send(subject, body, user.email)


def _email_change_request(*, tenant: Municipality, token: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=_EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        raise ValidationFailed(_invalid_email_change_link()) from None
    if not isinstance(data, dict) or data.get("t") != tenant.pk:
        raise ValidationFailed(_invalid_email_change_link())
    return data


def _invalid_email_change_link() -> str:
    return _("Dieser Bestätigungslink ist nicht (mehr) gültig. Bitte ändern Sie die Adresse noch einmal.")


def pending_email_change(*, tenant: Municipality, token: str) -> str:
    """The new address a confirmation link would enter, without changing anything (the link opens a page whose
    button confirms: a mail scanner that follows links must not). ValidationFailed like
    :func:`confirm_email_change`, except for an address taken meanwhile (found on confirming)."""
    data = _email_change_request(tenant=tenant, token=token)
    exists = User.objects.filter(pk=data.get("u") or 0, tenant=tenant, email=data.get("old"), is_active=True).exists()
    if not exists:
        raise ValidationFailed(_invalid_email_change_link())
    return str(data.get("new", ""))


def confirm_email_change(*, tenant: Municipality, token: str) -> User:
    """Switch the account to the confirmed new address. ValidationFailed for an invalid, expired, used or
    foreign link, or when the address was taken meanwhile."""
    invalid = _invalid_email_change_link()
    data = _email_change_request(tenant=tenant, token=token)
    try:
        with transaction.atomic():
            user = (
                User.objects.select_for_update()
                .filter(pk=data.get("u") or 0, tenant=tenant, email=data.get("old"))
                .first()
            )
            if user is None or not user.is_active:
                raise ValidationFailed(invalid)
            user.email = str(data.get("new", ""))
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:
        raise ValidationFailed(_("Diese E-Mail-Adresse gehört inzwischen zu einem anderen Konto.")) from None
    old = str(data["old"])
    subject = _("Ihre E-Mail-Adresse wurde geändert – %(town)s") % {"town": _town(tenant)}
    body = _(
        "Guten Tag,\n\nIhr Konto im Bürgerportal verwendet ab jetzt eine andere E-Mail-Adresse. An diese "
        "Adresse schicken wir nichts mehr.\n\nWaren Sie das nicht? Dann wenden Sie sich bitte an Ihre Stadtverwaltung."
    )
    _send(subject, body, old)
    return user


# --- Registration of a known address ------------------------------------------------------------------------


def notify_repeated_registration(*, request: HttpRequest, tenant: Municipality, email: str) -> None:
    """Someone registered an address that has an account here: tell its owner (the page says nothing)."""
    user = User.objects.filter(tenant=tenant, email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        return
    if not ratelimit.allow("registration-known", user.pk, limit=3, window_seconds=3600):
        return
    login = request.build_absolute_uri(reverse("identity:login"))
    reset = request.build_absolute_uri(reverse("identity:password_reset"))
    subject = _("Registrierung mit Ihrer E-Mail-Adresse – %(town)s") % {"town": _town(tenant)}
    if user.is_citizen:
        body = _(
            "Guten Tag,\n\njemand hat versucht, sich mit dieser E-Mail-Adresse im Bürgerportal zu registrieren. "
            "Sie haben dort schon ein Konto.\n\nWaren Sie das? Dann melden Sie sich an:\n%(login)s\n\noder legen "
            "Sie ein neues Passwort fest, falls Sie es vergessen haben:\n%(reset)s\n\nWenn nicht, können Sie "
            "diese Nachricht ignorieren; es wurde nichts geändert."
        ) % {"login": login, "reset": reset}
    else:
        body = _(
            "Guten Tag,\n\njemand hat versucht, sich mit dieser E-Mail-Adresse im Bürgerportal zu registrieren. "
            "Zu ihr gehört ein Konto der Verwaltung; ein Bürgerkonto wird damit nicht angelegt. Wenn Sie das "
            "nicht waren, können Sie diese Nachricht ignorieren; es wurde nichts geändert."
        )
    _send(subject, body, user.email)


# --- Deleting the account -----------------------------------------------------------------------------------


def delete_account(*, user: User) -> bool:
    """Delete a citizen's or business's account and everything that is only theirs.

    On return: drafts, profile, login links (external identities), the record of acting for organisations,
    second-factor devices and every session are gone, and the account can never log in again. What the
    office keeps by law (submitted applications, their mailbox threads, payments) stays with the office:
    each module's eraser (``data_export``) decides.
    If rows of the office still point at the account, the account row stays as an empty, locked placeholder
    without name or address; otherwise the row is deleted too. Returns whether the row itself was deleted.
    """
    if not user.is_citizen or user.tenant_id is None:
        raise ValidationFailed(_("Konten der Verwaltung löscht die Administration."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        data_export.erase(user)
        Profile.objects.for_tenant(user.tenant_id).filter(user=user).delete()
        ExternalIdentity.objects.for_tenant(user.tenant_id).filter(user=user).delete()
        # The organisation stays (it is the business's, and its applications point at it); this person no
        # longer acts for it.
        OrganisationRepresentative.objects.for_tenant(user.tenant_id).filter(user=user).delete()
        TOTPDevice.objects.filter(user=user).delete()
        account_sessions.end_all_sessions(user=user)
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).delete()
        except ProtectedError:
            user.email = f"geloescht-{secrets.token_hex(12)}@{DELETED_DOMAIN}"
            user.first_name = user.last_name = ""
            user.is_active = False
            user.email_verified_at = None
            user.set_unusable_password()
            user.save()
            return False
    return True


def deleted_placeholder(user: User) -> bool:
    return not user.is_active and user.email.endswith("@" + DELETED_DOMAIN)
