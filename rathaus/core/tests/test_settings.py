"""Production settings refuse insecure configuration; secrets only from the environment."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

GOOD = {
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "portal.musterstadt.de",
    "DATABASE_URL": "postgres://rathaus@127.0.0.1:5432/rathaus",
}


def _load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import rathaus.settings.production"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_secure_configuration() -> None:
    result = _load(GOOD)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "kurz"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
    ],
)
def test_production_refuses_insecure_configuration(override: dict[str, str], message: str) -> None:
    env = {**GOOD, **override}
    if not env["SECRET_KEY"]:
        env.pop("SECRET_KEY")
    result = _load(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_loaddemo_refuses_production() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rathaus.cli", "loaddemo"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "rathaus.settings.production", **GOOD},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Produktivumgebung" in result.stderr


def test_oversized_request_is_refused_before_it_is_read(client: Any, settings: Any, db: Any) -> None:
    settings.RATHAUS_MAX_REQUEST_BYTES = 1024
    response = client.post("/api/v1/applications/drafts", data=b"x" * 2048, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
    page = client.post("/konto/anmelden/", data=b"x" * 2048, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "zu groß" in page.content.decode()
    assert client.get("/healthz").status_code == 200
