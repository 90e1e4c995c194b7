"""Relative date rules of a form ("not in the past", "at least 18", a fee for short notice) use Berlin's date.

The pages never pass a date to the form engine; it takes "today" from the clock. Around midnight Berlin and
UTC are on different days, so the clock is stopped there with time-machine. The step, the summary and the
submission are each checked, since each validates (or prices) the answers again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import login_citizen

UTC = dt.UTC
BERLIN_NYE_2330 = dt.datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # still 31 Dec in Berlin
BERLIN_NYE_2350 = dt.datetime(2026, 12, 31, 22, 50, tzinfo=UTC)
BERLIN_NEW_YEAR_0030 = dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 Jan 2027 in Berlin, 31 Dec in UTC
BERLIN_SUMMER_0015 = dt.datetime(2026, 7, 1, 22, 15, tzinfo=UTC)  # 2 Jul 2026 in Berlin (UTC+2)

TERMIN_FORM: dict[str, Any] = {
    "id": "termin-test",
    "version": 1,
    "title": "Termin beantragen",
    "steps": [
        {
            "id": "angaben",
            "title": "Angaben",
            "groups": [
                {
                    "id": "termin",
                    "title": "Termin",
                    "fields": [
                        {"id": "tag", "label": "Wunschtermin", "type": "date", "required": True, "date_min": "today"},
                        {
                            "id": "geburt",
                            "label": "Geburtsdatum",
                            "type": "date",
                            "required": True,
                            "date_max": "today-18y",
                        },
                    ],
                }
            ],
        },
        {
            "id": "eile",
            "title": "Eilige Termine",
            "groups": [
                {
                    "id": "gruende",
                    "title": "Gründe",
                    "fields": [
                        {
                            "id": "grund",
                            "label": "Grund der Eile",
                            "type": "text",
                            "required": False,
                            "visible_if": {"field": "angaben.termin.tag", "lte": "today+2d"},
                        }
                    ],
                }
            ],
        },
    ],
    "fees": [
        {
            "label": "Eilzuschlag",
            "amount": "25.00",
            "when": {"field": "angaben.termin.tag", "lte": "today+2d"},
        }
    ],
}


@pytest.fixture
def termin_form(tenant: Any) -> Any:
    service = ServiceFactory(tenant=tenant, slug="termin-test", name="Termin", trust_level="low")
    return services.publish_form(service=service, definition=TERMIN_FORM)


@pytest.fixture
def draft(tenant: Any, citizen: Any, termin_form: Any) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=citizen, form_version=termin_form, step="angaben")


def _post_step(client: Client, draft: Draft, tag: str, geburt: str) -> Any:
    return client.post(
        f"/antraege/entwurf/{draft.uuid}/schritt/angaben/",
        {"angaben.termin.tag": tag, "angaben.termin.geburt": geburt, "_action": "next"},
    )


@pytest.mark.parametrize(
    ("instant", "tag", "geburt", "refused"),
    [
        pytest.param(BERLIN_NYE_2330, "31.12.2026", "31.12.2008", None, id="berlin_31dec-today_ok-18_today"),
        pytest.param(
            BERLIN_NYE_2330, "31.12.2026", "01.01.2009", "bis zum 31.12.2008", id="berlin_31dec-17_until_midnight"
        ),
        pytest.param(BERLIN_NEW_YEAR_0030, "31.12.2026", "01.01.2009", "ab dem 01.01.2027", id="berlin_1jan-past"),
        pytest.param(BERLIN_NEW_YEAR_0030, "01.01.2027", "01.01.2009", None, id="berlin_1jan-today_ok-18_today"),
        pytest.param(BERLIN_SUMMER_0015, "01.07.2026", "02.07.2008", "ab dem 02.07.2026", id="summer-past"),
        pytest.param(BERLIN_SUMMER_0015, "02.07.2026", "02.07.2008", None, id="summer-today_ok-18_today"),
    ],
)
def test_step_checks_relative_dates_against_the_berlin_date(
    tclient: Client, citizen: Any, draft: Draft, instant: dt.datetime, tag: str, geburt: str, refused: str | None
) -> None:
    with time_machine.travel(instant, tick=False):
        login_citizen(tclient, citizen, level="low")
        response = _post_step(tclient, draft, tag, geburt)
    stored = Draft.objects.unscoped().get().answers
    if refused is None:
        assert response.status_code == 302, response.content.decode()[:2000]
        day, month, year = tag.split(".")
        assert stored["angaben"]["termin"]["tag"] == f"{year}-{month}-{day}"
    else:
        assert response.status_code == 422
        assert f"Bitte geben Sie ein Datum {refused} an." in response.content.decode()
        assert stored == {}


def test_a_date_that_was_today_is_refused_at_the_summary_and_submission_after_berlin_midnight(
    tclient: Client, citizen: Any, draft: Draft
) -> None:
    with time_machine.travel(BERLIN_NYE_2330, tick=False):
        login_citizen(tclient, citizen, level="low")
        assert _post_step(tclient, draft, "31.12.2026", "01.01.2000").status_code == 302
    with time_machine.travel(BERLIN_NYE_2350, tick=False):
        login_citizen(tclient, citizen, level="low")
        summary = tclient.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").content.decode()
        assert 'id="absenden"' in summary  # ten minutes before midnight in Berlin it could be sent
    # 23:30 UTC: New Year's Eve in UTC, but New Year's Day in Berlin, so 31 Dec is in the past now.
    with time_machine.travel(BERLIN_NEW_YEAR_0030, tick=False):
        login_citizen(tclient, citizen, level="low")
        summary = tclient.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").content.decode()
        assert "noch nicht vollständig" in summary and 'id="absenden"' not in summary
        assert f"/antraege/entwurf/{draft.uuid}/schritt/angaben/" in summary
        response = tclient.post(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/")
    assert response["Location"] == f"/antraege/entwurf/{draft.uuid}/zusammenfassung/"
    assert not Application.objects.unscoped().exists()
    assert Draft.objects.unscoped().filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    ("submit_at", "fee", "number"),
    [
        # Termin on 3 Jan: more than two days ahead of 31 Dec, within two days of 1 Jan (Berlin).
        pytest.param(BERLIN_NYE_2350, Decimal("0.00"), "A-2026-000001", id="berlin_31dec-no_surcharge"),
        pytest.param(BERLIN_NEW_YEAR_0030, Decimal("25.00"), "A-2027-000001", id="berlin_1jan-surcharge"),
    ],
)
def test_fee_rule_with_a_relative_date_is_priced_on_the_berlin_date(
    tclient: Client, citizen: Any, draft: Draft, submit_at: dt.datetime, fee: Decimal, number: str
) -> None:
    with time_machine.travel(BERLIN_NYE_2330, tick=False):
        login_citizen(tclient, citizen, level="low")
        assert _post_step(tclient, draft, "03.01.2027", "01.01.2000").status_code == 302
    with time_machine.travel(submit_at, tick=False):
        login_citizen(tclient, citizen, level="low")
        summary = tclient.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").content.decode()
        assert ("Eilzuschlag" in summary) is (fee > 0)
        assert (
            tclient.post(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/")["Location"]
            == f"/antraege/{number}/eingereicht/"
        )
    application = Application.objects.unscoped().get()
    assert application.fee_total == fee
    assert [line["label"] for line in application.fee_lines] == (["Eilzuschlag"] if fee else [])


@pytest.mark.parametrize(
    ("instant", "shown"),
    [
        pytest.param(BERLIN_NYE_2330, False, id="berlin_31dec-three_days_ahead"),
        pytest.param(BERLIN_NEW_YEAR_0030, True, id="berlin_1jan-two_days_ahead"),
    ],
)
def test_field_shown_by_a_relative_date_condition_follows_the_berlin_date(
    tclient: Client, citizen: Any, draft: Draft, instant: dt.datetime, shown: bool
) -> None:
    draft.answers = {
        "angaben": {"termin": {"tag": "2027-01-03", "geburt": "2000-01-01"}},
        "eile": {"gruende": {"grund": "Abreise am 4. Januar"}},
    }
    draft.save()
    with time_machine.travel(instant, tick=False):
        login_citizen(tclient, citizen, level="low")
        step = tclient.get(f"/antraege/entwurf/{draft.uuid}/schritt/eile/").content.decode()
        summary = tclient.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/").content.decode()
    assert ('name="eile.gruende.grund"' in step) is shown
    assert ("Abreise am 4. Januar" in summary) is shown
