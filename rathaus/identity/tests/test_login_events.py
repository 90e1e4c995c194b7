"""identity.login: every successful citizen or business login publishes one durable event (for the steering
figures "logins by trust level") with the kind of account, the trust level and the way in — and nothing that
names the person. A refused login publishes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.utils import timezone

from rathaus.core.models import Event
from rathaus.identity import services
from rathaus.identity.models import User
from rathaus.identity.services import ExternalLoginRefused, VerifiedIdentity
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Ein-langes-Passwort-2026"


def logins(tenant: Any) -> list[dict[str, Any]]:
    return [e.payload for e in Event.objects.for_tenant(tenant).filter(kind="identity.login").order_by("pk")]


def test_password_login_publishes_kind_level_and_source_only(tclient: Client, tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="mia@example.org", password=PASSWORD, email_verified_at=timezone.now())
    response = tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert logins(tenant) == [{"kind": "citizen", "trust_level": "low", "source": "password"}]
    event = Event.objects.for_tenant(tenant).get(kind="identity.login")
    text = json.dumps(event.payload) + event.subject
    assert "mia" not in text and str(user.pk) not in text.replace("low", "")
    assert event.subject == ""


def test_refused_logins_publish_nothing(tclient: Client, tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org", password=PASSWORD, email_verified_at=timezone.now())
    CitizenFactory(tenant=tenant, email="tom@example.org", password=PASSWORD, email_verified_at=None)
    StaffFactory(tenant=tenant, email="amt@example.org", password=PASSWORD)
    tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": "falsch-falsch"})
    tclient.post("/konto/anmelden/", {"username": "tom@example.org", "password": PASSWORD})  # not yet confirmed
    tclient.post("/konto/anmelden/", {"username": "amt@example.org", "password": PASSWORD})  # staff
    assert logins(tenant) == []


def _request(tenant: Any) -> Any:
    request = RequestFactory().get("/", HTTP_HOST=f"{tenant.slug}.testserver")
    request.session = SessionStore()
    request.tenant = tenant
    return request


def test_external_login_publishes_the_providers_slug_and_level(tenant: Any, other_tenant: Any) -> None:
    provider = IdentityProviderFactory(tenant=tenant, slug="servicekonto")
    identity = VerifiedIdentity(subject="demo-erika", email="erika@example.org", email_verified=True)
    user = services.sign_in_external_identity(
        request=_request(tenant),
        provider=provider,
        identity=identity,
        trust_level="substantial",
        backend="rathaus.identity.backends.TenantEmailBackend",
    )
    assert user.kind == User.Kind.CITIZEN
    assert logins(tenant) == [{"kind": "citizen", "trust_level": "substantial", "source": "servicekonto"}]
    assert "erika" not in json.dumps(logins(tenant))
    assert logins(other_tenant) == []  # published for the provider's municipality only


def test_refused_external_login_publishes_nothing(tenant: Any) -> None:
    provider = IdentityProviderFactory(tenant=tenant, slug="servicekonto")
    StaffFactory(tenant=tenant, email="amt@example.org")
    staff = User.objects.get(email="amt@example.org")
    identity = VerifiedIdentity(subject="demo-amt", email="amt2@example.org", email_verified=True)
    with pytest.raises(ExternalLoginRefused):
        services.sign_in_external_identity(
            request=_request(tenant),
            provider=provider,
            identity=identity,
            trust_level="high",
            backend="rathaus.identity.backends.TenantEmailBackend",
            link_to=staff,  # a staff account cannot be linked: refused, nothing written
        )
    assert logins(tenant) == []
