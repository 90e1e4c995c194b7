"""Events the mailbox publishes (its contract; rathaus.core.events).

The subject is the thread's reference (``"<kind>:<identifier>"``). Payloads carry identifiers only; consumers
read the message through ``rathaus.mailbox.selectors.message``.
"""

from __future__ import annotations

from rathaus.core.events import EventPayload, declare


class MessageReceived(EventPayload):
    reference: str
    message_id: int


MESSAGE_RECEIVED = declare(
    "mailbox.message_received",
    MessageReceived,
    "A recipient (a citizen) wrote in a thread, possibly with files: stored, in the transaction of the message. "
    "Messages from the office publish nothing.",
)
