"""In CI a test that did not run is a failure: skip markers, ``pytest.skip()``, ``importorskip`` and ``xfail``.

A missing tool (clamd, Chromium, tesseract) must fail the lane, not let it go green with less tested. Outside
CI (``CI`` unset) developers may still skip locally; the lane never does.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

NOT_RUN = ("skipped", "xfailed", "xpassed")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Generator[None, Any, None]:
    """Turn a skip (marker or call) or an xfail/xpass into a failure of that very test, with its reason."""
    outcome = yield
    report = outcome.get_result()
    if not _in_ci():
        return
    if report.skipped or hasattr(report, "wasxfail"):
        reason = getattr(report, "wasxfail", "") or _skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"not run in CI (skip/xfail is a failure here): {reason}"
        if hasattr(report, "wasxfail"):
            del report.wasxfail


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: Any) -> Generator[None, Any, None]:
    """A module that skips itself at import (``pytest.importorskip``, ``pytest.skip(allow_module_level=True)``)."""
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"module not collected in CI (skip is a failure here): {_skip_reason(report)}"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Last line of defence (e.g. a plugin that reports skips on its own): any not-run test fails the session."""
    if not _in_ci():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {}) if reporter else {}
    not_run = sum(len(stats.get(key, [])) for key in NOT_RUN)
    if not_run and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)
