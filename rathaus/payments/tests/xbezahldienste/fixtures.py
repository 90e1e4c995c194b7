"""pytest fixtures around the fake XBezahldienste platform process (import them into a test module).

``bezahldienst_process`` starts ``python -m rathaus.payments.tests.xbezahldienste.server`` once per session on
a free loopback port; ``bezahldienst`` resets it for each test, configures it (and switches it on) as municipality
alpha's payment provider, and fails the test afterwards if any request Rathaus sent broke the schema.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

ORIGINATOR = "RATHAUS-ALPHA"
ENDPOINT = "KASSE-05111000"
USERNAME = "rathaus-alpha"
PASSWORD = "nur-fuer-tests-xbezahl"
PASSWORD_ENV = "RATHAUS_XBEZAHL_PASSWORD_ALPHA"  # municipality "alpha" names its variable, never the secret
NO_PROXY = {"http": None, "https": None}


@dataclass
class Bezahldienst:
    """The running fake platform: ``base_url`` is what a municipality configures."""

    base_url: str
    process: subprocess.Popen[str]

    @property
    def root(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def control(self, **command: Any) -> None:
        requests.post(f"{self.root}/_control", json=command, timeout=5, proxies=NO_PROXY).raise_for_status()

    def state(self) -> dict[str, Any]:
        answer = requests.get(f"{self.root}/_control/log", timeout=5, proxies=NO_PROXY)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def refused(self) -> list[dict[str, Any]]:
        """Requests the platform refused as malformed (schema, content type)."""
        return [entry for entry in self.state()["log"] if entry.get("status") in (400, 415)]

    def transaction(self, transaction_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.state()["transactions"][transaction_id]
        return found

    def payer_chooses(self, pay_page: str, action: str) -> requests.Response:
        """The citizen's browser on the pay page: "pay", "fail" or "cancel"; answers the redirect (303)."""
        return requests.post(pay_page, data={"action": action}, allow_redirects=False, timeout=5, proxies=NO_PROXY)

    def options(self, **overrides: Any) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "originator_id": ORIGINATOR,
            "endpoint_id": ENDPOINT,
            "username": USERNAME,
            "password_env": PASSWORD_ENV,
            "haushaltsstelle": "1.1220.100",
            "objektnummer": "12200000",
            "kassenzeichen_prefix": "5.0123.",
            "timeout": "1",
            "retries": "1",
            **overrides,
        }


@pytest.fixture(scope="session")
def bezahldienst_process() -> Iterator[Bezahldienst]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "rathaus.payments.tests.xbezahldienste.server", "--port", "0",
            "--originator", ORIGINATOR, "--endpoint", ENDPOINT, "--username", USERNAME, "--password-env", PASSWORD_ENV,
        ],
        env={**os.environ, PASSWORD_ENV: PASSWORD},
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("LISTENING "), f"fake platform did not start: {line!r}"
    yield Bezahldienst(base_url=line.split()[1], process=process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def bezahldienst(
    bezahldienst_process: Bezahldienst, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Bezahldienst]:
    from rathaus.tenants.services import save_plugin_config

    bezahldienst_process.control(reset=True)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    save_plugin_config(
        tenant=tenant,
        kind="payment",
        plugin_id="xbezahldienste",
        options=bezahldienst_process.options(),
        enabled=True,
        actor=None,
    )
    yield bezahldienst_process
    refused = bezahldienst_process.refused()
    bezahldienst_process.control(reset=True)
    assert refused == [], f"Rathaus sent requests the XBezahldienste schema refuses: {refused}"
