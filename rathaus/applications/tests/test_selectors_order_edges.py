"""Applications selectors: the status history in the order things happened, drafts listed in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rathaus.applications import selectors, services
from rathaus.applications.models import Draft, FormVersion, StatusEvent

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {"halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}, "hunde": {"hund": [{"name": "Bo"}]}}


def test_status_history_is_in_the_order_the_changes_happened_not_the_order_they_were_recorded(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    first = StatusEvent.objects.for_tenant(tenant).filter(application=application).get()
    # Recorded later (a higher pk) but happened earlier, e.g. a change carried over from another channel.
    earlier = StatusEvent.objects.create(
        tenant=tenant, application=application, status="submitted", at=first.at - dt.timedelta(hours=1)
    )
    later = StatusEvent.objects.create(
        tenant=tenant, application=application, status="forwarded", at=first.at + dt.timedelta(hours=1)
    )

    assert list(selectors.status_history(application)) == [earlier, first, later]


def test_all_drafts_of_a_citizen_come_with_their_service_in_one_query(
    tenant: Any, citizen: Any, hund_form: FormVersion, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)

    with django_assert_num_queries(1):
        names = [draft.form_version.service.name for draft in selectors.all_drafts_of(tenant, citizen)]

    assert names == ["Hund anmelden"] * 3
