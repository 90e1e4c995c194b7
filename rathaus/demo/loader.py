"""Loads the demo municipality "Musterstadt" (and a small second one) with catalog, departments and users.

Idempotent: running it again updates the data in place. Demo passwords are printed by ``make demo``;
they are for the embedded demo only and never exist in production (the command refuses there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus import formengine
from rathaus.applications.services import publish_form
from rathaus.catalog.models import Service
from rathaus.catalog.services import import_catalog
from rathaus.demo.activity import generate as generate_activity
from rathaus.demo.document_templates import load_document_templates
from rathaus.demo.fileplan import load_file_plan
from rathaus.identity.models import IdentityProvider, Profile, StaffRole, User
from rathaus.identity.providers.registry import identity_plugins
from rathaus.steering.demo import load_demo as load_steering_demo
from rathaus.tenants.models import Domain, Municipality, OrgUnit
from rathaus.tenants.services import save_plugin_config

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "Musterstadt-Demo-2026"  # noqa: S105 - embedded demo only; loaddemo refuses production
DEMO_IDP_URL = "http://127.0.0.1:8001"
DEMO_SAML_IDP_URL = "http://127.0.0.1:8002"  # python -m rathaus.demo_saml_idp (Demo-BundID, Demo-Unternehmenskonto)

# (e-mail local part, first, last, role, org unit key)
STAFF = [
    ("admin", "Anna", "Albers", StaffRole.Role.TENANT_ADMIN, "FB10"),
    ("digital", "David", "Dietrich", StaffRole.Role.DIGITALISATION, "FB10-1"),
    ("sachbearbeitung", "Sabine", "Schulte", StaffRole.Role.CASEWORKER, None),
    ("leitung", "Lars", "Lehmann", StaffRole.Role.UNIT_LEAD, None),
    ("poststelle", "Paul", "Peters", StaffRole.Role.MAILROOM, None),
    ("buergerbuero", "Berit", "Brandt", StaffRole.Role.CITIZENS_OFFICE, None),
    ("kasse", "Karl", "Kramer", StaffRole.Role.TREASURY, "FB20-2"),
]


@dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    note: str = ""


def load_json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def load_demo(
    *, idp_url: str = DEMO_IDP_URL, saml_idp_url: str = DEMO_SAML_IDP_URL, activity: dict[str, Any] | None = None
) -> list[DemoLogin]:
    """Load (or refresh) the demo municipalities. The data is one transaction; the forms are published after
    it, each as its own durable publication (publish_form refuses to run inside another transaction).

    With ``activity`` (the options of ``rathaus.demo.activity.generate``, e.g. ``{}``) months of applications,
    payments and decisions are generated through the services before the steering demo issues its report."""
    logins, tenant = _load_data(idp_url)
    _saml_providers(tenant, saml_idp_url)
    logins += [
        DemoLogin("Bürgerin, hoch (Demo-BundID, Online-Ausweis)", "erika", SAML_DEMO_PASSWORD, "über »Demo-BundID«"),
        DemoLogin("Unternehmen (Demo-Unternehmenskonto)", "musterbau", SAML_DEMO_PASSWORD, "über »Demo-MUK«"),
    ]
    _forms(tenant)
    if activity is not None:
        generate_activity(tenant, **activity)
    with transaction.atomic():
        load_steering_demo(tenant)  # process catalog, projects, maturity (rathaus/steering/demo_data), report
    return logins


@transaction.atomic
def _load_data(idp_url: str) -> tuple[list[DemoLogin], Municipality]:
    data = load_json("musterstadt.json")
    logins: list[DemoLogin] = []
    tenant = _municipality(data["municipality"])
    units = _org_units(tenant, data["org_units"])
    import_catalog(tenant=tenant, document={"life_situations": data["life_situations"], "services": data["services"]})
    load_file_plan(tenant, load_json("aktenplan.json"), units)
    load_document_templates(tenant, load_json("vorlagen.json"))
    logins += _staff(tenant, units)
    logins += _citizens(tenant)
    _identity_provider(tenant, idp_url)
    # Musterstadt pays through the demo provider by its own configuration (Interner Bereich → Anbindungen).
    save_plugin_config(tenant=tenant, kind="payment", plugin_id="demo", options={}, enabled=True, actor=None)

    # A second, small municipality shows that one installation serves several, strictly apart.
    second = _municipality(
        {
            **data["municipality"],
            "slug": "beispielheim",
            "name": "Gemeinde Beispielheim",
            "ags": "05999002",
            "hosts": ["beispielheim.localhost"],
            "contact": {**data["municipality"].get("contact", {}), "city": "Beispielheim"},
        }
    )
    second_units = _org_units(second, data["org_units"])
    import_catalog(
        tenant=second,
        document={"life_situations": data["life_situations"], "services": data["services"][:12]},
    )
    load_file_plan(second, load_json("aktenplan.json"), second_units)
    logins += _staff(second, second_units, domain="beispielheim.de", only=("admin",))
    logins.append(_operator())
    return logins, tenant


def _municipality(record: dict[str, Any]) -> Municipality:
    contact = record.get("contact", {})
    tenant, _ = Municipality.objects.update_or_create(
        slug=record["slug"],
        defaults={
            "name": record["name"],
            "ags": record["ags"],
            "street": contact.get("street", ""),
            "postal_code": contact.get("postal_code", ""),
            "city": contact.get("city", ""),
            "phone": contact.get("phone", ""),
            "email": contact.get("email", ""),
            "website": contact.get("website", ""),
            "imprint": record.get("imprint", ""),
            "privacy": record.get("privacy", ""),
            "accessibility": record.get("accessibility", ""),
            "legal_translations": record.get("legal_translations", {}),
            "sign_language_video": record.get("sign_language_video", ""),
        },
    )
    tenant.full_clean()
    for i, host in enumerate(record.get("hosts", [])):
        Domain.objects.update_or_create(host=host, defaults={"municipality": tenant, "is_primary": i == 0})
    return tenant


def _org_units(tenant: Municipality, records: list[dict[str, Any]]) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for record in records:  # parents come before their children in the file
        unit, _ = OrgUnit.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            key=record["key"],
            defaults={
                "name": record["name"],
                "short_name": record.get("short_name", ""),
                "parent": units.get(record["parent"]) if record.get("parent") else None,
            },
        )
        unit.full_clean()
        units[unit.key] = unit
    return units


def _user(tenant: Municipality | None, email: str, **fields: Any) -> User:
    user = User.objects.filter(tenant=tenant, email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, tenant=tenant, **fields)
    else:
        for key, value in fields.items():
            setattr(user, key, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _staff(
    tenant: Municipality, units: dict[str, OrgUnit], *, domain: str = "musterstadt.de", only: tuple[str, ...] = ()
) -> list[DemoLogin]:
    logins = []
    caseworker_unit = next((u for u in units.values() if u.parent_id is not None), next(iter(units.values())))
    for local, first, last, role, unit_key in STAFF:
        if only and local not in only:
            continue
        email = f"{local}@{domain}"
        user = _user(tenant, email, kind=User.Kind.STAFF, first_name=first, last_name=last)
        unit = units.get(unit_key or "") or caseworker_unit
        StaffRole.objects.for_tenant(tenant).get_or_create(tenant=tenant, user=user, org_unit=unit, role=role)
        TOTPDevice.objects.get_or_create(user=user, name="rathaus", defaults={"confirmed": True})
        logins.append(
            DemoLogin(
                f"{StaffRole.Role(role).label} ({tenant.name})",
                email,
                DEMO_PASSWORD,
                f"zweiter Faktor: rathaus demo_otp {tenant.slug} {email}",
            )
        )
    return logins


def _forms(tenant: Municipality) -> None:
    """The demo's online forms, published for the services they belong to (a new version only on change)."""
    for slug in formengine.demo_form_slugs():
        service = Service.objects.for_tenant(tenant).filter(slug=slug).first()
        if service is None:
            raise LookupError(f"demo form {slug!r} has no service of that slug in the demo catalog")
        publish_form(service=service, definition=formengine.load_demo_form(slug))


