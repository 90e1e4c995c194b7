"""An application submitted at a trust level is shown again only to a session that reaches that level.

"Meine Anträge" lists what this login may see and says how many more there are (with a link to log in at the
level); the detail page, the receipt, the files, paying and writing a message send a weaker session to log in
at the level first. Without this, a password session of the same account (or an account someone took over)
would read what was submitted with the Online-Ausweis.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.identity.tests.factories import login_citizen

from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")

LEVELS = ["low", "substantial", "high"]


def _submit(tenant: Any, citizen: Any, form: Any, level: str) -> Application:
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level=level)


def _asks_for_level(response: Any, level: str, next_path: str) -> bool:
    if response.status_code != 302:
        return False
    target = urlparse(response["Location"])
    query = parse_qs(target.query)
    return query.get("level") == [level] and query.get("next") == [next_path]


@pytest.mark.parametrize("submitted_at", LEVELS)
@pytest.mark.parametrize("session", LEVELS)
def test_detail_receipt_and_pay_demand_the_level_of_the_submission(
    tclient: Client, tenant: Any, citizen: Any, hund_form: Any, submitted_at: str, session: str
) -> None:
    application = _submit(tenant, citizen, hund_form, submitted_at)
    login_citizen(tclient, citizen, level=session)
    enough = LEVELS.index(session) >= LEVELS.index(submitted_at)
    detail = f"/antraege/{application.number}/"
    receipt = f"/antraege/{application.number}/eingangsbestaetigung.pdf"

    page = tclient.get(detail)
    pdf = tclient.get(receipt)
    message = tclient.post(detail, {"body": "Wann ist mein Antrag fertig?"})
    pay = tclient.post(f"/antraege/{application.number}/bezahlen/")
    if enough:
        assert page.status_code == 200 and application.number in page.content.decode()
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert message.status_code == 302 and message["Location"] == detail
        assert pay.status_code == 302 and "level=" not in pay["Location"]
    else:
        assert _asks_for_level(page, submitted_at, detail)
        assert application.number not in page.content.decode()
        assert _asks_for_level(pdf, submitted_at, receipt)
        assert _asks_for_level(message, submitted_at, detail)
        assert _asks_for_level(pay, submitted_at, detail)
        from rathaus.mailbox import selectors as mailbox_selectors

        assert not list(mailbox_selectors.messages(tenant, application.mailbox_reference))  # nothing was sent


def test_a_file_of_the_application_demands_the_level_too(
    tclient: Client, tenant: Any, citizen: Any, hund_form: Any
) -> None:
    application = _submit(tenant, citizen, hund_form, "high")
    login_citizen(tclient, citizen, level="substantial")
    url = f"/antraege/{application.number}/dateien/{'0' * 64}/"
    assert _asks_for_level(tclient.get(url), "high", url)
    login_citizen(tclient, citizen, level="high")
    assert tclient.get(url).status_code == 404  # at the level: the usual answer for a file it does not have


def test_my_applications_lists_only_what_the_session_may_see_and_offers_the_stronger_login(
    tclient: Client, tenant: Any, citizen: Any, hund_form: Any
) -> None:
    low = _submit(tenant, citizen, hund_form, "low")
    substantial = _submit(tenant, citizen, hund_form, "substantial")
    high = _submit(tenant, citizen, hund_form, "high")

    login_citizen(tclient, citizen, level="low")
    page = tclient.get("/antraege/")
    html = page.content.decode()
    assert page.status_code == 200
    assert low.number in html and substantial.number not in html and high.number not in html
    assert "2 weitere Anträge" in html
    assert "level=high" in html and "next=%2Fantraege%2F" in html  # the strongest level that is needed

    login_citizen(tclient, citizen, level="substantial")
    html = tclient.get("/antraege/").content.decode()
    assert low.number in html and substantial.number in html and high.number not in html
    assert "1 weiterer Antrag" in html

    login_citizen(tclient, citizen, level="high")
    html = tclient.get("/antraege/").content.decode()
    assert all(a.number in html for a in (low, substantial, high))
    assert "weitere" not in html


def test_the_api_applies_the_same_rule(tclient: Client, tenant: Any, citizen: Any, hund_form: Any) -> None:
    low = _submit(tenant, citizen, hund_form, "low")
    high = _submit(tenant, citizen, hund_form, "high")
    login_citizen(tclient, citizen, level="low")
    listed = [a["number"] for a in tclient.get("/api/v1/applications/applications").json()]
    assert listed == [low.number]
    refused = tclient.get(f"/api/v1/applications/applications/{high.number}")
    assert refused.status_code == 403 and refused.json()["type"].endswith("/trust-level-too-low")
    login_citizen(tclient, citizen, level="high")
    listed = [a["number"] for a in tclient.get("/api/v1/applications/applications").json()]
    assert sorted(listed) == sorted([low.number, high.number])
    assert tclient.get(f"/api/v1/applications/applications/{high.number}").status_code == 200
