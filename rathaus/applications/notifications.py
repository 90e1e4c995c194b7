"""Tell the citizen about their application on the channel they chose (e-mail; the portal mailbox always).

The texts are the application's; sending (only to those who chose e-mail, with the mailbox's greeting and
footer) is ``mailbox.services.notify``. The mail says *that* something happened and links to the portal;
contents stay in the mailbox, because e-mail is not a confidential channel. Called after the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from rathaus.mailbox import services as mailbox

if TYPE_CHECKING:
    from rathaus.mailbox.models import Message

    from .models import Application, StatusEvent


def _notify(application: Application, subject: str, text: str) -> None:
    with translation.override("de"):
        where = _("Sie finden alles unter »Meine Anträge« in Ihrem Konto beim Bürgerportal.")
    mailbox.notify(
        recipient=application.applicant,
        subject=subject,
        text=f"{text}\n\n{where}",
        organisation_id=application.organisation_id,  # a business's application: every representative
    )


def application_received(application: Application) -> None:
    with translation.override("de"):
        subject = _("Antrag %(number)s ist eingegangen") % {"number": application.number}
        text = _("Ihr Antrag »%(service)s« ist unter der Nummer %(number)s bei uns eingegangen.") % {
            "service": application.service.name,
            "number": application.number,
        }
    _notify(application, subject, text)


def status_changed(application: Application, event: StatusEvent) -> None:
    with translation.override("de"):
        subject = _("Neuer Stand zu Antrag %(number)s") % {"number": application.number}
        text = _("Ihr Antrag %(number)s hat jetzt den Status »%(status)s«.") % {
            "number": application.number,
            "status": event.get_status_display(),
        }
    _notify(application, subject, text)


def new_message(application: Application, message: Message) -> None:
    if not message.from_office:
        return  # the department sees new messages in its list
    with translation.override("de"):
        subject = _("Neue Nachricht zu Antrag %(number)s") % {"number": application.number}
        text = _("Zu Ihrem Antrag %(number)s liegt eine neue Nachricht in Ihrem Postfach.") % {
            "number": application.number
        }
    _notify(application, subject, text)
