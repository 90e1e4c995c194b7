"""The CI guard: every way a test can avoid running fails the lane when CI is set, and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

CASES = {
    "runtime_skip": "import pytest\n\ndef test_a():\n    pytest.skip('clamd fehlt')\n",
    "skip_marker": "import pytest\n\n@pytest.mark.skip(reason='x')\ndef test_a():\n    pass\n",
    "skipif_marker": "import pytest\n\n@pytest.mark.skipif(True, reason='x')\ndef test_a():\n    pass\n",
    "importorskip": "import pytest\n\npytest.importorskip('no_such_module_rathaus')\n\ndef test_a():\n    pass\n",
    "module_skip": "import pytest\n\npytest.skip('weg', allow_module_level=True)\n\ndef test_a():\n    pass\n",
    "runtime_xfail": "import pytest\n\ndef test_a():\n    pytest.xfail('bekannt')\n",
    "xfail_marker": "import pytest\n\n@pytest.mark.xfail(reason='x')\ndef test_a():\n    assert False\n",
    "xpass_marker": "import pytest\n\n@pytest.mark.xfail(reason='x')\ndef test_a():\n    assert True\n",
}


# Each module has one test that does not run and one that passes (unless the whole module is skipped).
MODULE_LEVEL = {"importorskip", "module_skip"}
# Only the guard is loaded in the inner run: it must not depend on Django, and a bare pytest starts fast.
ARGS = ("-p", "tests.plugins.ci_guard", "-p", "no:cacheprovider", "-p", "no:django", "-p", "no:schemathesis")
COLLECT_ALL = "--continue-on-collection-errors"


def _run(pytester: Any, monkeypatch: Any, sources: dict[str, str], ci: str | None, extra: tuple[str, ...] = ()) -> Any:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(
        **{f"test_{name}": src + "\n\ndef test_b():\n    assert True\n" for name, src in sources.items()}
    )
    return pytester.runpytest_subprocess(*ARGS, *extra)


def test_every_way_of_not_running_fails_the_lane_in_ci(pytester: Any, monkeypatch: Any) -> None:
    result = _run(pytester, monkeypatch, CASES, ci="true", extra=(COLLECT_ALL,))
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert not {"skipped", "xfailed", "xpassed"} & set(outcomes), outcomes
    # every not-run test and every self-skipping module is reported as failed, by name
    assert outcomes["failed"] + outcomes.get("errors", 0) == len(CASES), outcomes
    assert outcomes["passed"] == len(CASES) - len(MODULE_LEVEL), outcomes
    text = result.stdout.str()
    for name in CASES:
        assert f"test_{name}.py" in text
    assert "not run in CI" in text and "module not collected in CI" in text


def test_a_self_skipping_module_stops_the_lane(pytester: Any, monkeypatch: Any) -> None:
    result = _run(pytester, monkeypatch, {"importorskip": CASES["importorskip"]}, ci="true")
    assert result.ret != 0, result.stdout.str()


def test_developers_may_still_skip_locally(pytester: Any, monkeypatch: Any) -> None:
    result = _run(pytester, monkeypatch, CASES, ci=None)
    assert result.ret == 0, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] == 5 and outcomes["xfailed"] == 2 and outcomes["xpassed"] == 1, outcomes


@pytest.mark.parametrize("value", ["true", "1"])
def test_a_clean_module_passes_in_ci(pytester: Any, monkeypatch: Any, value: str) -> None:
    result = _run(pytester, monkeypatch, {"clean": "def test_a():\n    assert 1 + 1 == 2\n"}, ci=value)
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes() == {"passed": 2}
