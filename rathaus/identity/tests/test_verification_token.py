"""E-mail confirmation links cannot be made without the installation's key, nor moved between purposes or towns."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing

from rathaus.identity import services
from rathaus.identity.models import User
from rathaus.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def _payload(user: User, tenant_id: int) -> dict[str, Any]:
    return {"u": user.pk, "e": user.email, "t": tenant_id}


def _verified(user: User) -> bool:
    user.refresh_from_db()
    return user.email_verified_at is not None


def test_the_own_token_verifies(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    assert services.verify_email(tenant=tenant, token=services.verification_token(user)) == user
    assert _verified(user)


def test_token_signed_with_the_old_repository_key_is_refused(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    forged = signing.dumps(
        _payload(user, tenant.pk), key="embedded-insecure-do-not-use-in-production", salt=services._VERIFY_SALT
    )
    with pytest.raises(services.ValidationFailed):
        services.verify_email(tenant=tenant, token=forged)
    assert not _verified(user)


def test_value_signed_for_another_purpose_is_refused(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    other_purpose = signing.dumps(_payload(user, tenant.pk), salt="rathaus.identity.password-reset")
    with pytest.raises(services.ValidationFailed):
        services.verify_email(tenant=tenant, token=other_purpose)
    assert not _verified(user)


def test_token_naming_another_municipality_is_refused(tenant: Any, other_tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    foreign = signing.dumps(_payload(user, other_tenant.pk), salt=services._VERIFY_SALT)
    with pytest.raises(services.ValidationFailed):
        services.verify_email(tenant=tenant, token=foreign)
    without_town = signing.dumps({"u": user.pk, "e": user.email}, salt=services._VERIFY_SALT)
    with pytest.raises(services.ValidationFailed):
        services.verify_email(tenant=tenant, token=without_town)
    assert not _verified(user)
    with pytest.raises(services.ValidationFailed):  # and a real token of one town does nothing in the other
        services.verify_email(tenant=other_tenant, token=services.verification_token(user))


def test_token_for_an_address_changed_since_is_refused(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None, email="alt@example.org")
    token = services.verification_token(user)
    User.objects.filter(pk=user.pk).update(email="neu@example.org")
    with pytest.raises(services.ValidationFailed):
        services.verify_email(tenant=tenant, token=token)
    assert not _verified(user)
