"""A citizen fills a form with repetition inside repetition (persons, each with addresses) through the real
pages, without JavaScript: add an address to one person, upload a file in an address, see the summary, submit,
and find every address by its person in the receipt."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Attachment
from rathaus.applications.receipt import receipt_html
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine.tests.test_nested_repeat import definition_dict

from .conftest import pdf_upload

pytestmark = pytest.mark.usefixtures("fake_scanner")
STEP = "personen"


@pytest.fixture
def haushalt_form(tenant: Any) -> Any:
    service = ServiceFactory(tenant=tenant, slug="haushalt", name="Haushalt melden", trust_level="low")
    return services.publish_form(service=service, definition=definition_dict())


def _start(client: Client) -> str:
    response = client.get("/antraege/neu/haushalt/")
    match = re.match(r"^/antraege/entwurf/([0-9a-f-]{36})/schritt/personen/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _person(index: int, name: str, addresses: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {f"personen.person.{index}._item": "1", f"personen.person.{index}.name": name}
    for j, address in enumerate(addresses):
        prefix = f"personen.person.{index}.anschrift.{j}"
        data[f"{prefix}._item"] = "1"
        data.update({f"{prefix}.{k}": v for k, v in address.items()})
    return data


def test_addresses_of_persons_are_added_filled_and_submitted_without_javascript(mia: Client, haushalt_form: Any):
    draft = _start(mia)
    url = f"/antraege/entwurf/{draft}/schritt/{STEP}/"
    page = mia.get(url).content.decode()
    assert 'name="personen.person.0.anschrift.0.ort"' in page  # the minimum: one person with one address

    home = {"ort": "Leverkusen", "plz": "51373"}
    added = mia.post(url, {**_person(0, "Anna", [home]), "_add:personen.person.0.anschrift": "1"})
    assert added.status_code == 200
    body = added.content.decode()
    assert 'name="personen.person.0.anschrift.1.ort"' in body
    assert '<span class="kern-sr-only">Person 1, </span>Anschrift 2</legend>' in body

    missing = mia.post(url, {**_person(0, "Anna", [home, {"ort": "Erkrath"}]), "_action": "next"})
    assert missing.status_code == 422
    assert "Person 1, Anschrift 2: Bitte füllen Sie das Feld „Postleitzahl“ aus." in missing.content.decode()

    data = {**_person(0, "Anna", [home, {"ort": "Erkrath", "plz": "40699"}]), **_person(1, "Ben", [home])}
    data["personen.person.0.anschrift.1.nachweis"] = pdf_upload("melde.pdf")
    done = mia.post(url, {**data, "_action": "next"})
    assert done.status_code == 302 and done["Location"].endswith("/zusammenfassung/")

    summary = mia.get(f"/antraege/entwurf/{draft}/zusammenfassung/").content.decode()
    assert "Person 1, Anschrift 2" in summary and "Erkrath" in summary and "melde.pdf" in summary
    assert "Person 2, Anschrift 1" in summary

    mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    application = Application.objects.unscoped().get()
    assert [a["ort"] for a in application.answers[STEP]["person"][0]["anschrift"]] == ["Leverkusen", "Erkrath"]
    assert Attachment.objects.unscoped().get(application=application).field == "personen.person.0.anschrift.1.nachweis"
    receipt = receipt_html(application, "de")
    assert "Person 1, Anschrift 2" in receipt and "Person 2, Anschrift 1" in receipt and "40699" in receipt


def test_removing_an_address_moves_the_file_of_the_next_one(mia: Client, haushalt_form: Any):
    draft = _start(mia)
    url = f"/antraege/entwurf/{draft}/schritt/{STEP}/"
    home, other = {"ort": "Leverkusen", "plz": "51373"}, {"ort": "Erkrath", "plz": "40699"}
    data = _person(0, "Anna", [home, other])
    data["personen.person.0.anschrift.1.nachweis"] = pdf_upload("zweite.pdf")
    mia.post(url, {**data, "_action": "save"})
    removed = mia.post(url, {**_person(0, "Anna", [home, other]), "_remove:personen.person.0.anschrift.0": "1"})
    assert removed.status_code == 200
    body = removed.content.decode()
    assert 'name="personen.person.0.anschrift.1.ort"' not in body and 'value="Erkrath"' in body
    mia.post(url, {**_person(0, "Anna", [other]), "_action": "next"})
    mia.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    attachment = Attachment.objects.unscoped().get()
    assert (attachment.field, attachment.name) == ("personen.person.0.anschrift.0.nachweis", "zweite.pdf")
