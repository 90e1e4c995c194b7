"""The generated activity covers the issued sample report's half-year and the running one, whatever the date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rathaus.demo import activity
from rathaus.steering.reports import half_year_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "first_day"),
    [
        (dt.datetime(2026, 12, 2, 14, 0, tzinfo=BERLIN), dt.date(2026, 1, 1)),
        (dt.datetime(2026, 7, 1, 0, 30, tzinfo=BERLIN), dt.date(2026, 1, 1)),
        (dt.datetime(2026, 6, 30, 23, 30, tzinfo=BERLIN), dt.date(2025, 7, 1)),
        (dt.datetime(2027, 1, 1, 0, 15, tzinfo=BERLIN), dt.date(2026, 7, 1)),
        # 23:30 UTC on New Year's Eve is already 1 January in Berlin: the report is the second half of 2026.
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), dt.date(2026, 7, 1)),
    ],
)
def test_by_default_the_activity_starts_with_the_sample_reports_half_year(now: dt.datetime, first_day: dt.date) -> None:
    start = activity.window(now)
    local = start.astimezone(BERLIN)
    assert (local.date(), local.time()) == (first_day, dt.time(0, 0))
    assert half_year_of(now.astimezone(BERLIN).date())[0] == first_day
    assert start <= now


def test_an_explicit_number_of_months_counts_back_from_now() -> None:
    now = dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.UTC)
    assert activity.window(now, months=2) == now - dt.timedelta(days=61)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nirgendwo"], "Keine Kommune"),
        (["--months", "0"], "positiv"),
        (["--per-day", "-1"], "positiv"),
    ],
)
def test_the_command_refuses_bad_options(tenant: object, args: list[str], message: str) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=message):
        call_command("demo_activity", "--tenant", getattr(tenant, "slug", ""), *args)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [["demo_activity"], ["loaddemo", "--no-activity"], ["demo_otp", "musterstadt", "a@b.de"]]
)
def test_the_demo_commands_refuse_production(monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "rathaus.settings.production")
    with pytest.raises(CommandError, match=r"Produktivumgebung|Demo-Betrieb"):
        call_command(*command)
