"""The service's trust level is checked on every request that reads or changes a draft, not only at the entry.

Each step (GET and every POST action), the summary, the submission and every API endpoint that touches a draft
is called at every combination of the service's level and the session's level. Below the needed level the
request is refused and changes nothing (the draft row is as it was, no file is stored, no application exists);
at or above it the request does its work. A session that drops to a weaker login in the middle of an
application is refused at its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from rathaus.applications.models import Application, Draft
from rathaus.attachments import storage
from rathaus.identity.tests.factories import login_citizen

from .conftest import STEP_HALTER, pdf_upload

pytestmark = pytest.mark.usefixtures("fake_scanner")

# Written out here rather than taken from rathaus.identity.trust, so a wrong order there fails these tests.
LEVELS = ["none", "low", "substantial", "high"]
SLUG = "hund-anmelden"
START_URL = f"/antraege/neu/{SLUG}/"
API = "/api/v1/applications"

ANSWERS = {
    "halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}},
    "hunde": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}},
}


def _allowed(service_level: str, session_level: str) -> bool:
    """An online application needs at least *niedrig* (an account), or the service's own higher level."""
    return LEVELS.index(session_level) >= max(LEVELS.index(service_level), LEVELS.index("low"))


MATRIX = [
    pytest.param(service_level, session_level, id=f"service_{service_level}-session_{session_level}")
    for service_level in LEVELS
    for session_level in LEVELS
]


def _state(draft: Draft) -> dict[str, Any] | None:
    """Everything a request could change on the draft row (None when the row is gone)."""
    return (
        Draft.objects.unscoped()
        .filter(pk=draft.pk)
        .values("answers", "files", "step", "expires_at", "updated_at")
        .first()
    )


def _stored_blobs() -> list[str]:
    return list(storage.iter_keys())


@pytest.fixture
def setup(tclient: Client, citizen: Any, hund_service: Any, hund_form: Any, tenant: Any) -> Callable[..., Draft]:
    """Set the service's level, log Mia in at the session's level, and give her one complete open draft."""

    def make(service_level: str, session_level: str) -> Draft:
        hund_service.trust_level = service_level
        hund_service.save(update_fields=["trust_level"])
        login_citizen(tclient, citizen, level=session_level)
        return Draft.objects.create(
            tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS, step="halter"
        )

    return make


def _assert_refused_and_unchanged(draft: Draft, before: dict[str, Any] | None) -> None:
    assert _state(draft) == before
    assert not Application.objects.unscoped().exists()
    assert _stored_blobs() == []


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageCase:
    name: str
    call: Callable[[Client, Draft], Any]
    check_allowed: Callable[[Any, Draft, str], None]

    def __str__(self) -> str:
        return self.name


def _step_url(draft: Draft, step_id: str) -> str:
    return f"/antraege/entwurf/{draft.uuid}/schritt/{step_id}/"


def _summary_url(draft: Draft) -> str:
    return f"/antraege/entwurf/{draft.uuid}/zusammenfassung/"


def _fresh(draft: Draft) -> Draft:
    return Draft.objects.unscoped().get(pk=draft.pk)


def _step_get_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 200
    assert 'value="Mustermann"' in response.content.decode()


def _step_next_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 302 and response["Location"] == _step_url(draft, "hunde")
    stored = _fresh(draft)
    assert stored.answers["halter"]["person"] == {"vorname": "Lena", "nachname": "Neumann"}
    assert stored.step == "hunde"


def _step_save_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 302 and response["Location"] == "/antraege/"
    stored = _fresh(draft)
    assert not stored.answers["hunde"]["hund"][0].get("name")  # kept as typed (empty), to be finished later
    assert stored.step == "hunde"


def _step_back_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 302 and response["Location"] == _step_url(draft, "halter")
    assert _fresh(draft).answers["hunde"]["hund"][0]["name"] == "Rex"


