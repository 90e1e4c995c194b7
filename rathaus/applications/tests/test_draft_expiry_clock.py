"""A draft is kept RATHAUS_DRAFT_DAYS after its last change and is gone, everywhere, the second that ends.

The clock is stopped with time-machine. Sessions last eight hours, so the citizen logs in again after each jump
(as she would). The start instant is 00:30 in Berlin but still the previous day in UTC.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory, login_citizen

from .conftest import HUND_FORM, STEP_HALTER, pdf_upload

pytestmark = pytest.mark.usefixtures("fake_scanner")

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March, 00:30 in Berlin
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
START_URL = "/antraege/neu/hund-anmelden/"


@pytest.fixture
def at(tclient: Client, citizen: Any) -> Callable[[dt.datetime], Any]:
    """``with at(instant):`` stops the clock there and logs Mia in afresh."""

    class _At:
        def __init__(self, instant: dt.datetime) -> None:
            self.travel = time_machine.travel(instant, tick=False)

        def __enter__(self) -> None:
            self.travel.__enter__()
            login_citizen(tclient, citizen, level="low")

        def __exit__(self, *exc: Any) -> None:
            self.travel.__exit__(*exc)

    return _At


def _step_url(draft: Draft, step_id: str = "halter") -> str:
    return f"/antraege/entwurf/{draft.uuid}/schritt/{step_id}/"


@pytest.mark.parametrize("days", [30, 7])
def test_draft_lives_the_configured_days_and_is_gone_the_second_they_end(
    tclient: Client, at: Any, hund_form: Any, settings: Any, days: int
) -> None:
    settings.RATHAUS_DRAFT_DAYS = days
    with at(T0):
        tclient.get(START_URL)
        draft = Draft.objects.unscoped().get()
    assert draft.expires_at == T0 + days * DAY

    with at(T0 + days * DAY - SECOND):
        assert tclient.get(_step_url(draft)).status_code == 200
        assert _step_url(draft) in tclient.get("/antraege/").content.decode()
        assert tclient.get(f"/api/v1/applications/drafts/{draft.uuid}").status_code == 200
        assert tclient.get(START_URL)["Location"] == _step_url(draft)  # resumed, not a second draft
        assert services.delete_expired_drafts() == 0

    with at(T0 + days * DAY):
        assert tclient.get(_step_url(draft)).status_code == 404
        assert tclient.post(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").status_code == 404
        assert str(draft.uuid) not in tclient.get("/antraege/").content.decode()
        assert tclient.get(f"/api/v1/applications/drafts/{draft.uuid}").status_code == 404
        # Starting again (before the sweep ran) opens a new draft instead of the expired one.
        assert tclient.get(START_URL)["Location"] != _step_url(draft)
        assert services.delete_expired_drafts() == 1
        assert Draft.objects.unscoped().get().expires_at == T0 + 2 * days * DAY


def _save_on_page(client: Client, draft: Draft) -> None:
    response = client.post(_step_url(draft), {**STEP_HALTER, "_action": "next"})
    assert response.status_code == 302


def _save_invalid_for_later(client: Client, draft: Draft) -> None:
    response = client.post(_step_url(draft, "hunde"), {"hunde.hund.0.name": "", "_action": "save"})
    assert response["Location"] == "/antraege/"


def _save_in_api(client: Client, draft: Draft) -> None:
    response = client.put(
        f"/api/v1/applications/drafts/{draft.uuid}/steps/halter",
        {"answers": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}},
        content_type="application/json",
    )
    assert response.status_code == 200


def _upload_in_api(client: Client, draft: Draft) -> None:
    response = client.post(
        f"/api/v1/applications/drafts/{draft.uuid}/files/hunde.nachweis.datei", {"file": pdf_upload()}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "change", [_save_on_page, _save_invalid_for_later, _save_in_api, _upload_in_api], ids=lambda f: f.__name__[1:]
)
def test_every_change_gives_the_draft_its_full_time_again(
    tclient: Client, at: Any, hund_form: Any, settings: Any, change: Callable[[Client, Draft], None]
) -> None:
    settings.RATHAUS_DRAFT_DAYS = 30
    with at(T0):
        tclient.get(START_URL)
        draft = Draft.objects.unscoped().get()
    with at(T0 + 10 * DAY):
        assert tclient.get(_step_url(draft)).status_code == 200
        tclient.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/")
    assert Draft.objects.unscoped().get().expires_at == T0 + 30 * DAY  # looking is not a change

    with at(T0 + 20 * DAY):
        change(tclient, draft)
    assert Draft.objects.unscoped().get().expires_at == T0 + 50 * DAY

    with at(T0 + 50 * DAY - SECOND):
        assert services.delete_expired_drafts() == 0
        assert tclient.get(_step_url(draft)).status_code == 200
    with at(T0 + 50 * DAY):
        assert tclient.get(_step_url(draft)).status_code == 404
        assert services.delete_expired_drafts() == 1


def test_daily_sweep_deletes_expired_drafts_of_every_municipality_by_the_clock(
    tenant: Any, other_tenant: Any, citizen: Any, hund_form: Any, settings: Any
) -> None:
    settings.RATHAUS_DRAFT_DAYS = 30
    other = CitizenFactory(tenant=other_tenant, email="ben@example.org")
    other_form = services.publish_form(
        service=ServiceFactory(tenant=other_tenant, slug="hund-anmelden", trust_level="low"), definition=HUND_FORM
    )
    with time_machine.travel(T0, tick=False):
        Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form)
        Draft.objects.create(tenant=other_tenant, owner=other, form_version=other_form)
    with time_machine.travel(T0 + DAY, tick=False):
        kept = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form)

    out = io.StringIO()
    with time_machine.travel(T0 + 30 * DAY, tick=False):
        call_command("applications_sweep", stdout=out)
    assert "Entwürfe gelöscht: 2" in out.getvalue()
    assert list(Draft.objects.unscoped().values_list("pk", flat=True)) == [kept.pk]


def test_my_drafts_show_change_and_deletion_dates_in_berlin_time(
    tclient: Client, at: Any, hund_form: Any, settings: Any
) -> None:
    settings.RATHAUS_DRAFT_DAYS = 30
    with at(T0):  # 1 March 23:30 UTC = 2 March 00:30 in Berlin (winter time)
        tclient.get(START_URL)
        page = tclient.get("/antraege/").content.decode()
    # Expiry: 31 March 23:30 UTC = 1 April 01:30 in Berlin (summer time since 29 March).
    assert "zuletzt geändert 02.03.2026, 00:30 Uhr" in page
    assert "wird am 01.04.2026 gelöscht" in page
