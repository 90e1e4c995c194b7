"""The office's application page says in words how the applicant logged in, and the fee in German notation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.identity.tests.factories import StaffFactory, login_staff

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {"halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}, "hunde": {"hund": [{"name": "Bello"}]}}


@pytest.mark.parametrize(
    ("level", "words"),
    [("low", "mit Benutzername und Passwort"), ("high", "mit Online-Ausweis (eID)")],
)
def test_office_detail_says_how_the_applicant_logged_in(
    tenant: Any, citizen: Any, hund_form: Any, level: str, words: str
) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level=level)
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    office = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(office, StaffFactory(tenant=tenant, roles=["tenant_admin"]))
    html = office.get(f"/intern/antraege/{application.number}/").content.decode()
    assert f">{words}<" in html
    assert f">{level}<" not in html and "Vertrauensniveau" not in html
    fee = f"{application.fee_total:.2f}".replace(".", ",")
    assert f"{fee} €" in html
