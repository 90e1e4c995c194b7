"""The demo municipality's steering data: a filled catalog, projects in five action fields, assessments."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.core.models import Event
from rathaus.demo.loader import load_demo
from rathaus.identity.models import User
from rathaus.identity.tests.factories import login_staff
from rathaus.steering import selectors
from rathaus.steering.models import ActionField, MaturityAssessment, Process, ProcessVersion, Project, Report
from rathaus.tenants.models import Municipality

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_steering_module_once_and_its_pages_open() -> None:
    load_demo()
    tenant = Municipality.objects.get(slug="musterstadt")
    processes = Process.objects.for_tenant(tenant)
    assert processes.count() >= 60
    assert processes.values("org_unit").distinct().count() >= 15  # across the units, not one office
    assert ActionField.objects.for_tenant(tenant).count() == 5
    projects = Project.objects.for_tenant(tenant)
    assert projects.count() == 8
    assert projects.values("action_field").distinct().count() == 5
    assert {p.status for p in projects} == {"green", "yellow", "red"}
    services = selectors.service_keys(tenant)
    assessed = set(MaturityAssessment.objects.for_tenant(tenant).values_list("service_id", flat=True))
    assert assessed == set(services.values())
    assert selectors.costliest(tenant)[0].cost_per_year > 100_000
    versions, assessments = ProcessVersion.objects.for_tenant(tenant), MaturityAssessment.objects.for_tenant(tenant)
    counts = (versions.count(), assessments.count())

    report = Report.objects.for_tenant(tenant).get()  # the sample report of the last half-year, issued
    assert report.is_issued and all(s["commentary"] for s in report.sections)
    assert Event.objects.for_tenant(tenant).filter(kind="steering.report_issued", subject=str(report.uuid)).exists()

    load_demo()  # again: nothing new, no new versions
    assert (versions.count(), assessments.count()) == counts
    assert Report.objects.for_tenant(tenant).count() == 1
    assert Project.objects.for_tenant(tenant).count() == 8
    # The second municipality has a catalog but no steering data of Musterstadt.
    assert not Process.objects.for_tenant(Municipality.objects.get(slug="beispielheim")).exists()

    client = Client(HTTP_HOST="musterstadt.localhost")
    login_staff(client, User.objects.get(email="digital@musterstadt.de"))
    project = projects.first()
    assert project is not None
    pages = ["", "priorisierung/", "projekte/", f"projekte/{project.uuid}/", "reifegrad/", f"berichte/{report.uuid}/"]
    pages.append("reifegrad/wohngeld-beantragen/")
    for path in pages:
        response = client.get(f"/intern/steuerung/{path}")
        assert response.status_code == 200, path
    ranking = client.get("/intern/steuerung/priorisierung/").content.decode()
    assert ranking.count('class="kern-table__row"') > 60 and "<svg" in ranking
