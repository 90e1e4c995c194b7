"""Command line of the demo SAML IdP (NOT FOR PRODUCTION).

    python -m rathaus.demo_saml_idp serve --port 8002 --data-dir var/demo-saml-idp \
        --sp-prefix http://localhost:8000/ [--sp-prefix …] [--allow-faults]

Serves the Demo-BundID at ``/bundid/`` and the Demo-Unternehmenskonto at ``/muk/`` on 127.0.0.1 only. A service
provider is trusted when its entity id (= its metadata URL) starts with one of the ``--sp-prefix`` values; its
metadata is fetched from there on its first request. ``--allow-faults`` (tests) offers broken responses.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import DemoIdP

BIND_ADDRESS = "127.0.0.1"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write("demo-saml-idp: " + format % args + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rathaus.demo_saml_idp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--port", type=int, default=8002)
    serve.add_argument("--data-dir", type=Path, required=True)
    serve.add_argument("--base-url", help="Vorgabe: http://127.0.0.1:<port>")
    serve.add_argument("--sp-prefix", action="append", required=True, dest="sp_prefixes")
    serve.add_argument("--allow-faults", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)

    app = DemoIdP(
        base_url=args.base_url or f"http://{BIND_ADDRESS}:{args.port}",
        data_dir=args.data_dir.resolve(),
        sp_prefixes=args.sp_prefixes,
        allow_faults=args.allow_faults,
    )
    with make_server(BIND_ADDRESS, args.port, app, server_class=_ThreadingServer, handler_class=_QuietHandler) as httpd:
        print(f"Demo-BundID: http://{BIND_ADDRESS}:{args.port}/bundid/metadata", flush=True)
        print(f"Demo-Unternehmenskonto: http://{BIND_ADDRESS}:{args.port}/muk/metadata", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
