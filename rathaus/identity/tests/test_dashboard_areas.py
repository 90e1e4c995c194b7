"""The staff start page links exactly the parts of the internal area the person may open (same role lists)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.identity.tests.factories import StaffFactory, login_staff

LINKS = {
    "catalog": ["/intern/leistungen/", "/intern/formulare/"],
    "office": ["/intern/antraege/"],
    "treasury": ["/intern/kasse/"],
    "administration": ["/intern/anbindungen/"],
}


@pytest.mark.parametrize(
    ("role", "areas"),
    [
        ("digitalisation", {"catalog"}),
        ("caseworker", {"office"}),
        ("unit_lead", {"office"}),
        ("citizens_office", {"office"}),
        ("treasury", {"treasury"}),
        ("tenant_admin", {"catalog", "office", "treasury", "administration"}),
    ],
)
def test_start_page_links_the_areas_of_the_role_and_they_open(tenant: Any, role: str, areas: set[str]) -> None:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, StaffFactory(tenant=tenant, roles=[role]))
    page = client.get("/intern/").content.decode()
    for area, paths in LINKS.items():
        for path in paths:
            linked = f'href="{path}' in page
            assert linked == (area in areas), (role, path)
            assert (client.get(path).status_code == 200) == (area in areas), (role, path)
