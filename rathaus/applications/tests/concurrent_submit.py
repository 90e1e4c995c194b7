"""Concurrent submissions in a database of their own, with the settings of a real installation.

Run by ``test_concurrent_submission.py`` in a child process, with the environment of the embedded mode (or
of PostgreSQL): migrate, seed one municipality with the dog-tax form and ``--drafts`` citizens with one
draft each, then start ``--clicks`` threads per draft at the same moment, each calling ``services.submit``
with its own database connection (like the workers and threads of a server). Writes, per draft, what
every click answered (a number, or the repr of the exception) as JSON to ``--out``.

    python -m rathaus.applications.tests.concurrent_submit --drafts 6 --clicks 3 --out result.json
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path
from typing import Any


def seed(drafts: int) -> list[tuple[Any, Any, Any]]:
    from django.core.management import call_command
    from django.db import transaction

    from rathaus.applications import services
    from rathaus.applications.models import Draft
    from rathaus.catalog.tests.factories import ServiceFactory
    from rathaus.identity.tests.factories import CitizenFactory
    from rathaus.tenants.tests.factories import MunicipalityFactory

    from .conftest import HUND_FORM
    from .test_submission_rules import ANSWERS

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        tenant = MunicipalityFactory(slug="alpha", name="Stadt Alpha", ags="05111000")
        service = ServiceFactory(tenant=tenant, slug="hund-anmelden", name="Hund anmelden", trust_level="low")
    form = services.publish_form(service=service, definition=HUND_FORM)  # durable: its own transaction
    with transaction.atomic():
        seeded = []
        for i in range(drafts):
            citizen = CitizenFactory(tenant=tenant, email=f"buerger{i}@example.org")
            draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
            seeded.append((tenant, citizen, draft.uuid))
    return seeded


def burst(seeded: list[tuple[Any, Any, Any]], clicks: int) -> dict[str, list[str]]:
    """Every click of every draft at once; answers per draft uuid: ``"number=…"`` or ``"error=…"``."""
    from django.db import connection

    from rathaus.applications import services

    answers: dict[str, list[str]] = {str(uuid): [] for _tenant, _citizen, uuid in seeded}
    start = threading.Barrier(len(seeded) * clicks)

    def click(tenant: Any, citizen: Any, uuid: Any) -> None:
        try:
            start.wait(timeout=60)
            application = services.submit(draft_uuid=uuid, tenant=tenant, actor=citizen, trust_level="low")
            answers[str(uuid)].append(f"number={application.number}")
        except BaseException as exc:  # every failure is a finding; the test reports it
            answers[str(uuid)].append(f"error={exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=item) for item in seeded for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, required=True)
    parser.add_argument("--clicks", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    import django

    django.setup()
    seeded = seed(args.drafts)
    args.out.write_text(json.dumps(burst(seeded, args.clicks)), encoding="utf-8")


if __name__ == "__main__":
    main()
