"""No fixed SECRET_KEY anywhere: the embedded mode generates one on first start and keeps it, privately."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rathaus.settings import keys

_PRINT_KEY = "import rathaus.settings.embedded as s; print(s.SECRET_KEY)"


def _embedded_key(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PRINT_KEY],
        env={"PATH": "/usr/bin:/bin", "RATHAUS_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_mode_generates_a_random_key_on_first_start_and_keeps_it(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "a", tmp_path / "b"
    started = _embedded_key(first)
    assert started.returncode == 0, started.stderr
    key = started.stdout.strip()
    assert keys.weakness(key) is None and key not in keys.KNOWN_INSECURE_KEYS
    kept = first / keys.SECRET_KEY_FILE
    assert kept.read_text().strip() == key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert _embedded_key(second).stdout.strip() == key  # the next start signs with the same key
    assert _embedded_key(other).stdout.strip() != key  # another installation has its own


def test_key_from_the_environment_wins_and_nothing_is_written(tmp_path: Path) -> None:
    given = "Ue5oNiKy0rMxPq-VtZs_CwQm7vXc2LpR9sTz4WkY8nHd3JfB6gA1"
    result = _embedded_key(tmp_path, SECRET_KEY=given)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == given
    assert not (tmp_path / keys.SECRET_KEY_FILE).exists()


@pytest.mark.parametrize("weak", ["embedded-insecure-do-not-use-in-production", "kurz", "k" * 80])
def test_embedded_mode_refuses_a_weak_key_from_the_environment(tmp_path: Path, weak: str) -> None:
    result = _embedded_key(tmp_path, SECRET_KEY=weak)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_kept_key_readable_by_others_is_made_private_and_a_weak_one_refused(tmp_path: Path) -> None:
    path = tmp_path / keys.SECRET_KEY_FILE
    path.write_text("Qm7vXc2LpR9sTz4WkY8nHd3JfB6gA1eU5oNiKy0rMxPq-VtZs_Cw\n")
    path.chmod(0o644)
    assert keys.persistent_secret_key(tmp_path) == "Qm7vXc2LpR9sTz4WkY8nHd3JfB6gA1eU5oNiKy0rMxPq-VtZs_Cw"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")
    with pytest.raises(ImproperlyConfigured, match="delete the file"):
        keys.persistent_secret_key(tmp_path)


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: keys.persistent_secret_key(tmp_path), range(32)))
    assert len(found) == 1
    assert sorted(os.listdir(tmp_path)) == [keys.SECRET_KEY_FILE]  # no temporary files left behind


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "not set"),
        ("embedded-insecure-do-not-use-in-production", "published"),
        ("django-insecure-" + "abcdefgh" * 8, "published"),
        ("a1b2c3d4e5" * 4, "shorter"),
        ("abab" * 20, "different characters"),
    ],
)
def test_weak_keys_are_named(key: str, problem: str) -> None:
    assert problem in (keys.weakness(key) or "")
