"""Tell the citizen about their application on the channel they chose (e-mail; the portal mailbox always).

The mail says *that* something happened and links to the portal; contents stay in the mailbox, because
e-mail is not a confidential channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from rathaus.identity.selectors import notifies_by_email
from rathaus.identity.tasks import send_account_mail

if TYPE_CHECKING:
    from .models import Application, Message, StatusEvent


def _mail(application: Application, subject: str, text: str) -> None:
    if not notifies_by_email(application.applicant):
        return
    with translation.override("de"):
        body = "\n\n".join(
            [
                _("Guten Tag,"),
                text,
                _("Sie finden alles unter »Meine Anträge« in Ihrem Konto beim Bürgerportal."),
                _("Diese Nachricht wurde automatisch erstellt."),
            ]
        )
    send_account_mail.delay(subject=subject, body=body, recipient=application.applicant.email)


def application_received(application: Application) -> None:
    with translation.override("de"):
        subject = _("Antrag %(number)s ist eingegangen") % {"number": application.number}
        text = _("Ihr Antrag »%(service)s« ist unter der Nummer %(number)s bei uns eingegangen.") % {
            "service": application.service.name,
            "number": application.number,
        }
    _mail(application, subject, text)


def status_changed(application: Application, event: StatusEvent) -> None:
    with translation.override("de"):
        subject = _("Neuer Stand zu Antrag %(number)s") % {"number": application.number}
        text = _("Ihr Antrag %(number)s hat jetzt den Status »%(status)s«.") % {
            "number": application.number,
            "status": event.get_status_display(),
        }
    _mail(application, subject, text)


def new_message(message: Message) -> None:
    if not message.from_office:
        return  # the department sees new messages in its list
    application = message.application
    with translation.override("de"):
        subject = _("Neue Nachricht zu Antrag %(number)s") % {"number": application.number}
        text = _("Zu Ihrem Antrag %(number)s liegt eine neue Nachricht in Ihrem Postfach.") % {
            "number": application.number
        }
    _mail(application, subject, text)
