"""Application numbers are per municipality: both test towns hand out ``A-<year>-000001`` and ``-000002``.

Every lookup by number or payment reference (payment → application, receipts, messages, office pages, the
API), acting in one town, must find that town's application and leave the other town's alone. Each test acts
in A and then in B, so a lookup that forgets the municipality and takes the first or the last row of that
number is caught whichever town's row the database returns first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from rathaus.applications import services as applications
from rathaus.applications.models import Application
from rathaus.identity.tests.factories import login_citizen, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.payments.models import Payment

from .world import MARKER, build_town, changes, owned_rows, pdf_with, readable


@pytest.fixture
def towns(tenant: Any, other_tenant: Any, fake_scanner: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    a, b = build_town(tenant, "alpha"), build_town(other_tenant, MARKER)
    assert a["numbers"] == b["numbers"], "the towns must share their application numbers"
    return a, b


def both_ways(towns: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(here, there): act in A with B watching, then in B with A watching."""
    a, b = towns
    yield a, b
    yield b, a


def citizen(town: dict[str, Any]) -> Client:
    client = Client(HTTP_HOST=f"{town['tenant'].slug}.testserver")
    login_citizen(client, town["citizen"], level="high")
    return client


def staff(town: dict[str, Any]) -> Client:
    client = Client(HTTP_HOST=f"{town['tenant'].slug}.testserver")
    login_staff(client, town["staff"])
    return client