def _step_upload_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 302 and response["Location"] == _summary_url(draft)
    stored = _fresh(draft)
    assert stored.files["hunde.nachweis.datei"]["name"] == "nachweis.pdf"
    assert stored.answers["hunde"]["hund"][0]["name"] == "Rex"
    assert len(_stored_blobs()) == 1


def _summary_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 200
    assert "Bello" in response.content.decode()


def _submit_allowed(response: Any, draft: Draft, level: str) -> None:
    application = Application.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == f"/antraege/{application.number}/eingereicht/"
    assert application.trust_level == level  # recorded as this session's level
    assert _state(draft) is None


PAGE_CASES = [
    PageCase("step_get", lambda c, d: c.get(_step_url(d, "halter")), _step_get_allowed),
    PageCase(
        "step_post_next",
        lambda c, d: c.post(
            _step_url(d, "halter"),
            {"halter.person.vorname": "Lena", "halter.person.nachname": "Neumann", "_action": "next"},
        ),
        _step_next_allowed,
    ),
    PageCase(
        "step_post_save",
        lambda c, d: c.post(_step_url(d, "hunde"), {"hunde.hund.0.name": "", "_action": "save"}),
        _step_save_allowed,
    ),
    PageCase(
        "step_post_back",
        lambda c, d: c.post(_step_url(d, "hunde"), {"hunde.hund.0.name": "Rex", "_action": "back"}),
        _step_back_allowed,
    ),
    PageCase(
        "step_post_upload",
        lambda c, d: c.post(
            _step_url(d, "hunde"),
            {"hunde.hund.0.name": "Rex", "hunde.nachweis.datei": pdf_upload(), "_action": "next"},
        ),
        _step_upload_allowed,
    ),
    PageCase("summary_get", lambda c, d: c.get(_summary_url(d)), _summary_allowed),
    PageCase("submit", lambda c, d: c.post(_summary_url(d)), _submit_allowed),
]


@pytest.mark.parametrize("case", PAGE_CASES, ids=str)
@pytest.mark.parametrize(("service_level", "session_level"), MATRIX)
def test_every_page_of_a_draft_checks_the_trust_level(
    tclient: Client, setup: Callable[..., Draft], case: PageCase, service_level: str, session_level: str
) -> None:
    draft = setup(service_level, session_level)
    before = _state(draft)
    response = case.call(tclient, draft)
    if _allowed(service_level, session_level):
        case.check_allowed(response, draft, session_level)
    else:
        assert response.status_code == 302 and response["Location"] == START_URL
        _assert_refused_and_unchanged(draft, before)


# --------------------------------------------------------------------------- API


@dataclass(frozen=True)
class ApiCase:
    name: str
    call: Callable[[Client, Draft], Any]
    check_allowed: Callable[[Any, Draft, str], None]

    def __str__(self) -> str:
        return self.name


def _api_get_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 200
    assert response.json()["answers"]["hunde"]["hund"] == [{"name": "Bello"}]


def _api_put_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 200 and response.json()["ok"]
    assert _fresh(draft).answers["halter"]["person"] == {"vorname": "Lena", "nachname": "Neumann"}


def _api_upload_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 201
    assert _fresh(draft).files["hunde.nachweis.datei"]["sha256"] == response.json()["sha256"]
    assert len(_stored_blobs()) == 1


def _api_submit_allowed(response: Any, draft: Draft, level: str) -> None:
    assert response.status_code == 201
    application = Application.objects.unscoped().get()
    assert response.json()["number"] == application.number
    assert application.trust_level == level
    assert _state(draft) is None


