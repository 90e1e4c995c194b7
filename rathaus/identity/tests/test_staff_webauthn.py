"""Security keys (WebAuthn) as the staff's second factor, through the Django client.

``SoftKey`` is a small software authenticator (P-256, attestation "none"): it answers the server's options the
way a browser with a security key would, so the real verification of django-otp-webauthn runs. The browser
journey is in tests/browser/test_staff_webauthn_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rathaus.identity.models import StaffRole, User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory, login_citizen, login_staff
from rathaus.tenants.models import Domain

REGISTER_BEGIN = "/intern/webauthn/registrierung/beginnen/"
REGISTER_COMPLETE = "/intern/webauthn/registrierung/abschliessen/"
AUTH_BEGIN = "/intern/webauthn/anmeldung/beginnen/"
AUTH_COMPLETE = "/intern/webauthn/anmeldung/abschliessen/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    """A software security key: one credential, user presence and verification always given."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], *, origin: str, rp_id: str | None = None) -> dict[str, Any]:
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        rp_id_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        flags = bytes([0x01 | 0x04 | 0x40])  # user present, user verified, attested credential data
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id
        auth_data = rp_id_hash + flags + self.sign_count.to_bytes(4, "big") + attested + self._cose_public_key()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": _b64(client_data), "attestationObject": _b64(attestation)},
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict[str, Any], *, origin: str, rp_id: str | None = None) -> dict[str, Any]:
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        self.sign_count += 1
        rp_id_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        auth_data = rp_id_hash + bytes([0x01 | 0x04]) + self.sign_count.to_bytes(4, "big")
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": _b64(auth_data),
                "clientDataJSON": _b64(client_data),
                "signature": _b64(signature),
            },
            "clientExtensionResults": {},
        }


def _post_json(client: Client, path: str, data: Any = None) -> Any:
    body = "" if data is None else json.dumps(data)
    return client.post(path, data=body, content_type="application/json")


def _origin(client: Client) -> str:
    return f"http://{client.defaults['HTTP_HOST']}"


def register(client: Client, key: SoftKey, **kwargs: Any) -> Any:
    options = _post_json(client, REGISTER_BEGIN).json()
    return _post_json(client, REGISTER_COMPLETE, key.create(options, origin=_origin(client), **kwargs))


def authenticate(client: Client, key: SoftKey, **kwargs: Any) -> Any:
    options = _post_json(client, f"{AUTH_BEGIN}").json()
    origin = kwargs.pop("origin", _origin(client))
    return _post_json(client, f"{AUTH_COMPLETE}?next=/intern/", key.get(options, origin=origin, **kwargs))


def password_login(client: Client, user: User) -> None:
    response = client.post("/intern/anmelden/", {"username": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/intern/zweiter-faktor/")


def is_verified(client: Client) -> bool:
    return client.get("/intern/").status_code == 200


@pytest.fixture
def staff(tenant: Any) -> User:
    return StaffFactory(tenant=tenant, email="amt@alpha.example", roles=[StaffRole.Role.CASEWORKER])


@pytest.fixture
def staff_with_key(tenant: Any, staff: User) -> tuple[User, SoftKey]:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, staff)
    key = SoftKey()
    assert register(client, key).status_code == 200
    return staff, key


def _client(tenant: Any) -> Client:
    return Client(HTTP_HOST=f"{tenant.slug}.testserver")


def test_verified_staff_registers_a_key_bound_to_the_host(tclient: Client, staff: User) -> None:
    login_staff(tclient, staff)
    options = _post_json(tclient, REGISTER_BEGIN).json()
    assert options["rp"] == {"id": "alpha.testserver", "name": "Stadt Alpha"}
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    key = SoftKey()
    response = _post_json(tclient, REGISTER_COMPLETE, key.create(options, origin="http://alpha.testserver"))
    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=staff)
    assert credential.name.startswith("Sicherheitsschlüssel vom ")
    page = tclient.get("/intern/sicherheitsschluessel/").content.decode()
    assert "Der Sicherheitsschlüssel wurde eingerichtet." in page
    assert credential.name in page


def test_password_and_key_open_the_staff_area_without_the_totp_code(
    tenant: Any, staff_with_key: tuple[User, SoftKey]
) -> None:
    staff, key = staff_with_key
    client = _client(tenant)
    password_login(client, staff)
    page = client.get("/intern/zweiter-faktor/?next=/intern/").content.decode()
    assert "Mit Sicherheitsschlüssel bestätigen" in page
    assert 'id="otp_webauthn_config"' in page and "braucht JavaScript" in page
    assert not is_verified(client)
    options = _post_json(client, AUTH_BEGIN).json()
    assert options["rpId"] == "alpha.testserver" and options["userVerification"] == "preferred"
    assert [c["id"] for c in options["allowCredentials"]] == [_b64(key.credential_id)]
    response = _post_json(client, f"{AUTH_COMPLETE}?next=/intern/", key.get(options, origin="http://alpha.testserver"))
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/intern/"
    assert is_verified(client)
    credential = WebAuthnCredential.objects.get(user=staff)
    assert client.session[DEVICE_ID_SESSION_KEY] == credential.persistent_id
    assert credential.last_used_at is not None


