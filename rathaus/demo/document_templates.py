"""The demo document templates (Vorlagen) of Musterstadt: ``data/vorlagen.json``.

Eingangsbestätigung, Nachforderung and Anhörung for every service, one letter for the dog tax. Loading is
idempotent (update by title); each text is checked like a template the records administration saves.
"""

from __future__ import annotations

from typing import Any

from rathaus.records.document_templates import check_body
from rathaus.records.models_templates import DocumentTemplate
from rathaus.tenants.models import Municipality


def load_document_templates(tenant: Municipality, document: dict[str, Any]) -> int:
    for record in document["templates"]:
        check_body(record["body"])
        DocumentTemplate.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            title=record["title"],
            defaults={"kind": record["kind"], "service_key": record["service_key"], "body": record["body"]},
        )
    return len(document["templates"])