API_CASES = [
    ApiCase("get_draft", lambda c, d: c.get(f"{API}/drafts/{d.uuid}"), _api_get_allowed),
    ApiCase(
        "put_step",
        lambda c, d: c.put(
            f"{API}/drafts/{d.uuid}/steps/halter",
            {"answers": {"person": {"vorname": "Lena", "nachname": "Neumann"}}},
            content_type="application/json",
        ),
        _api_put_allowed,
    ),
    ApiCase(
        "upload_file",
        lambda c, d: c.post(f"{API}/drafts/{d.uuid}/files/hunde.nachweis.datei", {"file": pdf_upload()}),
        _api_upload_allowed,
    ),
    ApiCase("submit", lambda c, d: c.post(f"{API}/drafts/{d.uuid}/submit"), _api_submit_allowed),
]


def _assert_trust_problem(response: Any) -> None:
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/trust-level-too-low")


@pytest.mark.parametrize("case", API_CASES, ids=str)
@pytest.mark.parametrize(("service_level", "session_level"), MATRIX)
def test_every_api_endpoint_of_a_draft_checks_the_trust_level(
    tclient: Client, setup: Callable[..., Draft], case: ApiCase, service_level: str, session_level: str
) -> None:
    draft = setup(service_level, session_level)
    before = _state(draft)
    response = case.call(tclient, draft)
    if _allowed(service_level, session_level):
        case.check_allowed(response, draft, session_level)
    else:
        _assert_trust_problem(response)
        _assert_refused_and_unchanged(draft, before)


@pytest.mark.parametrize(("service_level", "session_level"), MATRIX)
def test_starting_a_draft_through_the_api_checks_the_trust_level(
    tclient: Client, citizen: Any, hund_service: Any, hund_form: Any, service_level: str, session_level: str
) -> None:
    hund_service.trust_level = service_level
    hund_service.save(update_fields=["trust_level"])
    login_citizen(tclient, citizen, level=session_level)
    response = tclient.post(f"{API}/drafts", {"service": SLUG}, content_type="application/json")
    if _allowed(service_level, session_level):
        assert response.status_code == 201
        assert Draft.objects.unscoped().get().uuid.hex == response.json()["uuid"].replace("-", "")
    else:
        _assert_trust_problem(response)
        assert not Draft.objects.unscoped().exists()


@pytest.mark.parametrize(("service_level", "session_level"), MATRIX)
def test_starting_a_draft_on_the_page_checks_the_trust_level(
    tclient: Client, citizen: Any, hund_service: Any, hund_form: Any, service_level: str, session_level: str
) -> None:
    hund_service.trust_level = service_level
    hund_service.save(update_fields=["trust_level"])
    login_citizen(tclient, citizen, level=session_level)
    response = tclient.get(START_URL)
    if _allowed(service_level, session_level):
        draft = Draft.objects.unscoped().get()
        assert response.status_code == 302 and response["Location"] == _step_url(draft, "halter")
    else:
        needed = max(service_level, "low", key=LEVELS.index)
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/vertrauensniveau/") and f"level={needed}" in response["Location"]
        assert not Draft.objects.unscoped().exists()


# --------------------------------------------------------------------------- a weaker login mid-application

DROPS = [
    pytest.param("substantial", "low", id="substantial_service-relogin_low"),
    pytest.param("high", "substantial", id="high_service-relogin_substantial"),
    pytest.param("low", "none", id="low_service-relogin_unverified"),
]