def test_foreign_next_falls_back_to_the_dashboard(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    staff, key = staff_with_key
    client = _client(tenant)
    password_login(client, staff)
    options = _post_json(client, AUTH_BEGIN).json()
    assertion = key.get(options, origin="http://alpha.testserver")
    response = _post_json(client, f"{AUTH_COMPLETE}?next=https://evil.example/", assertion)
    assert response.json()["redirect_url"] == "/intern/"


def test_registering_a_key_needs_a_verified_staff_session(tenant: Any, staff: User) -> None:
    anonymous = _client(tenant)
    assert _post_json(anonymous, REGISTER_BEGIN).status_code == 403
    citizen = _client(tenant)
    login_citizen(citizen, CitizenFactory(tenant=tenant))
    assert _post_json(citizen, REGISTER_BEGIN).json()["code"] == "staff_only"
    # Password only: a key must not become a way around the second factor.
    password_only = _client(tenant)
    password_login(password_only, staff)
    response = _post_json(password_only, REGISTER_BEGIN)
    assert response.status_code == 403 and response.json()["code"] == "user_not_verified"
    # Not even for a new colleague who has no second factor yet (they enrol the TOTP app first).
    TOTPDevice.objects.filter(user=staff).delete()
    assert _post_json(password_only, REGISTER_BEGIN).status_code == 403
    assert not WebAuthnCredential.objects.exists()


def test_no_login_with_a_key_alone(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    _staff, key = staff_with_key
    anonymous = _client(tenant)
    assert _post_json(anonymous, AUTH_BEGIN).status_code == 403
    assertion = key.get({"challenge": "x", "rpId": "alpha.testserver"}, origin="http://alpha.testserver")
    assert _post_json(anonymous, AUTH_COMPLETE, assertion).status_code == 403
    assert "_auth_user_id" not in anonymous.session


def test_key_of_a_colleague_does_not_verify(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    _owner, key = staff_with_key
    colleague = StaffFactory(tenant=tenant, email="kollege@alpha.example")
    client = _client(tenant)
    password_login(client, colleague)
    response = authenticate(client, key)
    assert response.status_code == 403 and response.json()["code"] == "credential_user_mismatch"
    assert not is_verified(client)


def test_unknown_key_does_not_verify(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    staff, _key = staff_with_key
    client = _client(tenant)
    password_login(client, staff)
    response = authenticate(client, SoftKey())
    assert response.status_code == 404 and response.json()["code"] == "credential_not_found"
    assert not is_verified(client)


@pytest.mark.parametrize(
    "forgery",
    [
        {"origin": "http://evil.example"},  # a phishing site relaying the challenge
        {"rp_id": "evil.example"},  # a key signing for another site
        {"origin": "https://alpha.testserver"},  # another scheme is another origin
    ],
)
def test_assertion_for_another_origin_or_site_does_not_verify(
    tenant: Any, staff_with_key: tuple[User, SoftKey], forgery: dict[str, str]
) -> None:
    staff, key = staff_with_key
    client = _client(tenant)
    password_login(client, staff)
    response = authenticate(client, key, **forgery)
    assert response.status_code == 422, response.content
    assert not is_verified(client)


def test_key_works_only_on_the_host_it_was_registered_on(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    staff, key = staff_with_key
    Domain.objects.create(host="www.alpha.example", municipality=tenant)
    client = Client(HTTP_HOST="www.alpha.example")
    password_login(client, staff)
    options = _post_json(client, AUTH_BEGIN).json()
    assert options["rpId"] == "www.alpha.example"
    # The key signs for the host it knows; the server expects this host: refused.
    assertion = key.get(options, origin="http://www.alpha.example", rp_id="alpha.testserver")
    assert _post_json(client, AUTH_COMPLETE, assertion).status_code == 422
    assert not is_verified(client)


def test_an_assertion_cannot_be_replayed(tenant: Any, staff_with_key: tuple[User, SoftKey]) -> None:
    staff, key = staff_with_key
    client = _client(tenant)
    password_login(client, staff)
    options = _post_json(client, AUTH_BEGIN).json()
    assertion = key.get(options, origin="http://alpha.testserver")
    assert _post_json(client, AUTH_COMPLETE, assertion).status_code == 200
    other = _client(tenant)
    password_login(other, staff)
    _post_json(other, AUTH_BEGIN)  # a fresh challenge: the old answer does not fit it
    assert _post_json(other, AUTH_COMPLETE, assertion).status_code == 422
    assert _post_json(other, AUTH_COMPLETE, assertion).json()["code"] == "invalid_state"  # challenge used up
    assert not is_verified(other)


@pytest.mark.parametrize(
    "body",
    [None, [], {"id": 1}, {"id": "!!", "rawId": "!!", "type": "public-key", "response": {}}, "kein json"],
)
def test_malformed_answers_are_client_errors(tenant: Any, staff: User, body: Any) -> None:
    client = _client(tenant)
    login_staff(client, staff)
    for begin, complete in ((REGISTER_BEGIN, REGISTER_COMPLETE), (AUTH_BEGIN, AUTH_COMPLETE)):
        _post_json(client, begin)
        if body == "kein json":
            response = client.post(complete, data="{", content_type="application/json")
        else:
            response = _post_json(client, complete, body)
        assert 400 <= response.status_code < 500, (complete, body, response.status_code)
    # A form post is refused before anything is parsed.
    assert client.post(REGISTER_COMPLETE, {"id": "x"}).status_code == 400
    assert not WebAuthnCredential.objects.exists()


def _verified_with(client: Client, credential: WebAuthnCredential) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = credential.persistent_id
    session.save()


def test_staff_removes_a_key_but_never_the_last_second_factor(
    tenant: Any, staff_with_key: tuple[User, SoftKey]
) -> None:
    staff, key = staff_with_key
    client = _client(tenant)
    login_staff(client, staff)
    first = WebAuthnCredential.objects.get(user=staff)
    assert register(client, SoftKey()).status_code == 200
    second = WebAuthnCredential.objects.exclude(pk=first.pk).get(user=staff)
    # The phone with the TOTP app is gone; this session was confirmed with the second key.
    _verified_with(client, second)
    TOTPDevice.objects.filter(user=staff).delete()
    # Keys alone: one of two can go, the last one stays.
    response = client.post(f"/intern/sicherheitsschluessel/{first.pk}/entfernen/", follow=True)
    assert "Der Sicherheitsschlüssel wurde entfernt." in response.content.decode()
    page = client.get("/intern/sicherheitsschluessel/").content.decode()
    assert "kann deshalb nicht entfernt werden" in page and "/entfernen/" not in page
    response = client.post(f"/intern/sicherheitsschluessel/{second.pk}/entfernen/", follow=True)
    assert "letzter zweiter Faktor" in response.content.decode()
    assert list(WebAuthnCredential.objects.filter(user=staff)) == [second]

    # The removed key no longer verifies; and with a key left, the password alone enrols no new TOTP app.
    fresh = _client(tenant)
    password_login(fresh, staff)
    page = fresh.get("/intern/zweiter-faktor/").content.decode()
    assert "data:image/svg+xml" not in page and "Sechsstelliger Code" not in page
    assert "Mit Sicherheitsschlüssel bestätigen" in page and "Administration" in page
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert authenticate(fresh, key).status_code == 404
    assert not is_verified(fresh)


def test_keys_of_others_cannot_be_seen_or_removed(
    tenant: Any, other_tenant: Any, staff_with_key: tuple[User, SoftKey]
) -> None:
    owner, _key = staff_with_key
    credential = WebAuthnCredential.objects.get(user=owner)
    for colleague in (
        StaffFactory(tenant=tenant, email="kollege@alpha.example"),
        StaffFactory(tenant=other_tenant, email=owner.email),  # same address, other municipality
    ):
        client = _client(colleague.tenant)
        login_staff(client, colleague)
        assert credential.name not in client.get("/intern/sicherheitsschluessel/").content.decode()
        assert client.post(f"/intern/sicherheitsschluessel/{credential.pk}/entfernen/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_key_page_needs_the_second_factor(tclient: Client, staff: User) -> None:
    assert tclient.get("/intern/sicherheitsschluessel/")["Location"].startswith("/intern/anmelden/")
    password_login(tclient, staff)
    assert tclient.get("/intern/sicherheitsschluessel/")["Location"].startswith("/intern/zweiter-faktor/")
    login_staff(tclient, staff)
    page = tclient.get("/intern/sicherheitsschluessel/").content.decode()
    assert "Sie haben noch keinen Sicherheitsschlüssel eingerichtet." in page
    assert "braucht Ihr Browser JavaScript" in page  # what a browser without JavaScript shows
    assert "<script>" not in page  # CSP: no inline script, only the JSON configuration and files
    config = json.loads(
        page.split('<script id="otp_webauthn_config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["beginRegistrationUrl"] == REGISTER_BEGIN


def test_path_prefix_tenant_uses_the_platform_host_and_its_prefix(tenant: Any, staff: User) -> None:
    client = Client(HTTP_HOST="platform.testserver")
    login_staff(client, staff)
    page = client.get("/m/alpha/intern/sicherheitsschluessel/").content.decode()
    assert '"beginRegistrationUrl": "/m/alpha/intern/webauthn/registrierung/beginnen/"' in page
    options = _post_json(client, "/m/alpha/intern/webauthn/registrierung/beginnen/").json()
    assert options["rp"]["id"] == "platform.testserver"


def test_texts_of_the_scripts_are_german(tclient: Client) -> None:
    response = tclient.get("/intern/webauthn/texte.js")
    assert response.status_code == 200 and "javascript" in response["Content-Type"]
    assert "Registrierung erfolgreich" in response.content.decode()
