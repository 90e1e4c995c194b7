"""Projects (budgets in T€, milestones, traffic light), invited participants who see only their project,
and the maturity self-assessment where the weakest criterion decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.core.errors import ValidationFailed
from rathaus.core.text import clean_text
from rathaus.identity.tests.factories import CitizenFactory, login_citizen, login_staff
from rathaus.mailbox import selectors as mailbox
from rathaus.steering import maturity, projects, selectors
from rathaus.steering.models import ImmutableRecord, MaturityAssessment, Project, ProjectComment

pytestmark = pytest.mark.django_db


def staff_client(user: Any) -> Client:
    client = Client(HTTP_HOST="alpha.testserver")
    login_staff(client, user)
    return client


@pytest.fixture
def project(town: dict[str, Any]) -> Project:
    projects.save_action_field(tenant=town["tenant"], raw={"key": "ozg", "name": "Digitale Bürgerservices"})
    return projects.save_project(
        tenant=town["tenant"], raw={"name": "Online-Anträge", "action_field": "ozg", "owner": str(town["digi"].pk)},
        lists={"processes": [], "services": ["99115005104000"]},
    )  # fmt: skip


def test_budget_in_teur_per_year_and_wrong_units_are_refused(town: dict[str, Any], project: Project) -> None:
    client = staff_client(town["digi"])
    url = f"/intern/steuerung/projekte/{project.uuid}/"
    ok = {"_action": "budget", "year": "2026", "planned_teur": "180", "committed_teur": "95,5", "spent_teur": "12"}
    assert client.post(url, ok).status_code == 302
    budget = project.budgets.get()
    assert (budget.planned_teur, budget.committed_teur, budget.spent_teur) == (
        Decimal(180),
        Decimal("95.5"),
        Decimal(12),
    )
    for bad, message in (
        ({"planned_teur": "180000"}, "T€ (Tausend Euro)"),
        ({"spent_teur": "-4"}, "Darf nicht negativ sein."),
        ({"committed_teur": "1,234"}, "Höchstens 1 Nachkommastelle"),
        ({"year": "26"}, "zwischen 2000 und 2100"),
    ):
        response = client.post(url, {**ok, **bad})
        assert response.status_code == 422 and message in response.content.decode(), bad
    budget.refresh_from_db()
    assert budget.planned_teur == Decimal(180)  # the refused posts changed nothing
    # The same year again overwrites instead of adding a row.
    client.post(url, {**ok, "planned_teur": "200"})
    assert project.budgets.get().planned_teur == Decimal(200)


def test_a_status_other_than_green_needs_a_reason(town: dict[str, Any], project: Project) -> None:
    client = staff_client(town["digi"])
    url = f"/intern/steuerung/projekte/{project.uuid}/"
    form = {"_action": "update", "name": "Online-Anträge", "action_field": "ozg", "owner": str(town["digi"].pk),
            "status": "red", "services": ["99115005104000"]}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 422 and "den Grund nennen" in response.content.decode()
    assert client.post(url, {**form, "status_reason": "Schnittstelle fehlt"}).status_code == 302
    project.refresh_from_db()
    assert (project.status, project.status_reason) == ("red", "Schnittstelle fehlt")
    # A service or owner of another kind is refused: the owner must be staff of this municipality.
    citizen = CitizenFactory(tenant=town["tenant"])
    response = client.post(url, {**form, "status_reason": "x", "owner": str(citizen.pk)})
    assert response.status_code == 422 and "Projektleitung" in response.content.decode()


def test_milestones_are_planned_and_marked_done(town: dict[str, Any], project: Project) -> None:
    client = staff_client(town["digi"])
    url = f"/intern/steuerung/projekte/{project.uuid}/"
    assert client.post(url, {"_action": "milestone", "title": "Go-live", "due_on": "30.11.2026"}).status_code == 302
    response = client.post(url, {"_action": "milestone", "title": "Kaputt", "due_on": "2026-13-01"})
    assert response.status_code == 422 and "Dieses Datum gibt es nicht." in response.content.decode()
    milestone = project.milestones.get()
    assert milestone.due_on == dt.date(2026, 11, 30)
    client.post(url, {"_action": "milestone_done", "milestone": str(milestone.pk)})
    milestone.refresh_from_db()
    assert milestone.done_on is not None


def test_an_invited_participant_sees_and_comments_on_their_project_only(town: dict[str, Any], project: Project) -> None:
    tenant = town["tenant"]
    other = projects.save_project(
        tenant=tenant, raw={"name": "Geheimprojekt", "action_field": "ozg", "owner": str(town["digi"].pk)},
        lists={"processes": [], "services": []},
    )  # fmt: skip
    partner = CitizenFactory(tenant=tenant, email="berater@ivl.example")
    staff = staff_client(town["digi"])
    url = f"/intern/steuerung/projekte/{project.uuid}/"
    response = staff.post(url, {"_action": "invite", "email": "unbekannt@example.org"})
    assert response.status_code == 422 and "Kein Konto" in response.content.decode()
    assert staff.post(url, {"_action": "invite", "email": "Berater@IVL.example"}).status_code == 302
    assert mailbox.thread(tenant.pk, f"project:{project.uuid}") is not None  # told through the mailbox

    client = Client(HTTP_HOST="alpha.testserver")
    login_citizen(client, partner)
    page = client.get(f"/intern/steuerung/beteiligung/{project.uuid}/")
    assert page.status_code == 200 and "Online-Anträge" in page.content.decode()
    assert (
        client.post(
            f"/intern/steuerung/beteiligung/{project.uuid}/", {"body": "Schnittstelle ist bestellt."}
        ).status_code
        == 302
    )
    assert ProjectComment.objects.for_tenant(tenant).get().author == partner
    # Not the other project, not the staff pages, not the catalog.
    assert client.get(f"/intern/steuerung/beteiligung/{other.uuid}/").status_code == 404
    assert client.post(f"/intern/steuerung/beteiligung/{other.uuid}/", {"body": "x"}).status_code == 404
    assert client.get(url).status_code in (302, 403)
    assert client.get("/intern/steuerung/").status_code in (302, 403)
    # Someone not invited sees nothing; an anonymous visitor is sent to the login.
    stranger = Client(HTTP_HOST="alpha.testserver")
    login_citizen(stranger, CitizenFactory(tenant=tenant))
    assert stranger.get(f"/intern/steuerung/beteiligung/{project.uuid}/").status_code == 404
    anonymous = Client(HTTP_HOST="alpha.testserver").get(f"/intern/steuerung/beteiligung/{project.uuid}/")
    assert anonymous.status_code == 302 and "/konto/anmelden/" in anonymous["Location"]
    # A deactivated participant loses access.
    partner.is_active = False
    partner.save()
    assert selectors.project_for_participant(partner, tenant, project.uuid) is None


def test_the_weakest_criterion_decides_and_history_is_kept(town: dict[str, Any]) -> None:
    client = staff_client(town["digi"])
    url = "/intern/steuerung/reifegrad/wohnsitz-anmelden/"
    stages = dict.fromkeys(maturity.CRITERION_KEYS, "5") | {"payment": "2"}
    assert client.post(url, {**stages, "assessed_on": "2026-01-15"}).status_code == 302
    assert (
        client.post(url, {**stages, "payment": "4", "assessed_on": "2026-06-30", "note": "ePayBL"}).status_code == 302
    )
    service = town["anmeldung"]
    assert selectors.service_maturity(town["tenant"], service.pk) == 4
    levels = list(MaturityAssessment.objects.for_tenant(town["tenant"]).values_list("level", flat=True))
    assert levels == [4, 2]  # newest first, the first one kept
    page = client.get(url).content.decode()
    assert "Aktuelle Stufe: 4" in page and "Bezahlung" in page
    # Every criterion must be rated, 0–7 only; nothing is stored otherwise.
    response = client.post(url, {**stages, "records": "8", "usability": ""})
    assert response.status_code == 422
    assert MaturityAssessment.objects.for_tenant(town["tenant"]).count() == 2
    latest = MaturityAssessment.objects.for_tenant(town["tenant"]).first()
    assert latest is not None
    latest.level = 7
    with pytest.raises(ImmutableRecord):
        latest.save()
    assert client.get("/intern/steuerung/reifegrad/gibt-es-nicht/").status_code == 404


def test_maturity_of_a_service_never_assessed_is_none(town: dict[str, Any]) -> None:
    assert selectors.service_maturity(town["tenant"], town["wohngeld"].pk) is None
    assert maturity.level_of(dict.fromkeys(maturity.CRITERION_KEYS, 3) | {"status": 1}) == 1
    with pytest.raises(ValueError, match="every criterion"):
        maturity.level_of({"status": 1})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_project_texts_and_comments_are_stored_cleaned_or_refused(
    town: dict[str, Any], project: Project, text: str
) -> None:
    """NUL and lone surrogates are refused with a message at the field (PostgreSQL cannot store them)."""
    refused = "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    try:
        comment = projects.comment(tenant=town["tenant"], project=project, author=town["digi"], body=text)
    except ValidationFailed as exc:
        assert exc.errors[0]["field"] == "body"
        assert refused or not text.strip() or clean_text(text, multiline=True) == ""
    else:
        assert not refused
        assert ProjectComment.objects.for_tenant(town["tenant"]).get(pk=comment.pk).body == clean_text(
            text, multiline=True
        )
    try:
        saved = projects.save_project(
            tenant=town["tenant"], project=project, lists={"processes": [], "services": []},
            raw={"name": text, "action_field": "ozg", "owner": str(town["digi"].pk), "risks": text},
        )  # fmt: skip
    except ValidationFailed as exc:
        assert {e["field"] for e in exc.errors} <= {"name", "risks"}
        assert refused or not clean_text(text) or len(clean_text(text)) > 200
    else:
        saved.refresh_from_db()
        assert saved.name == clean_text(text) and not refused
