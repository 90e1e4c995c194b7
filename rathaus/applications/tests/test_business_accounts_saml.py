"""The real business login (Mein Unternehmenskonto over SAML, the suite's demo IdP) applies for the organisation.

Karl Beispiel logs in for Musterbau GmbH with its ELSTER organisation certificate and submits an application
through the pages; a second clerk of the firm (recorded as its representative, as after her own MUK login)
sees and continues it; Karl's own account in a private session sees none of it.
"""

from __future__ import annotations

import re
from typing import Any

import requests
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, OnlineApplicants, TargetGroup
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.models import Organisation, OrganisationRepresentative, User
from rathaus.identity.services import ACTING_FOR_SESSION_KEY
from rathaus.identity.tests.factories import CitizenFactory
from rathaus.identity.tests.test_saml import Portal, _login, e2e, saml_idp, sp_keys  # noqa: F401 (fixtures)
from rathaus.identity.tests.test_saml import portal as portal
from rathaus.identity.trust import SESSION_KEY as TRUST_SESSION_KEY

from .conftest import HUND_FORM


def _post_form(browser: requests.Session, page: requests.Response, data: dict[str, str]) -> requests.Response:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:2000]
    return browser.post(page.url, data={"csrfmiddlewaretoken": token.group(1), **data})


def _client(portal: Portal, user: User, organisation: Organisation | None) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[TRUST_SESSION_KEY] = "substantial"
    if organisation is not None:
        session[ACTING_FOR_SESSION_KEY] = organisation.pk
    session.save()
    return client


@e2e
def test_a_muk_login_applies_for_the_organisation_and_another_clerk_continues(portal: Portal) -> None:
    service: Any = ServiceFactory(
        tenant=portal.tenant, slug="gewerbe-anmelden", name="Gewerbe anmelden", trust_level="substantial"
    )
    services.publish_form(service=service, definition=HUND_FORM)
    OnlineApplicants.objects.create(tenant=portal.tenant, service=service, target_group=TargetGroup.ORGANISATIONS)
    browser, response = _login(portal, "muk", "musterbau")
    assert response.status_code == 200, response.text[:2000]

    step = browser.get(f"{portal.url}/antraege/neu/gewerbe-anmelden/")
    assert "/schritt/halter/" in step.url, step.text[:2000]
    step = _post_form(browser, step, {"halter.person.vorname": "Karl", "halter.person.nachname": "Beispiel"})
    step = _post_form(browser, step, {"hunde.hund.0.name": "Wachhund"})
    assert step.url.endswith("/zusammenfassung/"), step.text[:2000]
    done = _post_form(browser, step, {})
    assert done.status_code == 200 and "/eingereicht/" in done.url, done.text[:2000]

    organisation = Organisation.objects.for_tenant(portal.tenant).get()
    karl = organisation.representatives.get().user
    application = Application.objects.for_tenant(portal.tenant).get()
    assert (application.organisation_id, application.applicant_id, application.started_by_id) == (
        organisation.pk,
        karl.pk,
        karl.pk,
    )
    # The name if the login released it (a login requests only what is needed), else the e-mail address.
    karl_name = karl.get_full_name() or karl.email
    assert f"für Musterbau GmbH, eingereicht von {karl_name}" in done.text

    erna: Any = CitizenFactory(
        tenant=portal.tenant, kind=User.Kind.BUSINESS, first_name="Erna", last_name="Beispiel", email="erna@bau.example"
    )
    OrganisationRepresentative.objects.create(tenant=portal.tenant, organisation=organisation, user=erna)
    colleague = _client(portal, erna, organisation)
    assert application.number in colleague.get("/antraege/").content.decode()
    assert colleague.post(f"/antraege/{application.number}/", {"body": "Ergänzung von Erna"}).status_code == 302
    assert "Erna Beispiel für Musterbau GmbH" in browser.get(f"{portal.url}/antraege/{application.number}/").text

    private = _client(portal, karl, None)
    assert application.number not in private.get("/antraege/").content.decode()
    assert private.get(f"/antraege/{application.number}/").status_code == 404
    refused = private.get("/antraege/neu/gewerbe-anmelden/")
    assert refused.status_code == 403 and "/konto/saml/muk/anmelden/" in refused.content.decode()