def _citizens(tenant: Municipality) -> list[DemoLogin]:
    now = timezone.now()
    mia = _user(tenant, "mia.mustermann@example.org", first_name="Mia", last_name="Mustermann", email_verified_at=now)
    Profile.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, user=mia, defaults={"street": "Rathausplatz 3", "postal_code": "40699", "city": "Musterstadt"}
    )
    firma = _user(
        tenant, "info@baeckerei-beispiel.de", kind=User.Kind.BUSINESS, first_name="Bernd", last_name="Becker",
        email_verified_at=now,
    )  # fmt: skip
    Profile.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, user=firma, defaults={"company_name": "Bäckerei Beispiel GmbH"}
    )
    return [
        DemoLogin("Bürgerin, Vertrauensniveau niedrig (lokales Konto)", mia.email, DEMO_PASSWORD),
        DemoLogin("Unternehmen, niedrig (lokales Konto)", firma.email, DEMO_PASSWORD),
        DemoLogin("Bürgerin, substanziell (Demo-Servicekonto)", "max", DEMO_PASSWORD, "über »Demo-Servicekonto«"),
        DemoLogin(
            "Bürgerin, hoch (Demo-Servicekonto, Online-Ausweis)", "erika", DEMO_PASSWORD, "über »Demo-Servicekonto«"
        ),
    ]


