"""More of what the mutation run of applications.services/selectors found untested (issue 6).

A step validated against the earlier steps' answers and the given day, the upload limit also when a file comes
with a step, a file for a field that does not exist beside one that does, a repeat item added while a file is
refused, the draft of another service not resumed, and an application's page without a query per relation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.applications import selectors, services
from rathaus.applications.models import Draft
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.selectors import Acting

from .conftest import pdf_upload
from .test_business_accounts import _org_application, firm  # noqa: F401 - the fixture of two representatives
from .test_relative_dates_berlin import TERMIN_FORM
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")

FILE = "hunde.nachweis.datei"
DAY = dt.date(2020, 1, 1)  # far from the real date: a step checked against the clock would judge otherwise


@pytest.fixture
def termin_form(tenant: Any) -> Any:
    service: Any = ServiceFactory(tenant=tenant, slug="termin-test", name="Termin", trust_level="low")
    return services.publish_form(service=service, definition=TERMIN_FORM)


def _draft(tenant: Any, owner: Any, form: Any, answers: dict[str, Any] | None = None) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=owner, form_version=form, answers=answers or {})


def _stored(draft: Draft) -> Draft:
    return Draft.objects.for_tenant(draft.tenant_id).get(pk=draft.pk)


# --------------------------------------------------------------------------- the step's context


def test_a_step_is_checked_against_the_day_it_is_given(tenant: Any, citizen: Any, termin_form: Any) -> None:
    draft = _draft(tenant, citizen, termin_form)
    data = {"angaben.termin.tag": "02.01.2020", "angaben.termin.geburt": "01.01.2002"}  # 18 on DAY

    result = services.save_step(draft=draft, step_id="angaben", data=data, today=DAY)
    assert result.ok, result.errors
    assert _stored(draft).answers["angaben"]["termin"] == {"tag": "2020-01-02", "geburt": "2002-01-01"}

    too_young = {**data, "angaben.termin.geburt": "02.01.2002"}
    refused = services.save_step(draft=draft, step_id="angaben", data=too_young, today=DAY)
    assert refused.errors == {"angaben.termin.geburt": ["Bitte geben Sie ein Datum bis zum 01.01.2002 an."]}


@pytest.mark.parametrize(("tag", "kept"), [("2020-01-02", True), ("2020-03-01", False)])
def test_a_follow_up_question_depends_on_the_answers_of_an_earlier_step(
    tenant: Any, citizen: Any, termin_form: Any, tag: str, kept: bool
) -> None:
    """ "Grund der Eile" is asked only for a date within two days: the answer of step one decides in step two."""
    draft = _draft(tenant, citizen, termin_form, {"angaben": {"termin": {"tag": tag, "geburt": "1990-01-01"}}})

    result = services.save_step(draft=draft, step_id="eile", data={"eile.gruende.grund": "Umzug"}, today=DAY)
    assert result.ok, result.errors
    expected = {"grund": "Umzug"} if kept else {}
    assert _stored(draft).answers["eile"] == {"gruende": expected}


# --------------------------------------------------------------------------- uploads with a step


def test_the_upload_limit_holds_for_files_posted_with_a_step(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "UPLOADS_PER_HOUR", 1)
    draft = _draft(tenant, citizen, hund_form, ANSWERS)
    data = {"hunde.hund.0.name": "Bo"}
    assert services.save_step(draft=draft, step_id="hunde", data=data, uploads={FILE: pdf_upload()}).ok
    first = _stored(draft).files[FILE]

    again = services.save_step(draft=draft, step_id="hunde", data=data, uploads={FILE: pdf_upload("zwei.pdf")})
    assert not again.ok
    assert any("sehr viele Dateien" in str(m) for m in again.errors[FILE]), again.errors
    assert _stored(draft).files[FILE] == first


def test_a_file_for_a_field_that_does_not_exist_leaves_the_other_files_of_the_post_alone(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    draft = _draft(tenant, citizen, hund_form, ANSWERS)
    uploads = {"hunde.gibt.es.nicht": pdf_upload("fremd.pdf"), FILE: pdf_upload("nachweis.pdf")}

    result = services.save_step(draft=draft, step_id="hunde", data={"hunde.hund.0.name": "Bo"}, uploads=uploads)
    assert result.ok, result.errors
    stored = _stored(draft)
    assert set(stored.files) == {FILE}
    assert stored.files[FILE]["name"] == "nachweis.pdf"
    assert stored.answers["hunde"]["nachweis"]["datei"]["key"] == stored.files[FILE]["key"]


def _not_a_pdf() -> Any:
    return pdf_upload("nachweis.pdf", b"Das ist kein PDF, nur Text.\n" * 4)


def test_adding_a_repeat_item_shows_no_errors_and_keeps_no_refused_file(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    """An add/remove post is not "Weiter": the page comes back with the new item and without error messages
    (the refused file is reported when the step is sent); nothing refused is stored."""
    draft = _draft(tenant, citizen, hund_form, ANSWERS)
    data = {"hunde.hund.0._item": "1", "hunde.hund.0.name": "Bo", "_add:hunde.hund": "1"}
    result = services.save_step(draft=draft, step_id="hunde", data=data, uploads={FILE: _not_a_pdf()})
    assert result.action is not None and result.action.kind == "add"
    assert result.errors == {}
    assert len(result.display["hund"]) == 2
    assert FILE not in _stored(draft).files

    sent = services.save_step(
        draft=draft, step_id="hunde", data={"hunde.hund.0.name": "Bo"}, uploads={FILE: _not_a_pdf()}
    )
    assert not sent.ok and sent.errors[FILE]


# --------------------------------------------------------------------------- resuming a draft


def test_a_draft_of_another_service_is_not_resumed(tenant: Any, citizen: Any, hund_form: Any, termin_form: Any) -> None:
    hund = services.start_draft(tenant=tenant, service=hund_form.service, owner=citizen, form_version=hund_form)

    termin = services.start_draft(tenant=tenant, service=termin_form.service, owner=citizen, form_version=termin_form)
    assert termin.pk != hund.pk
    assert termin.form_version_id == termin_form.pk and termin.step == "angaben"
    again = services.start_draft(tenant=tenant, service=hund_form.service, owner=citizen, form_version=hund_form)
    assert again.pk == hund.pk


# --------------------------------------------------------------------------- one application


def test_an_application_is_read_with_applicant_organisation_and_starter_without_further_queries(
    tenant: Any,
    firm: dict[str, Any],  # noqa: F811 - the fixture imported above
) -> None:
    submitted = _org_application(tenant, firm, starter="karl", submitter="erna")
    acting = Acting(user=firm["karl"], organisation_id=firm["org"].pk)

    application = selectors.application_of(tenant, acting, submitted.number)
    assert application is not None
    with CaptureQueriesContext(connection) as reading:
        seen = (
            application.service.name,
            application.form_version.version,
            application.applicant.email,
            application.organisation.name if application.organisation else None,
            application.started_by.email if application.started_by else None,
        )
    assert reading.captured_queries == [], reading.captured_queries
    assert seen == ("Hund anmelden", 1, "erna@firma.example", "Musterbau GmbH", "karl@firma.example")
