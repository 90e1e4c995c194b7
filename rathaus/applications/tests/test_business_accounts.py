"""Business accounts act for the organisation: drafts, applications, messages and payments are the organisation's.

Two clerks of Musterbau GmbH (each their own account, both recorded as representatives, as after their
Mein-Unternehmenskonto logins) share everything of the organisation while acting for it; the same person logged
in privately sees only their own; a representative of another organisation gets 404 and changes nothing; a
removed representation ends the access at once. The MUK login itself is walked end to end in
``test_business_accounts_saml.py``; here the session is set up as that login leaves it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, TestCase

from rathaus.applications import selectors, services
from rathaus.applications.models import Application, Draft, OnlineApplicants
from rathaus.applications.receipt import receipt_html
from rathaus.identity import selectors as identity
from rathaus.identity.models import Organisation, OrganisationRepresentative, User
from rathaus.identity.services import ACTING_FOR_SESSION_KEY
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory, login_staff
from rathaus.identity.trust import SESSION_KEY as TRUST_SESSION_KEY
from rathaus.mailbox import selectors as mailbox
from rathaus.mailbox.models import Message
from rathaus.payments.models import Payment
from rathaus.portal import account_data

from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")
API = "/api/v1/applications"


def _organisation(tenant: Any, name: str, identifier: str) -> Organisation:
    provider = IdentityProviderFactory(tenant=tenant, slug=f"muk-{identifier}", plugin="muk")
    return Organisation.objects.create(
        tenant=tenant, provider=provider, identifier=identifier, name=name, legal_form="GmbH",
        register_number="HRB 12345 (Amtsgericht Düsseldorf)", street="Industriestraße 5", postal_code="40699",
        city="Erkrath",
    )  # fmt: skip


def _representative(tenant: Any, organisation: Organisation, first: str, last: str) -> User:
    user: Any = CitizenFactory(
        tenant=tenant, kind=User.Kind.BUSINESS, first_name=first, last_name=last, email=f"{first.lower()}@firma.example"
    )
    OrganisationRepresentative.objects.create(tenant=tenant, organisation=organisation, user=user)
    return user


def _client(tenant: Any, user: User, organisation: Organisation | None) -> Client:
    """A browser logged in as ``user`` at *substanziell* (an ELSTER certificate), acting for ``organisation``."""
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[TRUST_SESSION_KEY] = "substantial"
    if organisation is not None:
        session[ACTING_FOR_SESSION_KEY] = organisation.pk
    session.save()
    return client


@pytest.fixture
def firm(tenant: Any, hund_form: Any) -> dict[str, Any]:
    musterbau = _organisation(tenant, "Musterbau GmbH", "muk-org-4711")
    karl = _representative(tenant, musterbau, "Karl", "Beispiel")
    erna = _representative(tenant, musterbau, "Erna", "Beispiel")
    other = _organisation(tenant, "Andere Bau AG", "muk-org-9999")
    otto = _representative(tenant, other, "Otto", "Fremd")
    return {
        "org": musterbau, "karl": karl, "erna": erna, "other": other, "otto": otto, "form": hund_form,
        "karl_c": _client(tenant, karl, musterbau), "erna_c": _client(tenant, erna, musterbau),
        "otto_c": _client(tenant, otto, other), "karl_private": _client(tenant, karl, None),
    }  # fmt: skip


def _org_application(tenant: Any, firm: dict[str, Any], *, starter: str = "karl", submitter: str = "erna") -> Any:
    draft = services.start_draft(
        tenant=tenant,
        service=firm["form"].service,
        owner=firm[starter],
        form_version=firm["form"],
        organisation_id=firm["org"].pk,
    )
    Draft.objects.for_tenant(tenant).filter(pk=draft.pk).update(answers=ANSWERS)
    return services.submit(
        draft_uuid=draft.uuid,
        tenant=tenant,
        actor=firm[submitter],
        trust_level="substantial",
        organisation_id=firm["org"].pk,
    )


def _counts(tenant: Any) -> tuple[int, ...]:
    return (
        Application.objects.for_tenant(tenant).count(),
        Draft.objects.for_tenant(tenant).count(),
        Message.objects.for_tenant(tenant).count(),
        Payment.objects.for_tenant(tenant).count(),
        *Payment.objects.for_tenant(tenant).order_by("pk").values_list("status", flat=True),
    )


def test_two_representatives_share_the_organisations_draft_application_messages_and_payment(
    tenant: Any, firm: dict[str, Any]
) -> None:
    karl, erna = firm["karl_c"], firm["erna_c"]
    started = karl.get("/antraege/neu/hund-anmelden/")
    assert started.status_code == 302 and "/entwurf/" in started["Location"]
    draft = Draft.objects.for_tenant(tenant).get()
    assert (draft.organisation_id, draft.owner_id) == (firm["org"].pk, firm["karl"].pk)

    # Erna finds the organisation's draft Karl started, continues it and submits it.
    listing = erna.get("/antraege/").content.decode()
    assert "Anträge der Musterbau GmbH" in listing and "begonnen von Karl Beispiel" in listing
    assert erna.get("/antraege/neu/hund-anmelden/")["Location"] == started["Location"]  # resumed, not a second
    base = f"/antraege/entwurf/{draft.uuid}"
    assert erna.post(f"{base}/schritt/halter/", {"halter.person.vorname": "Karl", "halter.person.nachname": "B"})[
        "Location"
    ].endswith("/schritt/hunde/")
    assert erna.post(f"{base}/schritt/hunde/", {"hunde.hund.0.name": "Bello"})["Location"].endswith("/zusammenfassung/")
    submitted = erna.post(f"{base}/zusammenfassung/")
    assert submitted.status_code == 302, submitted.content.decode()[:2000]
    application = Application.objects.for_tenant(tenant).get()
    assert (application.organisation_id, application.applicant_id, application.started_by_id) == (
        firm["org"].pk,
        firm["erna"].pk,
        firm["karl"].pk,
    )
    assert "für Musterbau GmbH, eingereicht von Erna Beispiel" in erna.get(submitted["Location"]).content.decode()

    # Karl sees it, with whose it is, and writes to the office; Erna reads his message with his name.
    page = karl.get(f"/antraege/{application.number}/").content.decode()
    assert "für Musterbau GmbH, eingereicht von Erna Beispiel (begonnen von Karl Beispiel)" in page
    assert application.number in karl.get("/antraege/").content.decode()
    assert karl.post(f"/antraege/{application.number}/", {"body": "Frage von Karl"}).status_code == 302
    message = Message.objects.for_tenant(tenant).get()
    assert (message.sender_id, message.thread.organisation_id) == (firm["karl"].pk, firm["org"].pk)
    assert "Karl Beispiel für Musterbau GmbH" in erna.get(f"/antraege/{application.number}/").content.decode()
    assert erna.post(f"/antraege/{application.number}/", {"body": "Ergänzung von Erna"}).status_code == 302

    # Erna pays: the payment is the organisation's, she is recorded as payer, and Karl may open it too.
    paying = erna.post(f"/antraege/{application.number}/bezahlen/")
    assert paying.status_code == 302
    payment = Payment.objects.for_tenant(tenant).get()
    assert (payment.organisation_id, payment.payer_id) == (firm["org"].pk, firm["erna"].pk)
    assert karl.get(f"/zahlung/{payment.uuid}/").status_code == 200
    assert karl.get(f"/api/v1/payments/{payment.uuid}").status_code == 200
    receipt = karl.get(f"/antraege/{application.number}/eingangsbestaetigung.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"


def test_a_private_login_of_the_same_person_sees_only_its_own_and_the_organisation_session_not_those(
    tenant: Any, firm: dict[str, Any]
) -> None:
    application = _org_application(tenant, firm)
    own = Draft.objects.create(tenant=tenant, owner=firm["karl"], form_version=firm["form"], answers=ANSWERS)
    private = services.submit(draft_uuid=own.uuid, tenant=tenant, actor=firm["karl"], trust_level="substantial")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.send_message(application=application, sender=firm["karl"], body="Für die Firma", from_office=False)
    org_draft = services.start_draft(
        tenant=tenant, service=firm["form"].service, owner=firm["karl"], form_version=firm["form"],
        organisation_id=firm["org"].pk,
    )  # fmt: skip
    karl_private, karl_org = firm["karl_private"], firm["karl_c"]

    listing = karl_private.get("/antraege/").content.decode()
    assert private.number in listing and application.number not in listing
    assert str(org_draft.uuid) not in listing
    for path in (f"/antraege/{application.number}/", f"/antraege/{application.number}/eingangsbestaetigung.pdf"):
        assert karl_private.get(path).status_code == 404, path
    assert karl_private.get(f"/antraege/entwurf/{org_draft.uuid}/schritt/halter/").status_code == 404
    numbers = [a["number"] for a in karl_private.get("/api/v1/applications/applications").json()]
    assert numbers == [private.number]
    assert karl_private.get(f"/api/v1/applications/applications/{application.number}/messages").status_code == 404
    # Starting privately opens a private draft; the organisation's draft is not resumed.
    location = karl_private.get("/antraege/neu/hund-anmelden/")["Location"]
    assert str(org_draft.uuid) not in location
    assert Draft.objects.for_tenant(tenant).filter(organisation__isnull=True, owner=firm["karl"]).count() == 1

    # Acting for the organisation, Karl's private application is not the organisation's.
    listing = karl_org.get("/antraege/").content.decode()
    assert application.number in listing and private.number not in listing
    assert karl_org.get(f"/antraege/{private.number}/").status_code == 404
    assert [a["number"] for a in karl_org.get("/api/v1/applications/applications").json()] == [application.number]
    assert [t.reference for t in mailbox.threads_of(tenant, firm["karl"])] == []
    acting = identity.Acting(user=firm["karl"], organisation_id=firm["org"].pk)
    assert [t.reference for t in mailbox.threads_of(tenant, acting)] == [application.mailbox_reference]


def test_a_representative_of_another_organisation_gets_404_and_changes_nothing(
    tenant: Any, firm: dict[str, Any]
) -> None:
    application = _org_application(tenant, firm)
    draft = services.start_draft(
        tenant=tenant, service=firm["form"].service, owner=firm["karl"], form_version=firm["form"],
        organisation_id=firm["org"].pk,
    )  # fmt: skip
    erna = firm["erna_c"]
    erna.post(f"/antraege/{application.number}/bezahlen/")
    payment = Payment.objects.for_tenant(tenant).get()
    before = _counts(tenant)
    otto = firm["otto_c"]
    number = application.number
    for path in (
        f"/antraege/{number}/", f"/antraege/{number}/eingangsbestaetigung.pdf", f"/antraege/{number}/eingereicht/",
        f"/antraege/entwurf/{draft.uuid}/schritt/halter/", f"/antraege/entwurf/{draft.uuid}/zusammenfassung/",
        f"/zahlung/{payment.uuid}/", f"{API}/applications/{number}", f"{API}/applications/{number}/messages",
        f"{API}/drafts/{draft.uuid}", f"/api/v1/payments/{payment.uuid}",
    ):  # fmt: skip
        assert otto.get(path).status_code == 404, path
    for path, data in (
        (f"/antraege/{number}/", {"body": "Fremde Nachricht"}),
        (f"/antraege/{number}/bezahlen/", {}),
        (f"/antraege/entwurf/{draft.uuid}/schritt/halter/", {"halter.person.vorname": "Otto"}),
        (f"/antraege/entwurf/{draft.uuid}/zusammenfassung/", {}),
        (f"/antraege/entwurf/{draft.uuid}/verwerfen/", {}),
        (f"/zahlung/{payment.uuid}/", {}),
    ):
        assert otto.post(path, data).status_code == 404, path
    api: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("post", f"/api/v1/applications/applications/{number}/messages", {"body": "Fremd"}),
        ("post", f"/api/v1/applications/drafts/{draft.uuid}/submit", {}),
        ("put", f"/api/v1/applications/drafts/{draft.uuid}/steps/halter", {"answers": {}}),
    )
    for method, path, body in api:
        assert getattr(otto, method)(path, json.dumps(body), content_type="application/json").status_code == 404
    assert otto.get("/antraege/").content.decode().count(number) == 0
    assert _counts(tenant) == before
    assert Draft.objects.for_tenant(tenant).get(pk=draft.pk).answers == draft.answers


def test_a_removed_representation_ends_the_access_at_once(tenant: Any, firm: dict[str, Any]) -> None:
    application = _org_application(tenant, firm)
    erna = firm["erna_c"]
    assert erna.get(f"/antraege/{application.number}/").status_code == 200
    OrganisationRepresentative.objects.for_tenant(tenant).filter(user=firm["erna"]).delete()
    before = _counts(tenant)

    # The session still says "acting for Musterbau": it shows nothing of it, and starts nothing for it.
    assert erna.get(f"/antraege/{application.number}/").status_code == 404
    listing = erna.get("/antraege/").content.decode()
    assert application.number not in listing and "Sie handeln nicht mehr für diese Organisation" in listing
    assert erna.get("/api/v1/applications/applications").json() == []
    assert erna.get("/antraege/neu/hund-anmelden/").status_code == 404
    assert erna.post(f"/antraege/{application.number}/", {"body": "noch da?"}).status_code == 404
    assert _counts(tenant) == before
    assert firm["karl_c"].get(f"/antraege/{application.number}/").status_code == 200  # Karl still represents it


def test_the_api_acts_for_the_organisation_like_the_pages(tenant: Any, firm: dict[str, Any]) -> None:
    karl, erna = firm["karl_c"], firm["erna_c"]
    created = karl.post("/api/v1/applications/drafts", {"service": "hund-anmelden"}, content_type="application/json")
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert Draft.objects.for_tenant(tenant).get(uuid=uuid).organisation_id == firm["org"].pk
    assert erna.get(f"/api/v1/applications/drafts/{uuid}").status_code == 200
    for step, answers in ANSWERS.items():
        put = erna.put(
            f"/api/v1/applications/drafts/{uuid}/steps/{step}", {"answers": answers}, content_type="application/json"
        )
        assert put.status_code == 200, put.content
    submitted = erna.post(f"/api/v1/applications/drafts/{uuid}/submit", content_type="application/json")
    assert submitted.status_code == 201, submitted.content
    body = submitted.json()
    assert (body["organisation"], body["submitted_by"]) == ("Musterbau GmbH", "Erna Beispiel")
    listed = karl.get("/api/v1/applications/applications").json()
    assert [(a["number"], a["organisation"]) for a in listed] == [(body["number"], "Musterbau GmbH")]
    posted = karl.post(
        f"{API}/applications/{body['number']}/messages",
        {"body": "Per API"},
        content_type="application/json",
    )
    assert posted.status_code == 201 and posted.json()["written_by"] == "Karl Beispiel"
    assert [m["written_by"] for m in erna.get(f"{API}/applications/{body['number']}/messages").json()] == [
        "Karl Beispiel"
    ]


def test_staff_see_the_organisation_as_applicant_and_the_acting_person(tenant: Any, firm: dict[str, Any]) -> None:
    application = _org_application(tenant, firm)
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    staff: Any = StaffFactory(tenant=tenant, roles=["caseworker"])
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, staff)
    page = client.get(f"/intern/antraege/{application.number}/").content.decode()
    assert "Antragstellende Organisation" in page and "HRB 12345 (Amtsgericht Düsseldorf)" in page
    assert "Musterbau GmbH" in page and "Industriestraße 5" in page
    assert "Erna Beispiel" in page and "begonnen von Karl Beispiel" in page
    inbox = client.get("/intern/antraege/").content.decode()
    assert "Musterbau GmbH" in inbox and "eingereicht von Erna Beispiel" in inbox
    # The Stadtkasse sees whose fee it is and who pays.
    firm["erna_c"].post(f"/antraege/{application.number}/bezahlen/")
    payment = Payment.objects.for_tenant(tenant).get()
    treasurer: Any = StaffFactory(tenant=tenant, roles=["treasury"])
    kasse = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(kasse, treasurer)
    detail = kasse.get(f"/intern/kasse/{payment.uuid}/").content.decode()
    assert 'id="organisation">Musterbau GmbH<' in detail and "Erna Beispiel" in detail
    # The office's answer goes into the organisation's thread: both representatives read it.
    assert client.post(f"/intern/antraege/{application.number}/", {"body": "Antwort"}).status_code == 302
    for who in ("karl_c", "erna_c"):
        assert "Antwort" in firm[who].get(f"/antraege/{application.number}/").content.decode()


def test_receipt_and_data_download_name_the_organisation(tenant: Any, firm: dict[str, Any]) -> None:
    application = _org_application(tenant, firm)
    html = receipt_html(selectors.application_by_number(tenant.pk, application.number), "de")  # type: ignore[arg-type]
    assert "Antragstellende Organisation" in html and "Musterbau GmbH" in html
    assert "HRB 12345 (Amtsgericht Düsseldorf)" in html and "Industriestraße 5" in html
    assert "Eingereicht von (handelnde Person)" in html and "Erna Beispiel" in html
    structured = json.loads(selectors.answers_json(application))
    assert structured["organisation"]["name"] == "Musterbau GmbH" and structured["submitted_by"] == "Erna Beispiel"

    exported = account_data._applications(firm["erna"])
    assert exported == [
        {
            "nummer": application.number,
            "leistung": application.service.name,
            "fuer_organisation": "Musterbau GmbH",
            "eingereicht_von_ihnen_am": application.submitted_at.isoformat(),
            "status": "submitted",
        }
    ]
    assert account_data._applications(firm["karl"]) == []  # he started it; it is not his application


def test_a_service_for_organisations_only_explains_the_business_login_to_a_private_person(
    tenant: Any, firm: dict[str, Any]
) -> None:
    OnlineApplicants.objects.create(tenant=tenant, service=firm["form"].service, target_group="organisations")
    page = firm["karl_private"].get("/antraege/neu/hund-anmelden/")
    text = page.content.decode()
    assert page.status_code == 403 and "Diese Leistung ist für Unternehmen und Organisationen" in text
    assert "/konto/saml/muk-muk-org-4711/anmelden/?next=/antraege/neu/hund-anmelden/" in text
    created = firm["karl_private"].post(f"{API}/drafts", {"service": "hund-anmelden"}, content_type="application/json")
    assert created.status_code == 403 and "Mein Unternehmenskonto" in created.json()["detail"]
    assert not Draft.objects.for_tenant(tenant).exists()
    assert firm["karl_c"].get("/antraege/neu/hund-anmelden/").status_code == 302  # acting for Musterbau: fine


def test_a_service_for_persons_only_refuses_an_organisation_even_for_a_draft_started_before(
    tenant: Any, firm: dict[str, Any]
) -> None:
    draft = services.start_draft(
        tenant=tenant, service=firm["form"].service, owner=firm["karl"], form_version=firm["form"],
        organisation_id=firm["org"].pk,
    )  # fmt: skip
    Draft.objects.for_tenant(tenant).filter(pk=draft.pk).update(answers=ANSWERS)
    OnlineApplicants.objects.create(tenant=tenant, service=firm["form"].service, target_group="persons")
    page = firm["karl_c"].get("/antraege/neu/hund-anmelden/")
    assert page.status_code == 403 and "Als Privatperson anmelden" in page.content.decode()
    submitted = firm["karl_c"].post(f"{API}/drafts/{draft.uuid}/submit", content_type="application/json")
    assert submitted.status_code == 403
    assert not Application.objects.for_tenant(tenant).exists()
    assert firm["karl_private"].get("/antraege/neu/hund-anmelden/").status_code == 302
