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


def test_attachments_of_names_every_property_of_each_file_in_upload_order(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    from rathaus.applications.models import Attachment

    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    for name, size in (("b.pdf", 20), ("a.pdf", 10)):
        Attachment.objects.create(
            tenant=tenant, application=application, field="hunde.nachweis.datei", name=name,
            content_type="application/pdf", size=size, sha256=name[0] * 64, key=f"attachments/{name[0] * 2}/x",
        )  # fmt: skip

    assert selectors.attachments_of(application) == [
        {"field": "hunde.nachweis.datei", "name": "b.pdf", "content_type": "application/pdf", "size": 20,
         "sha256": "b" * 64},
        {"field": "hunde.nachweis.datei", "name": "a.pdf", "content_type": "application/pdf", "size": 10,
         "sha256": "a" * 64},
    ]  # fmt: skip


def test_application_by_number_brings_what_the_e_akte_reads_without_further_queries(
    tenant: Any, citizen: Any, hund_form: FormVersion
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    number = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low").number

    with CaptureQueriesContext(connection) as fetching:
        found = selectors.application_by_number(tenant.pk, number)
    assert found is not None and len(fetching.captured_queries) >= 1
    with CaptureQueriesContext(connection) as reading:  # what records.file_application reads of it
        read = (
            found.service.name,
            found.applicant.email,
            found.org_unit.name,
            found.form_version.pk,
            found.tenant.slug,
        )

    assert reading.captured_queries == [], reading.captured_queries
    assert read[:2] == ("Hund anmelden", citizen.email) and read[4] == tenant.slug
    assert selectors.application_by_number(tenant.pk, "A-1999-000001") is None
