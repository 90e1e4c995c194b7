"""Months of generated activity for the demo municipality, produced through the real services.

Demo citizens start drafts and submit applications of the demo forms, pay the fees through the demo payment
provider (the E-Akte files each application once it may be forwarded), and the office decides a share of the
cases with a sealed decision; the rest stay open (the backlog). Each step happens at a simulated time spread over
the months (``simulated_clock``), so the events, and the steering facts dated by them, carry that time.

Deterministic (seeded) and idempotent: when the municipality already has generated applications, nothing is
added. Runs outside any transaction (submission, payment and sealing commit on their own).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.test import RequestFactory
from django.utils import timezone

from rathaus.applications import services as applications
from rathaus.applications.models import Application, Draft, FormVersion
from rathaus.attachments import scanner
from rathaus.catalog.models import Service
from rathaus.identity.models import Profile, StaffRole, User
from rathaus.payments import services as payments
from rathaus.payments.models import Payment
from rathaus.records import decisions
from rathaus.records.journal import Actor
from rathaus.records.models import Case, DecisionTemplate
from rathaus.steering.reports import half_year_of
from rathaus.tenants.models import Municipality

DOMAIN = "demo-aktivitaet.example.org"  # the generated citizens' e-mail domain (marks generated data)
FIRST = ["Lena", "Jonas", "Hannah", "Felix", "Emma", "Paul", "Marie", "Lukas", "Sophie", "Ben", "Lea", "Tim"]
LAST = ["Schmidt", "Müller", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein"]
STREETS = ["Lindenweg", "Schulstraße", "Am Markt", "Bahnhofstraße", "Gartenstraße", "Kirchplatz"]
MAX_DECISIONS = 120  # sealing is the slow part: one seal per decision
# Of the cases filed this long ago (days), this share is decided (until MAX_DECISIONS); the rest is the backlog:
# old cases are mostly done, the backlog is mostly recent, as in an office that keeps up.
DECIDED_SHARE = ((90, 0.9), (45, 0.7), (0, 0.35))


@dataclass
class Summary:
    applications: int = 0
    payments: int = 0
    decisions: int = 0
    skipped: bool = False


class _SimulatedDatetime(dt.datetime):
    at: dt.datetime

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> Any:
        return cls.at.astimezone(tz) if tz is not None else cls.at.astimezone(dt.UTC).replace(tzinfo=None)


@contextmanager
def simulated_clock(at: dt.datetime) -> Iterator[None]:
    """``django.utils.timezone.now()`` returns ``at`` inside the block — also for the model fields whose
    default is ``timezone.now`` (they call the same function, which reads the module's ``datetime``)."""
    from django.utils import timezone as tz_module

    clock = type("SimulatedDatetime", (_SimulatedDatetime,), {"at": at})
    original = tz_module.datetime  # type: ignore[attr-defined]
    tz_module.datetime = clock  # type: ignore[attr-defined,assignment]
    try:
        yield
    finally:
        tz_module.datetime = original  # type: ignore[attr-defined]


@contextmanager
def _own_documents_not_scanned() -> Iterator[None]:
    """The sealed decisions are the office's own PDFs, delivered to the citizens' mailboxes: ``make loaddemo``
    runs before the demo's clamd is started, so they are not sent to the virus scanner while generating."""

    original = scanner.scan
    scanner.scan = lambda data: None
    try:
        yield
    finally:
        scanner.scan = original


def already_generated(tenant: Municipality) -> bool:
    return Application.objects.for_tenant(tenant).filter(applicant__email__endswith=f"@{DOMAIN}").exists()


APPLICATIONS = 200  # about this many over the whole window, whatever its length (each one's PDF takes ~0.25 s)


def window(now: dt.datetime, months: int | None = None) -> dt.datetime:
    """Where generated activity starts: ``months`` months before ``now``, or by default at the start of the last
    complete half-year — the period of the demo's issued sample report (``rathaus.steering.demo``) — so the report
    and the running half-year on the dashboard both have figures."""
    if months is not None:
        return now - dt.timedelta(days=round(months * 30.4))
    first, _ = half_year_of(timezone.localtime(now).date())
    return timezone.make_aware(dt.datetime.combine(first, dt.time(0, 0)))


def generate(
    tenant: Municipality, *, months: int | None = None, per_day: float | None = None, seed: int = 2026
) -> Summary:
    """Generate activity from ``window(now, months)`` up to now, about ``per_day`` applications a day (by default
    ``APPLICATIONS`` spread over the window)."""
    if already_generated(tenant):
        return Summary(skipped=True)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    forms = _forms(tenant)
    if not forms:
        raise LookupError("the demo forms are not published for this municipality")
    caseworker = _caseworker(tenant)
    now = timezone.now()
    start = window(now, months)
    days = (now - start).days
    if per_day is None:
        per_day = APPLICATIONS / max(days, 1)
    citizens = _citizens(tenant, rng, count=max(8, min(60, int(days * per_day / 5) + 1)))
    summary = Summary()
    filed: list[tuple[Application, dt.datetime]] = []
    for day in range(days):
        count = _poisson(rng, per_day * (0.4 if (start + dt.timedelta(days=day)).weekday() >= 5 else 1.15))
        for _ in range(count):
            at = start + dt.timedelta(days=day, hours=rng.uniform(7, 21))
            if at >= now:
                continue
            service, version = rng.choice(forms)
            citizen = rng.choice(citizens)
            application = _apply(tenant, service, version, citizen, rng, at)
            summary.applications += 1
            if application.payment_state in (Application.PaymentState.OPEN, Application.PaymentState.FAILED):
                paid_at = min(at + dt.timedelta(minutes=rng.randint(2, 20)), now)
                if rng.random() < 0.92 and _pay(tenant, application, paid_at):
                    summary.payments += 1
            filed.append((application, at))
    with _own_documents_not_scanned():
        summary.decisions = _decide(tenant, filed, caseworker, rng, now)
    return summary


def _poisson(rng: random.Random, mean: float) -> int:
    count, limit = 0, rng.expovariate(1.0)
    while limit < mean:
        count += 1
        limit += rng.expovariate(1.0)
    return count


def _forms(tenant: Municipality) -> list[tuple[Service, FormVersion]]:
    found = []
    for slug in ANSWERS:
        service = Service.objects.for_tenant(tenant).filter(slug=slug).first()
        version = (
            FormVersion.objects.for_tenant(tenant).filter(service=service).order_by("-version").first()
            if service
            else None
        )
        if service is not None and version is not None:
            found.append((service, version))
    return found


def _caseworker(tenant: Municipality) -> User:
    role = (
        StaffRole.objects.for_tenant(tenant)
        .filter(role=StaffRole.Role.CASEWORKER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if role is None:
        raise LookupError("the demo needs a caseworker to decide cases")
    return role.user


def _citizens(tenant: Municipality, rng: random.Random, *, count: int) -> list[User]:
    people = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        email = f"{first.lower()}.{last.lower().replace('ü', 'ue')}.{i}@{DOMAIN}"
        user = User.objects.filter(tenant=tenant, email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, None, tenant=tenant, first_name=first, last_name=last, email_verified_at=timezone.now()
            )
            Profile.objects.for_tenant(tenant).update_or_create(
                tenant=tenant,
                user=user,
                defaults={"street": f"{rng.choice(STREETS)} {i + 1}", "postal_code": "40699", "city": "Musterstadt"},
            )
        people.append(user)
    return people


def _address(user: User, rng: random.Random) -> dict[str, str]:
    return {"street": f"{rng.choice(STREETS)} {rng.randint(1, 80)}", "postal_code": "40699", "city": "Musterstadt"}


def _sperrmuell(user: User, rng: random.Random, day: dt.date) -> dict[str, Any]:
    return {
        "abholung": {
            "ort": {"anschrift": _address(user, rng), "wunschtermin": (day + dt.timedelta(days=14)).isoformat()},
            "menge": {
                "gegenstaende": ["moebel"],
                "volumen": rng.choice(["bis_3", "bis_3", "bis_5", "ueber_5"]),
                "beschreibung": "Ein Sofa und zwei Stühle.",
                "abholung_im_jahr": rng.choice(["erste_zweite", "erste_zweite", "weitere"]),
            },
        },
        "kontakt": {"person": {"vorname": user.first_name, "familienname": user.last_name, "email": user.email}},
    }


def _hund(user: User, rng: random.Random, day: dt.date) -> dict[str, Any]:
    dog = {"name": rng.choice(["Bello", "Luna", "Balu", "Emma"]), "rasse": "Mischling",
           "geburtsdatum": (day - dt.timedelta(days=rng.randint(200, 3000))).isoformat(),
           "haltung_seit": (day - dt.timedelta(days=rng.randint(1, 20))).isoformat(), "chipnummer": ""}  # fmt: skip
    return {
        "halter": {
            "person": {
                "vorname": user.first_name,
                "familienname": user.last_name,
                "geburtsdatum": "1985-04-12",
                "anschrift": _address(user, rng),
                "email": user.email,
            },
            "zahlung": {"lastschrift": False},
        },
        "hunde": {"hund": [dog]},
        "ermaessigung": {"antrag": {"beantragt": False}},
    }


def _gewerbe(user: User, rng: random.Random, day: dt.date) -> dict[str, Any]:
    return {
        "betrieb": {
            "art": {
                "rechtsform": rng.choice(["einzel", "einzel", "gbr"]),
                "firmenname": f"{user.last_name} Service",
                "taetigkeit": "Hausmeisterdienste",
                "beginn": (day + dt.timedelta(days=10)).isoformat(),
                "betriebsstaette": _address(user, rng),
                "beschaeftigte": rng.randint(0, 4),
                "nebenerwerb": rng.random() < 0.3,
                "erlaubnispflichtig": False,
            },
        },
        "inhaber": {
            "person": {
                "vorname": user.first_name,
                "familienname": user.last_name,
                "geburtsdatum": "1979-09-30",
                "anschrift": _address(user, rng),
                "email": user.email,
                "telefon": "",
            },
        },
    }


def _kita(user: User, rng: random.Random, day: dt.date) -> dict[str, Any]:
    child = {"vorname": rng.choice(["Mila", "Noah", "Ida", "Emil"]),
             "geburtsdatum": (day - dt.timedelta(days=rng.randint(300, 1500))).isoformat(),
             "beginn": (day + dt.timedelta(days=120)).isoformat(), "umfang": rng.choice(["25", "35", "45"]),
             "wunsch_kitas": ["kita-sonnenblume"], "foerderbedarf": False}  # fmt: skip
    return {
        "kinder": {"kind": [child]},
        "eltern": {
            "person": {
                "vorname": user.first_name,
                "familienname": user.last_name,
                "anschrift": _address(user, rng),
                "email": user.email,
                "telefon": "",
                "berufstaetig": True,
            },
        },
    }


ANSWERS = {
    "sperrmuell-anmelden": _sperrmuell,
    "hund-anmelden": _hund,
    "gewerbe-anmelden": _gewerbe,
    "kita-platz-anmelden": _kita,
}


def _apply(
    tenant: Municipality, service: Service, version: FormVersion, citizen: User, rng: random.Random, at: dt.datetime
) -> Application:
    answers = ANSWERS[service.slug](citizen, rng, timezone.localdate(at))
    with simulated_clock(at - dt.timedelta(minutes=rng.randint(3, 25))):
        draft = applications.start_draft(tenant=tenant, service=service, owner=citizen, form_version=version)
        Draft.objects.for_tenant(tenant).filter(pk=draft.pk).update(answers=answers)
    with simulated_clock(at):
        return applications.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="high")


def _pay(tenant: Municipality, application: Application, at: dt.datetime) -> bool:
    request = RequestFactory().get("/", HTTP_HOST=f"{tenant.slug}.localhost")
    request.user = application.applicant
    request.tenant = tenant  # type: ignore[attr-defined]
    with simulated_clock(at):
        applications.payment_redirect(application=application, request=request)
        payment = Payment.objects.for_tenant(tenant).filter(reference=application.number, status="pending").first()
        if payment is None:
            return False
        payments.record_demo_outcome(payment=payment, outcome="paid")
        payments.refresh_status(payment=payment)
    return payment.status == Payment.Status.PAID


def _template(tenant: Municipality, service_key: str, actor: Actor) -> DecisionTemplate:
    existing = decisions.templates_for(tenant, service_key).filter(service_key=service_key).first()
    if existing is not None:
        return existing
    return decisions.create_template(
        tenant=tenant, actor=actor, service_key=service_key, title="Bescheid",
        body="Sehr geehrte Damen und Herren,\n\nIhrem Antrag {{ antragsnummer }} (»{{ leistung }}«) geben wir statt."
             "\n\nMit freundlichen Grüßen\nIm Auftrag\n{{ kommune }}",
        remedy_notice="Gegen diesen Bescheid können Sie innerhalb eines Monats nach Bekanntgabe Klage beim "
                      "Verwaltungsgericht Düsseldorf erheben.",
        four_eyes=False,
    )  # fmt: skip


def _decided_share(age_days: int) -> float:
    return next(share for min_age, share in DECIDED_SHARE if age_days >= min_age)


def _decide(
    tenant: Municipality,
    filed: list[tuple[Application, dt.datetime]],
    caseworker: User,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    actor = Actor(id=caseworker.pk, label=caseworker.email, role="caseworker")
    count = 0
    templates: dict[str, DecisionTemplate] = {}
    chosen = [item for item in filed if rng.random() < _decided_share((now - item[1]).days)]
    if len(chosen) > MAX_DECISIONS:  # evenly over the months
        chosen = [chosen[i * len(chosen) // MAX_DECISIONS] for i in range(MAX_DECISIONS)]
    for application, at in chosen:
        case = Case.objects.for_tenant(tenant).filter(application_number=application.number).first()
        if case is None:  # not forwarded (fee not paid): it waits at the citizen's side
            continue
        decided_at = at + dt.timedelta(days=rng.triangular(1, 30, 6), hours=rng.uniform(0, 6))
        if decided_at >= now:
            continue  # still open: the backlog
        key = application.service.leika_key
        if key not in templates:
            templates[key] = _template(tenant, key, actor)
        with simulated_clock(decided_at):
            decision = decisions.draft(case=case, template=templates[key], author=caseworker, actor=actor)
            decision = decisions.submit(decision=decision, actor=actor)
            decisions.seal(decision=decision, user=caseworker, tenant=tenant, actor=actor)
        count += 1
    return count
