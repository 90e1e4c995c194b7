"""The demo municipality: the data file loads, twice, and gives a newcomer a realistic, searchable catalog."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.catalog import selectors
from rathaus.catalog.models import Fee, LifeSituation, Service
from rathaus.demo.loader import load_demo, load_json
from rathaus.identity.models import IdentityProvider, StaffRole, User
from rathaus.tenants.models import Domain, Municipality, OrgUnit, PluginConfig

pytestmark = pytest.mark.django_db

# One representative service per topic group the demo must cover (brief: registration, documents, …).
TOPIC_GROUPS = {
    "Meldewesen": ["wohnsitz-anmelden", "wohnsitz-abmelden", "meldebescheinigung-beantragen"],
    "Ausweise": ["personalausweis-beantragen", "reisepass-beantragen", "vorlaeufigen-personalausweis-beantragen",
                 "eid-karte-beantragen", "fuehrungszeugnis-beantragen"],
    "Fahrzeuge": ["fahrzeug-zulassen", "fahrzeug-ausser-betrieb-setzen", "wunschkennzeichen-reservieren",
                  "bewohnerparkausweis-beantragen"],
    "Bauen": ["baugenehmigung-beantragen", "bauvoranfrage-stellen", "abgeschlossenheitsbescheinigung-beantragen"],
    "Gewerbe": ["gewerbe-anmelden", "gewerbe-ummelden", "gewerbe-abmelden", "gaststaettenerlaubnis-beantragen",
                "sondernutzung-strasse-beantragen"],
    "Familie": ["geburtsurkunde-beantragen", "eheschliessung-anmelden", "elterngeld-informationen",
                "kita-platz-anmelden", "kindertagespflege-beantragen"],
    "Soziales": ["wohngeld-beantragen", "buergergeld-hinweis", "bildung-und-teilhabe-beantragen",
                 "schwerbehindertenausweis-informationen"],
    "Steuern": ["hund-anmelden", "hund-abmelden", "grundsteuer-bescheid-lastschrift", "zweitwohnungsteuer-anmelden"],
    "Abfall": ["sperrmuell-anmelden", "abfallbehaelter-aendern"],
    "Hunde": ["gefaehrlicher-hund-erlaubnis", "grossen-hund-anzeigen"],
    "Veranstaltungen": ["veranstaltung-anmelden"],
    "Ordnung": ["maengel-melden", "fundsache-melden"],
    "Standesamt": ["sterbeurkunde-beantragen", "eheurkunde-beantragen", "kirchenaustritt-informationen"],
    "Sonstiges": ["beglaubigung", "fischereischein-beantragen"],
}  # fmt: skip


@pytest.fixture
def musterstadt() -> Municipality:
    load_demo()  # the root conftest resets the in-process search index before every test
    return Municipality.objects.get(slug="musterstadt")


def _counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "domains": Domain.objects.count(),
        "units": OrgUnit.all_tenants.count(),
        "services": Service.all_tenants.count(),
        "fees": Fee.objects.count(),
        "situations": LifeSituation.all_tenants.count(),
        "users": User.objects.count(),
        "roles": StaffRole.all_tenants.count(),
        "devices": TOTPDevice.objects.count(),
        "idps": IdentityProvider.all_tenants.count(),
        "plugin_configs": PluginConfig.all_tenants.count(),
    }


def test_loading_the_demo_twice_changes_nothing() -> None:
    load_demo()
    first = _counts()
    load_demo()
    assert _counts() == first
    assert first["municipalities"] == 2


def test_musterstadt_has_a_realistic_published_catalog(musterstadt: Municipality) -> None:
    services = list(selectors.published_services(musterstadt).select_related("org_unit"))
    assert len(services) >= 45
    assert 5 <= sum(s.is_top for s in services) <= 8
    for service in services:
        assert len(service.leika_key) == 14 and service.leika_key.isdigit(), service.slug
        assert service.org_unit.tenant_id == musterstadt.pk, service.slug
        assert service.life_situations.exists(), service.slug
        assert service.short_description and service.description, service.slug
        assert service.channels, service.slug
        assert service.legal_basis, service.slug


def test_every_topic_group_is_covered(musterstadt: Municipality) -> None:
    slugs = set(selectors.published_services(musterstadt).values_list("slug", flat=True))
    missing = {group: [s for s in wanted if s not in slugs] for group, wanted in TOPIC_GROUPS.items()}
    assert {g: m for g, m in missing.items() if m} == {}


def test_services_span_every_trust_level(musterstadt: Municipality) -> None:
    levels = set(selectors.published_services(musterstadt).values_list("trust_level", flat=True))
    assert levels == {"none", "low", "substantial", "high"}


def test_data_file_matches_what_the_loader_references() -> None:
    data = load_json("musterstadt.json")
    keys = [u["key"] for u in data["org_units"]]
    assert {"FB10", "FB10-1"} <= set(keys)
    seen: set[str] = set()
    for unit in data["org_units"]:  # the loader needs parents before their children
        assert unit.get("parent") in (None, *seen), unit["key"]
        seen.add(unit["key"])
    assert {"musterstadt.localhost", "127.0.0.1", "localhost"} <= set(data["municipality"]["hosts"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Perso", "Personalausweis beantragen"),
        ("Ummeldung", "Wohnsitz anmelden"),
        ("Persnalausweis", "Personalausweis beantragen"),
        ("Kfz", "Fahrzeug zulassen"),
        ("Sperrmüll", "Sperrmüll-Abholung anmelden"),
        ("Hochzeit", "Eheschließung anmelden"),
    ],
)
def test_plain_words_find_the_official_service(musterstadt: Municipality, query: str, expected: str) -> None:
    results = selectors.search_services(musterstadt, query)
    assert results and results[0].name == expected, [s.name for s in results[:5]]


def test_every_staff_role_has_a_demo_user(musterstadt: Municipality) -> None:
    roles = set(StaffRole.objects.for_tenant(musterstadt).values_list("role", flat=True))
    assert roles == set(StaffRole.Role.values)
    staff = User.objects.filter(tenant=musterstadt, kind=User.Kind.STAFF)
    assert staff.count() == len(StaffRole.Role.values)
    assert all(TOTPDevice.objects.filter(user=u, confirmed=True).exists() for u in staff)


def test_citizens_exist_at_every_trust_level(musterstadt: Municipality) -> None:
    logins: list[Any] = load_demo()
    local = User.objects.filter(tenant=musterstadt, kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS])
    # Local accounts with a verified e-mail address are trust level "low".
    assert local.count() >= 2 and all(u.email_verified_at for u in local)
    idp = IdentityProvider.objects.for_tenant(musterstadt).get(slug="demo-servicekonto")
    assert set(idp.acr_mapping.values()) == {"low", "substantial", "high"}
    labels = " ".join(login.role for login in logins)
    for level in ("niedrig", "substanziell", "hoch"):
        assert level in labels


def test_second_municipality_is_kept_apart(musterstadt: Municipality) -> None:
    other = Municipality.objects.get(slug="beispielheim")
    assert selectors.published_services(other).count() == 12
    assert Domain.objects.get(host="beispielheim.localhost").municipality == other
    assert Domain.objects.get(host="musterstadt.localhost").municipality == musterstadt


def test_musterstadt_pays_through_its_own_demo_provider_configuration(musterstadt: Municipality, settings: Any) -> None:
    from rathaus.payments.providers.registry import configured_identifier

    config = PluginConfig.objects.for_tenant(musterstadt).get(kind="payment")
    assert (config.plugin_id, config.enabled, config.options) == ("demo", True, {})
    settings.RATHAUS_PAYMENT_PROVIDER = "epaybl"  # the installation default does not override the row
    assert configured_identifier(musterstadt) == "demo"
    load_demo()  # loading again keeps one row
    assert PluginConfig.objects.for_tenant(musterstadt).filter(kind="payment").count() == 1
