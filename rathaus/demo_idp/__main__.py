"""Command line of the Demo-Servicekonto (NOT FOR PRODUCTION).

    python -m rathaus.demo_idp serve --port 8001 --data-dir var/demo-idp --client-secret S \
        --redirect-uri http://127.0.0.1:8000/konto/oidc/callback/ [--redirect-uri …]
    python -m rathaus.demo_idp register --data-dir var/demo-idp --redirect-uri URL [--redirect-uri …]

``serve`` migrates its own SQLite database in the data directory, creates the RSA signing key on the first
start, creates or updates the client and the demo people, then serves on 127.0.0.1 only. ``register``
adds redirect URIs to the client of an existing data directory (a running ``serve`` sees them at once).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType

SETTINGS_MODULE = "rathaus.demo_idp.settings"
BIND_ADDRESS = "127.0.0.1"
DEFAULT_CLIENT_ID = "rathaus-demo"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rathaus.demo_idp",
        description="Demo-Servicekonto: OpenID-Connect-Testanbieter für Demo und Tests – nicht für den Betrieb.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="Datenbank vorbereiten, Client und Demo-Personen anlegen, starten")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--data-dir", type=Path, required=True)
    serve.add_argument("--issuer", help="Aussteller; Vorgabe: http://127.0.0.1:<port>/o")
    serve.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    serve.add_argument(
        "--client-secret",
        default=os.environ.get("RATHAUS_DEMO_IDP_SECRET"),
        help="Vorgabe: Umgebungsvariable RATHAUS_DEMO_IDP_SECRET",
    )
    serve.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")

    register = commands.add_parser("register", help="weitere Redirect-URIs für den Client eintragen")
    register.add_argument("--data-dir", type=Path, required=True)
    register.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    register.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
    return parser


def _setup(data_dir: Path, issuer: str) -> None:
    """Own settings in this process only: Rathaus' settings are never loaded here."""
    from .keys import ensure_keys

    data_dir = data_dir.resolve()
    ensure_keys(data_dir)
    os.environ["RATHAUS_DEMO_IDP_DATA_DIR"] = str(data_dir)
    os.environ["RATHAUS_DEMO_IDP_ISSUER"] = issuer
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE  # deliberately overrides an inherited value

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(args: argparse.Namespace) -> int:
    if not args.client_secret:
        print("Bitte --client-secret angeben (oder RATHAUS_DEMO_IDP_SECRET setzen).", file=sys.stderr)
        return 2
    issuer = (args.issuer or f"http://{BIND_ADDRESS}:{args.port}/o").rstrip("/")
    _setup(args.data_dir, issuer)

    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    from .provisioning import provision

    provision(client_id=args.client_id, client_secret=args.client_secret, redirect_uris=args.redirect_uris)
    signal.signal(signal.SIGTERM, _stop)
    print(
        f"Demo-Servicekonto (nur Demo/Test) auf http://{BIND_ADDRESS}:{args.port}/ – issuer {issuer}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        run(BIND_ADDRESS, args.port, get_wsgi_application(), ipv6=False, threading=True)
    return 0


def register(args: argparse.Namespace) -> int:
    _setup(args.data_dir, os.environ.get("RATHAUS_DEMO_IDP_ISSUER", f"http://{BIND_ADDRESS}:8001/o"))
    from .provisioning import add_redirect_uris

    try:
        uris = add_redirect_uris(client_id=args.client_id, redirect_uris=args.redirect_uris)
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("Redirect-URIs:", *uris, sep="\n  ")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return serve(args) if args.command == "serve" else register(args)


if __name__ == "__main__":
    sys.exit(main())