def send(call: Any, *args: Any, **kwargs: Any) -> Any:
    """One request, with what it leaves for after the commit (signals, mails), as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


class Untouched:
    """``with Untouched(there):`` fails if anything ``there`` owns changed inside the block."""

    def __init__(self, town: dict[str, Any]) -> None:
        self.town = town

    def __enter__(self) -> None:
        self.before = owned_rows(self.town["tenant"])

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            after = owned_rows(self.town["tenant"])
            assert after == self.before, f"{self.town['tag']} changed: {changes(self.before, after)}"


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return readable(response.content).decode(errors="replace").lower()


def assert_shows_only(response: Any, here: dict[str, Any], there: dict[str, Any]) -> None:
    text = text_of(response)
    assert here["tag"] in text, f"does not show {here['tag']}'s application"
    assert there["tag"] not in text, f"shows {there['tag']}'s application"


def test_paying_in_one_town_forwards_only_its_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        client, number = citizen(here), here["waiting"].number
        with Untouched(there):
            to_provider = send(client.post, f"/antraege/{number}/bezahlen/")
            assert to_provider.status_code == 302 and to_provider["Location"].startswith("/zahlung/demo/")
            back = send(client.post, to_provider["Location"], {"action": "paid"})
            assert back.status_code == 302, f"{to_provider['Location']}: {back.status_code} (not this town's payment?)"
            done = send(client.get, back["Location"])  # the return page asks the provider: paid
        assert done.status_code == 302 and done["Location"] == f"/antraege/{number}/"
        application = Application.objects.for_tenant(here["tenant"]).get(number=number)
        assert application.payment_state == Application.PaymentState.PAID
        assert application.forwarded_at is not None
        assert_shows_only(staff(here).get(f"/intern/antraege/{number}/"), here, there)  # now in the office
        assert_shows_only(client.get(f"/antraege/{number}/"), here, there)


def test_the_stadtkasse_booking_a_payment_forwards_only_its_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        payment, number = here["open_payment"], here["waiting"].number
        with Untouched(there):
            response = send(
                staff(here).post, f"/intern/kasse/{payment.uuid}/korrektur/", {"status": "paid", "note": "Barzahlung"}
            )
        assert response.status_code == 302
        application = Application.objects.for_tenant(here["tenant"]).get(number=number)
        assert (application.payment_state, application.forwarded_at is not None) == ("paid", True)


def test_record_payment_changes_the_application_of_its_own_municipality(towns: Any) -> None:
    for here, there in both_ways(towns):
        number, tenant_id = here["waiting"].number, here["tenant"].pk
        with Untouched(there):
            failed = applications.record_payment(tenant_id=tenant_id, number=number, paid=False, failed=True)
            assert failed is not None and failed.tenant_id == tenant_id
            assert failed.payment_state == Application.PaymentState.FAILED
            paid = applications.record_payment(tenant_id=tenant_id, number=number, paid=True)
            assert paid is not None and paid.pk == here["waiting"].pk
            assert paid.payment_state == Application.PaymentState.PAID and paid.forwarded_at is not None


def test_payment_state_of_the_same_reference_stays_in_its_municipality(towns: Any) -> None:
    from rathaus.payments import selectors as payment_selectors

    for here, there in both_ways(towns):
        number = here["paid"].number
        assert payment_selectors.is_paid(here["tenant"], number)
        assert not payment_selectors.is_paid(here["tenant"], here["waiting"].number)  # open in both towns
        references = payment_selectors.payments_for_reference(here["tenant"], number)
        assert {p.tenant_id for p in references} == {here["tenant"].pk}
        assert Payment.objects.for_tenant(there["tenant"]).filter(reference=number).exists()


def test_receipts_are_of_the_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        with Untouched(there):
            for number in here["numbers"]:
                response = citizen(here).get(f"/antraege/{number}/eingangsbestaetigung.pdf")
                assert response["Content-Type"] == "application/pdf"
                assert_shows_only(response, here, there)
            office = staff(here).get(f"/intern/antraege/{here['paid'].number}/eingangsbestaetigung.pdf")
            assert_shows_only(office, here, there)


def test_messages_go_to_the_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        number = here["paid"].number
        thread = mailbox.messages(here["tenant"], here["paid"].mailbox_reference)
        before = thread.count()
        upload = SimpleUploadedFile("nachfrage.pdf", pdf_with("Nachfrage"), content_type="application/pdf")
        with Untouched(there):
            page = send(citizen(here).post, f"/antraege/{number}/", {"body": "Noch eine Frage", "files": [upload]})
            assert page.status_code == 302
            office = send(staff(here).post, f"/intern/antraege/{number}/", {"body": "Noch eine Antwort"})
            assert office.status_code == 302
            api = send(
                citizen(here).post, f"/api/v1/applications/applications/{number}/messages",
                {"body": "Über die Schnittstelle"}, content_type="application/json",
            )  # fmt: skip
            assert api.status_code == 201
            # Reading marks the other side's messages read: only here.
            assert_shows_only(citizen(here).get(f"/antraege/{number}/"), here, there)
            assert_shows_only(staff(here).get(f"/intern/antraege/{number}/"), here, there)
            listed = citizen(here).get(f"/api/v1/applications/applications/{number}/messages")
            assert_shows_only(listed, here, there)
        assert [m.body for m in thread.order_by("pk")][before:] == [
            "Noch eine Frage", "Noch eine Antwort", "Über die Schnittstelle"
        ]  # fmt: skip
        assert thread.order_by("pk")[before].attachments[0]["name"] == "nachfrage.pdf"


def test_office_pages_show_and_change_the_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        client, number = staff(here), here["paid"].number
        with Untouched(there):
            assert_shows_only(client.get("/intern/antraege/"), here, there)
            assert_shows_only(client.get(f"/intern/antraege/{number}/"), here, there)
            for sha in here["paid"].attachments.values_list("sha256", flat=True):
                assert client.get(f"/intern/antraege/{number}/dateien/{sha}/").status_code == 200
            for sha in there["paid"].attachments.values_list("sha256", flat=True):
                assert client.get(f"/intern/antraege/{number}/dateien/{sha}/").status_code == 404
            # The application still waiting for its fee is not in the office, in neither town.
            assert client.get(f"/intern/antraege/{here['waiting'].number}/").status_code == 404
            changed = send(client.post, f"/intern/antraege/{number}/", {"_action": "status", "status": "decided"})
            assert changed.status_code == 302
        assert Application.objects.for_tenant(here["tenant"]).get(number=number).status == "decided"


def test_citizen_pages_and_api_show_the_own_application(towns: Any) -> None:
    for here, there in both_ways(towns):
        client = citizen(here)
        with Untouched(there):
            assert_shows_only(client.get("/antraege/"), here, there)
            for number in here["numbers"]:
                assert_shows_only(client.get(f"/antraege/{number}/"), here, there)
                found = client.get(f"/api/v1/applications/applications/{number}").json()
                assert found["service"] == here["service"].slug
            for sha in there["sha256s"]:
                assert client.get(f"/antraege/{here['paid'].number}/dateien/{sha}/").status_code == 404
        listing = client.get("/api/v1/applications/applications").json()
        assert sorted(item["number"] for item in listing) == here["numbers"]
        assert {item["service"] for item in listing} == {here["service"].slug}
