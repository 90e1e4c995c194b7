"""A tiny ePayBL-style platform for tests: stdlib HTTP server on 127.0.0.1, random port, in a thread.

Speaks the JSON facade the adapter assumes (POST /kassenzeichen, GET /kassenzeichen/<kz>) with HTTP Basic
authentication, and serves a stand-in Paypage. Tests drive the platform side through :meth:`pay`,
:meth:`cancel` and ``mode`` ("ok", "error500", "slow").
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MERCHANT = "MANDANT-4711"
SECRET = "geheim-nur-im-test"
# Municipality "alpha" (the ``tenant`` fixture) names the variable that holds its secret; never the secret.
SECRET_ENV = "RATHAUS_EPAYBL_KEY_ALPHA"


def epaybl_options(url: str, **overrides: Any) -> dict[str, Any]:
    """Options of the ePayBL provider for municipality "alpha" talking to the fake platform at ``url``."""
    return {
        "url": url,
        "merchant_id": MERCHANT,
        "secret_env": SECRET_ENV,
        "timeout": "0.5",
        "haushaltsstelle": "1.1100.100",
        "objektnummer": "4711",
        **overrides,
    }


@dataclass
class Kassenzeichen:
    number: str
    payload: dict[str, Any]
    status: str = "OFFEN"
    paid_at: str | None = None
    paid_amount: str | None = None


@dataclass
class FakePlatform:
    mode: str = "ok"
    slow_seconds: float = 2.0
    records: dict[str, Kassenzeichen] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def pay(self, number: str, amount: str | None = None) -> None:
        record = self.records[number]
        record.status = "BEZAHLT"
        record.paid_at = "2026-03-02T10:15:00+01:00"
        record.paid_amount = amount or record.payload["betrag"]

    def cancel(self, number: str) -> None:
        self.records[number].status = "ABGEBROCHEN"

    def start(self) -> FakePlatform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _guard(self) -> bool:
                platform.requests.append((self.command, self.path))
                if platform.mode == "slow":
                    time.sleep(platform.slow_seconds)
                if platform.mode == "error500":
                    self._send(500, {"fehler": "intern"})
                    return False
                expected = base64.b64encode(f"{MERCHANT}:{SECRET}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._send(401, {"fehler": "nicht angemeldet"})
                    return False
                return True

            def do_POST(self) -> None:
                if not self._guard():
                    return
                if self.path != "/kassenzeichen":
                    self._send(404)
                    return
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length))
                number = f"KZ{len(platform.records) + 1:08d}"
                platform.records[number] = Kassenzeichen(number, payload)
                self._send(201, {"kassenzeichen": number, "paypageUrl": f"{platform.url}/paypage/{number}"})

            def do_GET(self) -> None:
                if self.path.startswith("/paypage/"):
                    self._send(200, {"paypage": self.path.rsplit("/", 1)[-1]})
                    return
                if not self._guard():
                    return
                number = self.path.rsplit("/", 1)[-1]
                record = platform.records.get(number)
                if not self.path.startswith("/kassenzeichen/") or record is None:
                    self._send(404)
                    return
                self._send(
                    200,
                    {
                        "kassenzeichen": number,
                        "status": record.status,
                        "betrag": record.paid_amount or record.payload["betrag"],
                        "bezahltAm": record.paid_at,
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
