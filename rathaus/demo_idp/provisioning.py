"""Creates the demo people and the portal's client in the Demo-Servicekonto's own database."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from oauth2_provider.models import get_application_model

from .people import DEMO_PASSWORD, PEOPLE


@transaction.atomic
def provision(*, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
    """Demo people with the demo password, and a confidential client with exactly these redirect URIs."""
    for person in PEOPLE.values():
        user, _ = User.objects.get_or_create(username=person.username)
        user.first_name = person.given_name
        user.last_name = person.family_name
        user.email = person.email
        user.set_password(DEMO_PASSWORD)
        user.save()
    application_model = get_application_model()
    application_model.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": "Rathaus (Demo)",
            "client_type": application_model.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": application_model.GRANT_AUTHORIZATION_CODE,
            "client_secret": client_secret,  # stored hashed by django-oauth-toolkit
            "hash_client_secret": True,
            "redirect_uris": " ".join(dict.fromkeys(redirect_uris)),
            "algorithm": application_model.RS256_ALGORITHM,
            # The demo people consent by logging in; a consent page would only add a click.
            "skip_authorization": True,
        },
    )


@transaction.atomic
def add_redirect_uris(*, client_id: str, redirect_uris: list[str]) -> list[str]:
    application = get_application_model().objects.select_for_update().filter(client_id=client_id).first()
    if application is None:
        raise LookupError(f"Kein Client {client_id!r} – bitte zuerst »serve« einmal starten.")
    uris = list(dict.fromkeys([*application.redirect_uris.split(), *redirect_uris]))
    application.redirect_uris = " ".join(uris)
    application.save(update_fields=["redirect_uris"])
    return uris
