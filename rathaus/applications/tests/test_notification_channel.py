"""News about an application go by e-mail only to citizens who chose e-mail (identity.selectors.notifies_by_email)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from rathaus.applications import notifications, services
from rathaus.applications.models import Application, Draft
from rathaus.identity.models import Profile, User
from rathaus.identity.selectors import notifies_by_email
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {"halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}, "hunde": {"hund": [{"name": "Bello"}]}}


def _choose(user: User, channel: str) -> None:
    Profile.objects.for_tenant(user.tenant_id).filter(user=user).update(preferred_channel=channel)


def test_the_profile_decides_and_no_profile_means_email(tenant: Any) -> None:
    citizen = CitizenFactory(tenant=tenant)
    assert notifies_by_email(citizen)
    _choose(citizen, Profile.Channel.MAILBOX)
    assert not notifies_by_email(citizen)
    _choose(citizen, Profile.Channel.POST)
    assert not notifies_by_email(citizen)

    without_profile = StaffFactory(tenant=tenant)
    assert not Profile.objects.for_tenant(tenant).filter(user=without_profile).exists()
    assert notifies_by_email(without_profile)
    without_profile.email = ""
    assert not notifies_by_email(without_profile)


def test_only_the_accounts_own_profile_counts(tenant: Any, other_tenant: Any) -> None:
    mia = CitizenFactory(tenant=tenant, email="mia@example.org")
    max_ = CitizenFactory(tenant=tenant, email="max@example.org")
    there = CitizenFactory(tenant=other_tenant, email="mia@example.org")
    _choose(mia, Profile.Channel.MAILBOX)
    assert not notifies_by_email(mia) and notifies_by_email(max_) and notifies_by_email(there)
    _choose(mia, Profile.Channel.EMAIL)
    _choose(max_, Profile.Channel.MAILBOX)
    assert notifies_by_email(mia) and not notifies_by_email(max_) and notifies_by_email(there)


def test_an_office_message_mails_only_citizens_who_chose_email(
    tenant: Any, citizen: Any, hund_form: Any, django_capture_on_commit_callbacks: Any
) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    application = Application.objects.for_tenant(tenant).select_related("applicant").get(pk=application.pk)
    office = StaffFactory(tenant=tenant)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(application=application, sender=office, body="Frage", from_office=True)
    assert [m.to for m in mail.outbox] == [[citizen.email]]

    _choose(citizen, Profile.Channel.MAILBOX)
    mail.outbox.clear()
    notifications.new_message(application, message)
    assert mail.outbox == []
