"""The year in the application number and the submission time people see are those of Berlin, not of UTC.

``A-YYYY-NNNNNN`` counts per municipality and calendar year. New Year's Eve is where Berlin (UTC+1 in winter)
and UTC disagree for an hour: 31 Dec 23:30 in Berlin is still 22:30 UTC of the same day, while 31 Dec 23:30
UTC is already 1 Jan 00:30 in Berlin. The clock is stopped with time-machine at those instants.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, NumberSequence
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory, login_citizen

from .conftest import HUND_FORM

pytestmark = pytest.mark.usefixtures("fake_scanner")

UTC = dt.UTC
ANSWERS = {
    "halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}},
    "hunde": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}},
}


def _submit_at(instant: dt.datetime, tenant: Any, citizen: Any, form: Any) -> Application:
    with time_machine.travel(instant, tick=False):
        draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
        return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


@pytest.mark.parametrize(
    ("instant", "number"),
    [
        pytest.param(dt.datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "A-2026-000001", id="23:30_berlin_old_year"),
        pytest.param(dt.datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC), "A-2026-000001", id="23:59:59_berlin"),
        pytest.param(dt.datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC), "A-2027-000001", id="midnight_berlin"),
        pytest.param(dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "A-2027-000001", id="00:30_berlin_new_year"),
        pytest.param(dt.datetime(2027, 1, 1, 0, 30, tzinfo=UTC), "A-2027-000001", id="01:30_berlin"),
    ],
)
def test_number_year_is_the_year_of_the_berlin_date(
    tenant: Any, citizen: Any, hund_form: Any, instant: dt.datetime, number: str
) -> None:
    application = _submit_at(instant, tenant, citizen, hund_form)
    assert application.number == number
    assert Application.objects.unscoped().get().submitted_at == instant


def test_sequence_starts_again_at_one_in_the_new_berlin_year_for_each_municipality(
    tenant: Any, other_tenant: Any, citizen: Any, hund_form: Any
) -> None:
    other_citizen = CitizenFactory(tenant=other_tenant, email="ben@example.org")
    other_form = services.publish_form(
        service=ServiceFactory(tenant=other_tenant, slug="hund-anmelden", trust_level="low"), definition=HUND_FORM
    )
    eve = dt.datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    numbers = [
        _submit_at(eve, tenant, citizen, hund_form).number,
        _submit_at(eve + dt.timedelta(minutes=59), tenant, citizen, hund_form).number,  # 23:59 in Berlin
        _submit_at(eve, other_tenant, other_citizen, other_form).number,
        # 00:00 to 00:30 in Berlin (still 31 Dec in UTC): the new year's numbers
        _submit_at(eve + dt.timedelta(hours=1), tenant, citizen, hund_form).number,
        _submit_at(eve + dt.timedelta(hours=1, minutes=30), tenant, citizen, hund_form).number,
        _submit_at(eve + dt.timedelta(hours=1, minutes=10), other_tenant, other_citizen, other_form).number,
    ]
    assert numbers == [
        "A-2026-000001",
        "A-2026-000002",
        "A-2026-000001",
        "A-2027-000001",
        "A-2027-000002",
        "A-2027-000001",
    ]
    counters = {
        (row.tenant_id, row.year): row.last for row in NumberSequence.objects.unscoped().order_by("tenant_id", "year")
    }
    assert counters == {
        (tenant.pk, 2026): 2,
        (tenant.pk, 2027): 2,
        (other_tenant.pk, 2026): 1,
        (other_tenant.pk, 2027): 1,
    }


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("instant", "number", "shown_date", "shown_time"),
    [
        # Winter (UTC+1): 23:30 UTC on New Year's Eve is half past midnight on New Year's Day in Berlin.
        pytest.param(dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "A-2027-000001", "01.01.2027", "00:30", id="cet"),
        # Summer (UTC+2): 22:15 UTC is already the next day in Berlin.
        pytest.param(dt.datetime(2026, 7, 1, 22, 15, tzinfo=UTC), "A-2026-000001", "02.07.2026", "00:15", id="cest"),
    ],
)
def test_submission_time_on_the_pages_and_the_receipt_is_berlin_time(
    tclient: Client,
    citizen: Any,
    hund_form: Any,
    tenant: Any,
    instant: dt.datetime,
    number: str,
    shown_date: str,
    shown_time: str,
) -> None:
    with time_machine.travel(instant, tick=False):
        login_citizen(tclient, citizen, level="low")
        draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
        response = tclient.post(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/")
        assert response["Location"] == f"/antraege/{number}/eingereicht/"

        detail = tclient.get(f"/antraege/{number}/").content.decode()
        assert f"{shown_date}, {shown_time} Uhr" in detail
        mine = tclient.get("/antraege/").content.decode()
        assert re.search(rf"{number}.*?{re.escape(shown_date)}", mine, re.S)

        receipt = _pdf_text(tclient.get(f"/antraege/{number}/eingangsbestaetigung.pdf").content)
        assert f"{shown_date}, {shown_time}:00 Uhr" in receipt

        # The API gives the instant itself, with its offset; read back it is the same moment.
        api = tclient.get(f"/api/v1/applications/applications/{number}").json()
        assert dt.datetime.fromisoformat(api["submitted_at"]) == instant
