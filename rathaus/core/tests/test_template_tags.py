"""Shared template helpers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from rathaus.core.templatetags.rathaus_tags import when


def test_when_is_local_time_with_uhr_in_german_and_without_in_english() -> None:
    moment = dt.datetime(2026, 11, 23, 20, 30, tzinfo=dt.UTC)  # 21:30 in Berlin
    with translation.override("de"):
        assert when(moment) == "23.11.2026, 21:30 Uhr"
    with translation.override("en"):
        assert when(moment) == "23.11.2026, 21:30"
    assert when(None) == ""
    assert timezone.is_aware(moment)
