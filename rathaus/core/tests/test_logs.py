"""Structured logs: JSON lines for the log collector in production, readable lines otherwise."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from django.conf import settings

from rathaus.core.logs import logging_config


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_json_format_writes_one_object_per_line(capsys: Any, restore_logging: None) -> None:
    logging.config.dictConfig(logging_config("INFO", "json"))
    structlog.get_logger("rathaus.test").info("application_submitted", number="A-2026-000001")
    logging.getLogger("django.request").warning("Not Found: %s", "/x")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    assert events[0]["event"] == "application_submitted" and events[0]["number"] == "A-2026-000001"
    assert events[0]["level"] == "info" and events[0]["logger"] == "rathaus.test" and "timestamp" in events[0]
    assert events[1]["event"] == "Not Found: /x" and events[1]["level"] == "warning"


def test_console_format_is_not_json(capsys: Any, restore_logging: None) -> None:
    logging.config.dictConfig(logging_config("INFO", "console"))
    structlog.get_logger("rathaus.test").info("hello", who="world")
    line = capsys.readouterr().err.strip()
    assert "hello" in line and "who=world" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
