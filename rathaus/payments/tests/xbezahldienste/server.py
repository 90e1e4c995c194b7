"""A fake XBezahldienste platform (a "Bezahldienst"), run as its own process on loopback by the test suite.

    python -m rathaus.payments.tests.xbezahldienste.server --port 0 --originator ORIG --endpoint END \\
        --username USER --password-env NAME_OF_VARIABLE

prints ``LISTENING http://127.0.0.1:<port>/xbezahldienste/api/v1`` once it accepts connections. It speaks the REST
interface the real platforms (ePayBL connectors, pmPayment, epay21) speak, built from ``schema.json``:

* ``POST {base}/paymenttransaction/{originatorId}/{endpointId}`` – HTTP Basic; the body must validate against
  ``PaymentRequest`` and its items must add up to ``grosAmount``; answers a ``PaymentTransaction`` in state
  ``INITIAL`` with the ``transactionRedirectUrl`` of the pay page. The same ``requestId`` again answers the same
  transaction (the platform is idempotent on it).
* ``GET {base}/paymenttransaction/{originatorId}/{endpointId}/{transactionId}`` – HTTP Basic; the transaction.
* ``GET /paypage/{transactionId}`` – the payer's page with the buttons *Bezahlen*, *Zahlung scheitern lassen* and
  *Abbrechen*; the POST sets the status and sends the browser to ``redirectUrl`` (303).

Every answer the fake gives is validated against ``PaymentTransaction`` too. Whatever did not validate is
refused with 400 and kept in the log, which tests read (``GET /_control/log``) so that a malformed request fails
the test. ``POST /_control`` (JSON) switches failure modes: ``error500``, ``malformed`` (not JSON), ``schema``
(JSON that breaks the schema), ``unknown_status``, ``wrong_amount`` (reports PAYED with a different amount),
``other_transaction`` (answers a different transaction id), ``slow``; ``reset`` forgets everything.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import html
import json
import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs

SCHEMA = json.loads((Path(__file__).with_name("schema.json")).read_text(encoding="utf-8"))
PREFIX = "/xbezahldienste/api/v1"


def _validator(name: str) -> Any:
    return jsonschema_rs.validator_for({"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"})


REQUEST = _validator("PaymentRequest")
TRANSACTION = _validator("PaymentTransaction")


class State:
    def __init__(self, *, originator: str, endpoint: str, username: str, password: str) -> None:
        self.originator = originator
        self.endpoint = endpoint
        self.credentials = f"{username}:{password}"
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.generation = getattr(self, "generation", 0) + 1  # late answers of a previous test are not logged
        self.mode = "ok"
        self.transactions: dict[str, dict[str, Any]] = {}
        self.by_request: dict[str, str] = {}
        self.log: list[dict[str, Any]] = []


def _schema_errors(validator: Any, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(instance)]


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def make_handler(state: State, base_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeXBezahldienste/1"

        def log_message(self, *args: Any) -> None:
            pass

        # --- plumbing --------------------------------------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode())

        def _record(self, **entry: Any) -> None:
            with state.lock:
                if self.generation == state.generation:
                    state.log.append({"method": self.command, "path": self.path, **entry})

        def handle_one_request(self) -> None:
            self.generation = state.generation
            super().handle_one_request()

        def _problem(self, status: int, title: str, errors: list[str] | None = None) -> None:
            self._record(status=status, errors=errors or [title])
            self._json(status, {"title": title, "status": status, "errors": errors or []})

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(state.credentials.encode()).decode()
            return hmac.compare_digest(self.headers.get("Authorization", ""), expected)

        def _transaction_path(self) -> list[str] | None:
            path = urlsplit(self.path).path
            if not path.startswith(PREFIX + "/paymenttransaction/"):
                return None
            return path[len(PREFIX + "/paymenttransaction/") :].split("/")

        def _answer(self, status: int, transaction: dict[str, Any]) -> None:
            """Send ``transaction`` as the platform would, bent by the failure mode."""
            mode = state.mode
            if mode == "slow":
                time.sleep(3)
            if mode == "error500":
                self._record(status=500)
                self._json(500, {"title": "Interner Fehler"})
                return
            if mode == "malformed":
                self._record(status=status)
                self._send(status, b"<html>Wartungsarbeiten</html>", content_type="text/html")
                return
            payload = json.loads(json.dumps(transaction))
            if mode == "schema":
                payload["paymentInformation"].pop("transactionId")
            elif mode == "unknown_status":
                payload["paymentInformation"]["status"] = "SETTLED"
            elif mode == "other_transaction":
                payload["paymentInformation"]["transactionId"] = "T" + uuid.uuid4().hex
            elif mode == "wrong_amount" and payload["paymentInformation"]["status"] == "PAYED":
                payload["paymentRequest"]["grosAmount"] = float(_decimal(payload["paymentRequest"]["grosAmount"]) / 10)
            elif mode == "ok" and (errors := _schema_errors(TRANSACTION, payload)):
                self._problem(500, "Die Fälschung selbst verletzt das Schema", errors)  # the fake must conform
                return
            self._record(status=status)
            self._json(status, payload)

        # --- the interface ---------------------------------------------------------------------------------
        def do_POST(self) -> None:
            if self.path == "/_control":
                command = json.loads(self._body() or b"{}")
                with state.lock:
                    if command.get("reset"):
                        state.reset()
                    if "mode" in command:
                        state.mode = str(command["mode"])
                self._json(200, {"mode": state.mode})
                return
            if self.path.startswith("/paypage/"):
                self._pay_page_action()
                return
            parts = self._transaction_path()
            if parts is None or len(parts) != 2:
                self._problem(404, "Unbekannte Adresse")
                return
            if not self._authorised():
                self._problem(401, "Nicht angemeldet")
                return
            if parts != [state.originator, state.endpoint]:
                self._problem(404, "Unbekannter Originator oder Endpunkt")
                return
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                self._problem(415, "Content-Type muss application/json sein")
                return
            try:
                request = json.loads(self._body(), parse_float=Decimal)
            except ValueError:
                self._problem(400, "Kein JSON")
                return
            plain = json.loads(json.dumps(request, default=float))
            errors = _schema_errors(REQUEST, plain)
            if not errors:
                gross = (_decimal(i["totalNetAmount"]) + _decimal(i["totalTaxAmount"]) for i in request["items"])
                items = sum(gross, Decimal(0))
                if items != _decimal(request["grosAmount"]):
                    errors.append(f"items: Summe {items} ≠ grosAmount {request['grosAmount']}")
                for i, item in enumerate(request["items"]):
                    single = _decimal(item["singleNetAmount"]) * item["quantity"]
                    if single != _decimal(item["totalNetAmount"]):
                        errors.append(f"items/{i}: singleNetAmount × quantity ≠ totalNetAmount")
            if errors:
                self._problem(400, "Anfrage entspricht nicht dem Schema", errors)
                return
            with state.lock:
                known = state.by_request.get(plain["requestId"])
                path = f"{state.originator}/{state.endpoint}"
                if known is None:
                    known = "T" + uuid.uuid4().hex[:20].upper()
                    state.by_request[plain["requestId"]] = known
                    state.transactions[known] = {
                        "paymentRequest": plain,
                        "paymentInformation": {
                            "transactionUrl": f"{base_url}/paymenttransaction/{path}/{known}",
                            "transactionRedirectUrl": f"{base_url.split(PREFIX)[0]}/paypage/{known}",
                            "transactionId": known,
                            "status": "INITIAL",
                        },
                    }
                transaction = state.transactions[known]
            self._answer(200, transaction)

        def do_GET(self) -> None:
            if self.path == "/_control/log":
                with state.lock:
                    self._json(200, {"log": state.log, "transactions": state.transactions})
                return
            if self.path.startswith("/paypage/"):
                self._pay_page()
                return
            parts = self._transaction_path()
            if parts is None or len(parts) != 3:
                self._problem(404, "Unbekannte Adresse")
                return
            if not self._authorised():
                self._problem(401, "Nicht angemeldet")
                return
            transaction = state.transactions.get(parts[2])
            if parts[:2] != [state.originator, state.endpoint] or transaction is None:
                self._problem(404, "Unbekannte Transaktion")
                return
            self._answer(200, transaction)

        # --- the payer's page ------------------------------------------------------------------------------
        def _pay_page(self) -> None:
            transaction = state.transactions.get(urlsplit(self.path).path.rsplit("/", 1)[-1])
            if transaction is None:
                self._send(404, b"unbekannt", "text/plain")
                return
            request = transaction["paymentRequest"]
            rows = "".join(
                f"<li>{html.escape(i['description'])}: {i['totalNetAmount']:.2f} EUR</li>" for i in request["items"]
            )
            page = (
                '<!doctype html><html lang="de"><head><title>Bezahlseite (Test)</title></head><body>'
                f"<h1>Bezahlen: {request['grosAmount']:.2f} EUR</h1><p>{html.escape(request['purpose'])}</p>"
                f"<ul>{rows}</ul><p>Status: {transaction['paymentInformation']['status']}</p>"
                '<form method="post"><button name="action" value="pay">Bezahlen</button>'
                '<button name="action" value="fail">Zahlung scheitern lassen</button>'
                '<button name="action" value="cancel">Abbrechen</button></form></body></html>'
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")

        def _pay_page_action(self) -> None:
            transaction_id = urlsplit(self.path).path.rsplit("/", 1)[-1]
            action = parse_qs(self._body().decode()).get("action", [""])[0]
            outcome = {"pay": "PAYED", "fail": "FAILED", "cancel": "CANCELED"}.get(action)
            with state.lock:
                transaction = state.transactions.get(transaction_id)
                if transaction is None or outcome is None:
                    self._send(400, b"ungueltig", "text/plain")
                    return
                info = transaction["paymentInformation"]
                if info["status"] != "INITIAL":
                    self._send(409, b"bereits abgeschlossen", "text/plain")
                    return
                info["status"] = outcome
                info.pop("transactionRedirectUrl", None)  # only while INITIAL
                if outcome == "PAYED":
                    info["transactionTimestamp"] = datetime.now(UTC).isoformat(timespec="seconds")
                    info["transactionReference"] = "KZ" + transaction_id[1:11]
                    info["paymentMethod"] = "CREDITCARD"
                else:
                    info["statusDetail"] = "Abbruch durch Bezahler" if outcome == "CANCELED" else "Karte abgelehnt"
                redirect = transaction["paymentRequest"]["redirectUrl"]
            self._send(303, b"", "text/plain", Location=redirect)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--originator", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-env", required=True, help="environment variable holding the password")
    args = parser.parse_args(argv)
    state = State(
        originator=args.originator,
        endpoint=args.endpoint,
        username=args.username,
        password=os.environ[args.password_env],
    )
    server = ThreadingHTTPServer((args.host, args.port), BaseHTTPRequestHandler)
    host, port = server.server_address[:2]
    base_url = f"http://{host}:{port}{PREFIX}"
    server.RequestHandlerClass = make_handler(state, base_url)
    server.daemon_threads = True
    print(f"LISTENING {base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover - interactive use
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
