"""Deeply nested JSON uploaded to the staff imports (forms, catalog) is refused with a clear message, not a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import FormVersion
from rathaus.catalog.models import Service
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core import jsonload
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff

pytestmark = pytest.mark.django_db

# 100000 levels: json.loads itself raises RecursionError. 200 levels: parses, but deeper than any real document.
ABYSS = b'{"services": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
DEEP = json.dumps({"id": "x", "steps": [{"groups": json.loads("[" * 200 + "]" * 200)}]}).encode()


def _staff(tenant: Any, role: str) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, roles=[role]))
    return client


@pytest.mark.parametrize("content", [ABYSS, DEEP], ids=["recursion-error", "deep"])
def test_catalog_import_refuses_deep_json(tenant: Any, content: bytes) -> None:
    client = _staff(tenant, StaffRole.Role.DIGITALISATION)
    response = client.post("/intern/leistungen/", {"file": SimpleUploadedFile("katalog.json", content)})
    assert response.status_code == 422
    assert "zu tief verschachtelt" in response.content.decode()
    assert not Service.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize("content", [ABYSS, DEEP], ids=["recursion-error", "deep"])
def test_form_import_refuses_deep_json(tenant: Any, content: bytes) -> None:
    service = ServiceFactory(tenant=tenant, slug="hund-anmelden", trust_level="low")
    client = _staff(tenant, StaffRole.Role.DIGITALISATION)
    response = client.post(
        "/intern/formulare/", {"service": service.slug, "file": SimpleUploadedFile("f.json", content)}
    )
    assert response.status_code == 422
    assert "zu tief verschachtelt" in response.content.decode()
    assert not FormVersion.objects.for_tenant(tenant).exists()


def test_depth_counts_levels_without_recursing() -> None:
    assert jsonload.depth(1) == 0 and jsonload.depth([]) == 1 and jsonload.depth({"a": [{"b": []}]}) == 4
    assert jsonload.loads("[" * 64 + "]" * 64) is not None  # exactly the limit is fine
    with pytest.raises(jsonload.JsonTooDeep):
        jsonload.loads("[" * 65 + "]" * 65)
