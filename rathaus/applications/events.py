"""Events the online applications publish (their contract; rathaus.core.events).

The subject is the application's number. Payloads carry identifiers only; consumers read the application
itself through ``rathaus.applications.selectors``.
"""

from __future__ import annotations

from typing import Literal

from rathaus.core.events import EventPayload, declare


class ApplicationSubmitted(EventPayload):
    number: str
    service: str  # LeiKa key of the service
    forwardable: bool  # True: it goes to the office now; False: it waits for its fee


class ApplicationForwardable(EventPayload):
    number: str
    reason: Literal["submitted", "paid"]


APPLICATION_SUBMITTED = declare(
    "application.submitted",
    ApplicationSubmitted,
    "A citizen submitted an application: stored with its files, in the transaction of the submission.",
)
APPLICATION_FORWARDABLE = declare(
    "application.forwardable",
    ApplicationForwardable,
    "The application is ready for the office: submitted and, where the service wants the fee first, paid. "
    "Published once per application, in the transaction that sets its forwarded_at.",
)
