"""Migration applications 0002: the old OutboxEvent rows become core events, and back again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rathaus.applications import services
from rathaus.applications.models import Draft
from rathaus.core.models import Event

from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")

BEFORE = [("applications", "0001_initial")]
AFTER = [("applications", "0002_outbox_to_core_events")]


def _events() -> list[tuple[int, str, str, Any, Any]]:
    rows = Event.objects.unscoped().order_by("created_at", "kind")
    return [(e.tenant_id, e.kind, e.subject, e.payload, e.created_at) for e in rows]


@pytest.mark.django_db(transaction=True)
def test_outbox_rows_are_copied_into_events_and_back(tenant: Any, citizen: Any, hund_form: Any) -> None:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    services.record_payment(tenant_id=tenant.pk, number=application.number, paid=True)
    # The old outbox held only the applications' events: the E-Akte's own (case.opened, document.filed), which
    # came later, are left out of this round trip.
    Event.objects.unscoped().exclude(kind__startswith="application.").delete()
    before = _events()
    assert [kind for _t, kind, *_rest in before] == ["application.submitted", "application.forwardable"]

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)  # backwards: events → OutboxEvent
        old = executor.loader.project_state(BEFORE).apps.get_model("applications", "OutboxEvent")
        outbox = [
            (o.tenant_id, o.kind, o.application_id, o.payload, o.created_at) for o in old._base_manager.order_by("pk")
        ]
        assert outbox == [(t, kind, application.pk, payload, at) for t, kind, _n, payload, at in before]
        assert not Event.objects.unscoped().exists()

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)  # forwards: OutboxEvent → events
        assert _events() == before
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
