"""Fixtures of the applications tests: a small dog-tax form with a repeat group, a fee and a file field."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import FormVersion
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory, login_citizen

HUND_FORM: dict[str, Any] = {
    "id": "hund-test",
    "version": 1,
    "title": "Hund anmelden",
    "steps": [
        {
            "id": "halter",
            "title": "Halterin oder Halter",
            "groups": [
                {
                    "id": "person",
                    "title": "Person",
                    "fields": [
                        {
                            "id": "vorname",
                            "label": "Vorname",
                            "type": "text",
                            "required": True,
                            "prefill": "first_name",
                        },
                        {
                            "id": "nachname",
                            "label": "Nachname",
                            "type": "text",
                            "required": True,
                            "prefill": "last_name",
                        },
                    ],
                }
            ],
        },
        {
            "id": "hunde",
            "title": "Hunde",
            "groups": [
                {
                    "id": "hund",
                    "title": "Hund",
                    "repeat": {"min": 1, "max": 3},
                    "fields": [{"id": "name", "label": "Name des Hundes", "type": "text", "required": True}],
                },
                {
                    "id": "nachweis",
                    "title": "Nachweis",
                    "fields": [
                        {
                            "id": "datei",
                            "label": "Nachweis",
                            "type": "file",
                            "required": False,
                            "file": {"types": ["application/pdf", "image/png"], "max_bytes": 1048576},
                        }
                    ],
                },
            ],
        },
    ],
    "fees": [{"label": "Hundesteuer je Hund", "amount": "96.00", "per": "hunde.hund"}],
    "payment_required_before_forwarding": True,
}

STEP_HALTER = {"halter.person.vorname": "Mia", "halter.person.nachname": "Mustermann"}
STEP_HUNDE = {"hunde.hund.0.name": "Bello", "hunde.hund.1.name": "Hasso"}


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()


@pytest.fixture
def hund_service(tenant: Any) -> Any:
    return ServiceFactory(tenant=tenant, slug="hund-anmelden", name="Hund anmelden", trust_level="low")


@pytest.fixture
def hund_form(hund_service: Any) -> FormVersion:
    return services.publish_form(service=hund_service, definition=HUND_FORM)


@pytest.fixture
def citizen(tenant: Any) -> Any:
    return CitizenFactory(tenant=tenant, email="mia@example.org", first_name="Mia", last_name="Mustermann")


@pytest.fixture
def mia(tclient: Client, citizen: Any) -> Client:
    login_citizen(tclient, citizen, level="low")
    return tclient


@pytest.fixture
def other_citizen_client(tenant: Any) -> Client:
    other = CitizenFactory(tenant=tenant, email="max@example.org", first_name="Max")
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, other, level="high")
    return client


def pdf_upload(name: str = "nachweis.pdf", data: bytes = PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
