from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.demo.loader import DEMO_IDP_URL, DEMO_SAML_IDP_URL, load_demo
from rathaus.demo.management.guard import refuse_in_production


class Command(BaseCommand):
    help = "Load the demo municipality Musterstadt (embedded mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--idp-url", default=DEMO_IDP_URL)
        parser.add_argument("--saml-idp-url", default=DEMO_SAML_IDP_URL)
        parser.add_argument("--no-activity", action="store_true", help="no generated applications and decisions")

    def handle(self, *args: Any, idp_url: str, saml_idp_url: str, no_activity: bool, **options: Any) -> None:
        refuse_in_production()
        logins = load_demo(idp_url=idp_url, saml_idp_url=saml_idp_url, activity=None if no_activity else {})
        self.stdout.write("Demo-Kommune Musterstadt geladen. Anmeldungen:")
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.role:<55} {login.email:<32} {login.password}{note}")
