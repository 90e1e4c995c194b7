"""Migrate the server's database and seed it: a municipality on host 127.0.0.1, a service with the published
three-step form of ``submission_flow.FORM``, and N citizens, each with a logged-in session (trust level
*niedrig*). Writes ``{"service": slug, "sessions": [session key, …]}`` as JSON to ``--out``.

Run with the server's environment (DATABASE_URL, RATHAUS_DATA_DIR, DJANGO_SETTINGS_MODULE, SECRET_KEY):
    python -m tests.durability.seed --users 8 --out sessions.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def seed(users: int, host: str) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from rathaus.applications.services import publish_form
    from rathaus.catalog.models import Service
    from rathaus.identity.models import Profile, User
    from rathaus.identity.trust import SESSION_KEY as TRUST_SESSION_KEY
    from rathaus.tenants.models import Domain, Municipality, OrgUnit

    from .submission_flow import FORM, SERVICE_SLUG

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        tenant = Municipality.objects.create(slug="lasthausen", name="Stadt Lasthausen", ags="05999102")
        Domain.objects.create(host=host, municipality=tenant, is_primary=True)
        unit = OrgUnit.objects.create(tenant=tenant, key="FB32", name="Straßenverkehrsbehörde")
        service = Service.objects.create(
            tenant=tenant,
            leika_key="99108012000000",
            slug=SERVICE_SLUG,
            name="Sondernutzung öffentlicher Verkehrsflächen beantragen",
            short_description="Gerüst, Container oder Baustelle auf Gehweg oder Straße.",
            org_unit=unit,
            trust_level="low",
            channels=["online"],
        )
    publish_form(service=service, definition=FORM)  # durable: its own transaction
    with transaction.atomic():
        sessions = []
        now = timezone.now()
        for i in range(users):
            # No password: login happens by session below (and hashing N passwords would only cost time).
            user = User.objects.create_user(
                f"buerger{i}@example.org", None, tenant=tenant, first_name="Mia", last_name=f"Muster {i}"
            )
            User.objects.filter(pk=user.pk).update(email_verified_at=now)
            Profile.objects.create(tenant=tenant, user=user, preferred_channel=Profile.Channel.MAILBOX)
            store = SessionStore()
            store[USER_SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "rathaus.identity.backends.TenantEmailBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store[TRUST_SESSION_KEY] = "low"
            store.create()
            sessions.append(store.session_key)
    return {"service": SERVICE_SLUG, "sessions": sessions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    import django

    django.setup()
    args.out.write_text(json.dumps(seed(args.users, args.host)), encoding="utf-8")


if __name__ == "__main__":
    main()