def _identity_provider(tenant: Municipality, base: str) -> None:
    base = base.rstrip("/")
    IdentityProvider.objects.for_tenant(tenant).update_or_create(
        tenant=tenant,
        slug="demo-servicekonto",
        defaults={
            "name": "Demo-Servicekonto (Testsystem)",
            "issuer": f"{base}/o",
            "authorization_endpoint": f"{base}/o/authorize/",
            "token_endpoint": f"{base}/o/token/",
            "userinfo_endpoint": f"{base}/o/userinfo/",
            "jwks_uri": f"{base}/o/.well-known/jwks.json",
            "client_id": "rathaus-demo",
            "client_secret_env": "RATHAUS_DEMO_IDP_SECRET",
            "acr_mapping": {
                "http://eidas.europa.eu/LoA/low": "low",
                "http://eidas.europa.eu/LoA/substantial": "substantial",
                "http://eidas.europa.eu/LoA/high": "high",
            },
            "attribute_mapping": {
                "given_name": "first_name",
                "family_name": "last_name",
                "birthdate": "birth_date",
                "address.street_address": "street",
                "address.postal_code": "postal_code",
                "address.locality": "city",
            },
        },
    )


def _operator() -> DemoLogin:
    operator = _user(None, "betrieb@rathaus.localhost", kind=User.Kind.OPERATOR, is_superuser=True)
    TOTPDevice.objects.get_or_create(user=operator, name="rathaus", defaults={"confirmed": True})
    return DemoLogin(
        "Plattformbetrieb (Django-Admin auf platform.localhost)",
        "betrieb@rathaus.localhost",
        DEMO_PASSWORD,
        "zweiter Faktor: rathaus demo_otp - betrieb@rathaus.localhost",
    )


SAML_DEMO_PASSWORD = "Demo-BundID-2026"  # noqa: S105 - printed on the demo IdP's login page


@transaction.atomic
def _saml_providers(tenant: Municipality, base: str) -> None:
    """Demo-BundID and Demo-Unternehmenskonto (SAML 2.0) next to the Demo-Servicekonto (OpenID Connect)."""
    base = base.rstrip("/")
    for slug, name, profile, attributes in (
        ("bundid", "Demo-BundID (Testsystem)", "bundid", ["name", "email", "birth_date", "address"]),
        ("unternehmenskonto", "Demo-Unternehmenskonto (Testsystem)", "muk", ["name", "email", "address"]),
    ):
        options = identity_plugins.validate_options(
            profile,
            {"idp_entity_id": f"{base}/{profile}/metadata", "metadata_url": f"{base}/{profile}/metadata",
             "attributes": attributes},
        ).model_dump()  # fmt: skip
        IdentityProvider.objects.for_tenant(tenant).update_or_create(
            tenant=tenant, slug=slug, defaults={"name": name, "plugin": profile, "options": options}
        )
