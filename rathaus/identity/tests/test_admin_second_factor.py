"""The platform admin (operators) needs the second factor like every other staff login."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.identity.models import User
from rathaus.identity.tests.factories import UserFactory


def _operator() -> User:
    operator = UserFactory(tenant=None, email="betrieb@rathaus.example", kind=User.Kind.OPERATOR,
                           is_superuser=True)  # fmt: skip
    TOTPDevice.objects.create(user=operator, name="rathaus", confirmed=True)
    return operator


def test_admin_without_second_factor_is_sent_to_the_login(db: Any) -> None:
    client = Client(HTTP_HOST="platform.testserver")
    client.force_login(_operator(), backend="rathaus.identity.backends.TenantEmailBackend")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert 'name="otp_token"' in client.get(response["Location"]).content.decode()


def test_admin_with_a_verified_second_factor_opens(db: Any) -> None:
    operator = _operator()
    client = Client(HTTP_HOST="platform.testserver")
    client.force_login(operator, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=operator).persistent_id
    session.save()
    assert client.get("/admin/").status_code == 200
