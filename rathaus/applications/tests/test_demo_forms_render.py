"""Every demo form renders every step and its summary for a citizen, with the answers filled in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus import formengine
from rathaus.applications import services
from rathaus.applications.models import Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine.tests.demo_answers import DEMO_ANSWERS


@pytest.mark.parametrize("slug", formengine.demo_form_slugs())
def test_demo_form_pages_render_with_labels_and_answers(slug: str, tenant: Any, citizen: Any, mia: Client) -> None:
    service = ServiceFactory(tenant=tenant, slug=slug, name=f"Leistung {slug}", trust_level="low")
    form = services.publish_form(service=service, definition=formengine.load_demo_form(slug))
    case = DEMO_ANSWERS[slug]
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=case["answers"],
                                 files=case["files"])  # fmt: skip
    definition = formengine.parse_definition(form.definition)
    for step in definition.steps:
        response = mia.get(f"/antraege/entwurf/{draft.uuid}/schritt/{step.id}/")
        assert response.status_code == 200, (slug, step.id)
        body = response.content.decode()
        assert step.title in body
        labelled = [entry for entry in definition.fields_in(step.id) if entry.field.type != "file"]
        assert labelled and any(entry.field.label in body for entry in labelled), (slug, step.id)
    summary = mia.get(f"/antraege/entwurf/{draft.uuid}/zusammenfassung/")
    assert summary.status_code == 200
    assert summary.content.decode().count("kern-description-list-item__key") >= 3, slug