@pytest.mark.parametrize(("service_level", "weaker"), DROPS)
def test_weaker_relogin_mid_application_is_refused_on_the_pages(
    tclient: Client, citizen: Any, hund_service: Any, hund_form: Any, service_level: str, weaker: str
) -> None:
    hund_service.trust_level = service_level
    hund_service.save(update_fields=["trust_level"])
    login_citizen(tclient, citizen, level="high")
    response = tclient.get(START_URL)
    draft = Draft.objects.unscoped().get()
    assert response["Location"] == _step_url(draft, "halter")
    response = tclient.post(_step_url(draft, "halter"), {**STEP_HALTER, "_action": "next"})
    assert response["Location"] == _step_url(draft, "hunde")

    login_citizen(tclient, citizen, level=weaker)  # logged in again, this time with a weaker method
    before = _state(draft)
    next_step = tclient.post(
        _step_url(draft, "hunde"), {"hunde.hund.0.name": "Bello", "hunde.nachweis.datei": pdf_upload()}
    )
    assert next_step.status_code == 302 and next_step["Location"] == START_URL
    explanation = tclient.get(next_step["Location"])
    needed = max(service_level, "low", key=LEVELS.index)
    assert (
        explanation["Location"].startswith("/konto/vertrauensniveau/") and f"level={needed}" in explanation["Location"]
    )
    assert tclient.get(_step_url(draft, "hunde"))["Location"] == START_URL
    assert tclient.get(_summary_url(draft))["Location"] == START_URL
    assert tclient.post(_summary_url(draft))["Location"] == START_URL
    _assert_refused_and_unchanged(draft, before)

    login_citizen(tclient, citizen, level="high")  # the strong login again: the same draft goes on
    response = tclient.post(_step_url(draft, "hunde"), {"hunde.hund.0.name": "Bello", "_action": "next"})
    assert response["Location"] == _summary_url(draft)
    tclient.post(_summary_url(draft))
    assert Application.objects.unscoped().get().trust_level == "high"


@pytest.mark.parametrize(("service_level", "weaker"), DROPS)
def test_weaker_relogin_mid_application_is_refused_in_the_api(
    tclient: Client, citizen: Any, hund_service: Any, hund_form: Any, service_level: str, weaker: str
) -> None:
    hund_service.trust_level = service_level
    hund_service.save(update_fields=["trust_level"])
    login_citizen(tclient, citizen, level="high")
    uuid = tclient.post(f"{API}/drafts", {"service": SLUG}, content_type="application/json").json()["uuid"]
    ok = tclient.put(
        f"{API}/drafts/{uuid}/steps/halter",
        {"answers": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}},
        content_type="application/json",
    )
    assert ok.status_code == 200
    draft = Draft.objects.unscoped().get()

    login_citizen(tclient, citizen, level=weaker)
    before = _state(draft)
    _assert_trust_problem(
        tclient.put(
            f"{API}/drafts/{uuid}/steps/hunde",
            {"answers": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}}},
            content_type="application/json",
        )
    )
    _assert_trust_problem(tclient.post(f"{API}/drafts/{uuid}/files/hunde.nachweis.datei", {"file": pdf_upload()}))
    _assert_trust_problem(tclient.get(f"{API}/drafts/{uuid}"))
    _assert_trust_problem(tclient.post(f"{API}/drafts/{uuid}/submit"))
    # Asking to start again does not hand out the open draft either.
    _assert_trust_problem(tclient.post(f"{API}/drafts", {"service": SLUG}, content_type="application/json"))
    _assert_refused_and_unchanged(draft, before)

    login_citizen(tclient, citizen, level="high")
    done = tclient.put(
        f"{API}/drafts/{uuid}/steps/hunde",
        {"answers": {"hund": [{"name": "Bello"}], "nachweis": {"datei": None}}},
        content_type="application/json",
    )
    assert done.status_code == 200
    submitted = tclient.post(f"{API}/drafts/{uuid}/submit")
    assert submitted.status_code == 201
    assert Application.objects.unscoped().get().trust_level == "high"


def test_raising_the_services_level_applies_to_drafts_already_open(
    tclient: Client, setup: Callable[..., Draft], hund_service: Any
) -> None:
    draft = setup("low", "low")
    assert tclient.get(_step_url(draft, "halter")).status_code == 200
    hund_service.trust_level = "substantial"  # the municipality decides the service needs more
    hund_service.save(update_fields=["trust_level"])
    before = _state(draft)
    assert tclient.post(_summary_url(draft))["Location"] == START_URL
    _assert_trust_problem(tclient.post(f"{API}/drafts/{draft.uuid}/submit"))
    _assert_refused_and_unchanged(draft, before)
