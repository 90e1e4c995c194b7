"""Generated demo activity: applications, payments and sealed decisions through the services, dated over the
months (the steering facts carry the simulated time), once, and only for the municipality it is made for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Application
from rathaus.demo import activity
from rathaus.demo.loader import load_demo
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import login_staff
from rathaus.payments.models import Payment
from rathaus.records.models import Case, Decision
from rathaus.steering.models_facts import ApplicationFact, PaymentFact
from rathaus.tenants.models import Municipality

pytestmark = pytest.mark.django_db(transaction=True)  # the services commit; the E-Akte files on commit


@pytest.fixture(autouse=True)
def seals(settings: Any, tmp_path: Any) -> None:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")


def _month(value: dt.datetime) -> tuple[int, int]:
    local = timezone.localtime(value)
    return local.year, local.month


def test_two_months_of_activity_reach_the_steering_facts_and_the_dashboard() -> None:
    load_demo()
    tenant = Municipality.objects.get(slug="musterstadt")
    other = Municipality.objects.get(slug="beispielheim")
    now = timezone.now()

    summary = activity.generate(tenant, months=2, per_day=1.5, seed=7)

    assert summary.applications >= 40 and summary.payments >= 5 and summary.decisions >= 10
    applications = Application.objects.for_tenant(tenant)
    assert applications.count() == summary.applications
    facts = ApplicationFact.objects.for_tenant(tenant)
    submitted = [f.submitted_at for f in facts.exclude(submitted_at=None)]
    assert len(submitted) == summary.applications
    assert min(submitted) < now - dt.timedelta(days=50)  # dated by the simulated clock, not the run
    expected = {_month(now - dt.timedelta(days=d)) for d in range(2, 58, 5)}
    assert expected <= {_month(at) for at in submitted}  # submissions in each month
    decided = list(facts.exclude(decided_at=None))
    assert len(decided) == summary.decisions
    for fact in decided:
        days = (fact.decided_at - fact.submitted_at).total_seconds() / 86400
        assert 0.5 < days < 31, fact
    assert Decision.objects.for_tenant(tenant).filter(status="sealed").count() == summary.decisions
    assert Case.objects.for_tenant(tenant).count() > summary.decisions  # some still open: the backlog
    paid = PaymentFact.objects.for_tenant(tenant)
    assert paid.count() == summary.payments == Payment.objects.for_tenant(tenant).filter(status="paid").count()
    assert min(f.paid_at for f in paid) < now - dt.timedelta(days=30)

    staff = StaffRole.objects.for_tenant(tenant).filter(role=StaffRole.Role.DIGITALISATION).first()
    client = Client(HTTP_HOST="musterstadt.localhost")
    login_staff(client, staff.user)
    page = client.get("/intern/steuerung/kennzahlen/")
    assert page.status_code == 200
    assert f">{summary.applications}<" in page.content.decode().replace(".", "")

    # Nothing for the other municipality.
    assert not Application.objects.for_tenant(other).exists()
    assert not ApplicationFact.objects.for_tenant(other).exists()
    assert not PaymentFact.objects.for_tenant(other).exists()

    # A second run adds nothing.
    again = activity.generate(tenant, months=2, per_day=1.5, seed=7)
    assert again.skipped and again.applications == 0
    assert Application.objects.for_tenant(tenant).count() == summary.applications
