"""What the fourth mutation run's remaining part found untested in applications.services (issue 6).

Deleting an account's drafts: all of its drafts and only those, its applications kept, the count returned.
A fee below one euro is a fee (open, paid before forwarding); a form that asks for payment first but costs
nothing is forwarded at once. A second submission of the same draft that raced the first one — it waited for
the first one's lock, or lost at the insert — gets the first one's application, for a person and for an
organisation. A submission over the total size limit names the files and the reason. The number's year and
the first status event come from the same instant as the submission time.
"""

from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, StatusEvent
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.core.errors import ValidationFailed
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory

from .conftest import HUND_FORM
from .test_business_accounts import _org_application, firm  # noqa: F401 - the fixture of two representatives
from .test_submission_files import _fill_with_photo, unterlagen_form  # noqa: F401 - the form with two files
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")


def _draft(tenant: Any, owner: Any, form: Any) -> Draft:
    return Draft.objects.create(tenant=tenant, owner=owner, form_version=form, answers=ANSWERS)


# --------------------------------------------------------------------------- deleting an account's drafts


def test_deleting_an_accounts_drafts_deletes_all_of_them_and_nothing_else(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    submitted = services.submit(
        draft_uuid=_draft(tenant, citizen, hund_form).uuid, tenant=tenant, actor=citizen, trust_level="low"
    )
    mine = {_draft(tenant, citizen, hund_form).pk, _draft(tenant, citizen, hund_form).pk}
    other = CitizenFactory(tenant=tenant, email="max@example.org")
    theirs = _draft(tenant, other, hund_form)

    assert services.delete_drafts_of(tenant=tenant, owner=citizen) == 2

    assert not Draft.objects.unscoped().filter(pk__in=mine).exists()
    assert list(Draft.objects.unscoped().values_list("pk", flat=True)) == [theirs.pk]
    assert list(Application.objects.for_tenant(tenant).values_list("pk", flat=True)) == [submitted.pk]
    assert services.delete_drafts_of(tenant=tenant, owner=citizen) == 0


# --------------------------------------------------------------------------- fees at their edges


def _submitted_with(tenant: Any, citizen: Any, slug: str, **definition: Any) -> Application:
    service: Any = ServiceFactory(tenant=tenant, slug=slug, name=slug, trust_level="low")
    form = services.publish_form(service=service, definition={**HUND_FORM, "id": slug, **definition})
    draft = _draft(tenant, citizen, form)
    return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")


def _kinds(tenant: Any, application: Application) -> list[str]:
    return list(Event.objects.for_tenant(tenant).filter(subject=application.number).values_list("kind", flat=True))


def test_a_fee_below_one_euro_is_open_and_paid_before_forwarding(tenant: Any, citizen: Any) -> None:
    fees = [{"label": "Marke", "amount": "0.50", "per": "hunde.hund"}]
    application = _submitted_with(tenant, citizen, "hundemarke", fees=fees)

    assert application.fee_total == Decimal("0.50")
    assert application.payment_state == Application.PaymentState.OPEN
    assert application.payment_required_first is True
    assert application.forwarded_at is None
    assert _kinds(tenant, application) == ["application.submitted"]


def test_a_form_that_asks_for_payment_first_but_costs_nothing_is_forwarded_at_once(tenant: Any, citizen: Any) -> None:
    application = _submitted_with(tenant, citizen, "hund-gratis", fees=[])

    assert application.fee_total == 0
    assert application.payment_state == Application.PaymentState.NOT_REQUIRED
    assert application.payment_required_first is False
    assert application.forwarded_at == application.submitted_at
    assert _kinds(tenant, application) == ["application.submitted", "application.forwardable"]


# --------------------------------------------------------------------------- a second submission that raced the first


def _first_submission(kind: str, tenant: Any, citizen: Any, hund_form: Any, firm: Any) -> tuple[Application, Any, Any]:  # noqa: F811
    """The first submission, who submits again and for which organisation (None: for themselves)."""
    if kind == "person":
        draft = _draft(tenant, citizen, hund_form)
        return services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low"), citizen, None
    return _org_application(tenant, firm), firm["erna"], firm["org"].pk


def _first_lookup_misses(monkeypatch: Any) -> None:
    """The lookup before the lock finds nothing yet (the first submission had not committed then)."""
    real, calls = services.submitted, []

    def submitted(**kwargs: Any) -> Application | None:
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(services, "submitted", submitted)


def _submitting_again_gives_the_first(first: Application, tenant: Any, actor: Any, organisation_id: Any) -> None:
    again = services.submit(
        draft_uuid=first.draft_uuid, tenant=tenant, actor=actor, trust_level="low", organisation_id=organisation_id
    )
    assert again.pk == first.pk
    assert Application.objects.for_tenant(tenant).count() == 1


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_a_second_submission_that_waited_for_the_lock_gets_the_first_application(
    kind: str,
    tenant: Any,
    citizen: Any,
    hund_form: Any,
    firm: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    first, actor, organisation_id = _first_submission(kind, tenant, citizen, hund_form, firm)
    _first_lookup_misses(monkeypatch)

    _submitting_again_gives_the_first(first, tenant, actor, organisation_id)


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_a_second_submission_that_lost_the_race_at_the_insert_gets_the_first_application(
    kind: str,
    tenant: Any,
    citizen: Any,
    hund_form: Any,
    firm: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    first, actor, organisation_id = _first_submission(kind, tenant, citizen, hund_form, firm)
    # The loser still saw the draft under its lock: the same draft once more, so that its insert collides.
    Draft.objects.create(
        tenant=tenant,
        owner=first.started_by,
        organisation_id=organisation_id,
        form_version=hund_form,
        answers=ANSWERS,
        uuid=first.draft_uuid,
    )
    _first_lookup_misses(monkeypatch)

    _submitting_again_gives_the_first(first, tenant, actor, organisation_id)


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_a_repeat_submission_inside_a_callers_transaction_returns_the_first_application(
    kind: str,
    tenant: Any,
    citizen: Any,
    hund_form: Any,
    firm: Any,  # noqa: F811
) -> None:
    """The lookup before the durable block answers a repeat at once, so a caller's open transaction (where the
    durable block may not run) still gets the first application (mutants submit 9 and 10 of the fourth run)."""
    first, actor, organisation_id = _first_submission(kind, tenant, citizen, hund_form, firm)
    with transaction.atomic():
        _submitting_again_gives_the_first(first, tenant, actor, organisation_id)


# ------------------------------------------------------------------------- the total size, again at submission


def test_a_submission_over_the_total_limit_names_the_files_and_the_reason(
    mia: Any,
    citizen: Any,
    tenant: Any,
    unterlagen_form: Any,  # noqa: F811
    settings: Any,
) -> None:
    draft = _fill_with_photo(mia)
    settings.RATHAUS_MAX_SUBMISSION_BYTES = 1  # lowered since the uploads

    with pytest.raises(ValidationFailed) as refused:
        services.submit(draft_uuid=draft, tenant=tenant, actor=citizen, trust_level="low")
    assert refused.value.errors == [{"field": "files", "code": "total_too_large"}]
    assert str(refused.value.detail).startswith("Alle Dateien zusammen sind zu groß")
    assert not Application.objects.unscoped().exists()


# --------------------------------------------------------------------------- one instant for the whole submission


def test_the_number_year_and_the_first_status_event_come_from_the_submission_instant(
    tenant: Any, citizen: Any, hund_form: Any, monkeypatch: Any
) -> None:
    """Read once: 31 Dec 23:30 UTC is already New Year in Berlin, whatever the clock says a moment later."""
    instant = dt.datetime(2030, 12, 31, 23, 30, tzinfo=dt.UTC)
    clock = types.SimpleNamespace(now=lambda: instant, localdate=timezone.localdate)
    monkeypatch.setattr(services, "timezone", clock)  # only the submission's own reading of the clock

    draft = _draft(tenant, citizen, hund_form)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")

    assert application.number == "A-2031-000001"
    assert application.submitted_at == instant
    first = StatusEvent.objects.for_tenant(tenant).get(application=application)
    assert first.at == instant


# ------------------------------------------------------------------ the draft list reads everything in one query


def test_the_draft_list_reads_service_and_owner_in_one_query_without_the_form_definitions(
    tenant: Any, citizen: Any, hund_form: Any
) -> None:
    """``drafts_of`` feeds the account page: service name and owner come with the drafts (one query, however many
    drafts), and the published forms' definitions (large JSON) stay unread (mutants drafts_of 2, 5 and 6)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rathaus.applications import selectors

    for _ in range(3):
        _draft(tenant, citizen, hund_form)
    with CaptureQueriesContext(connection) as queries:
        rows = [(d.form_version.service.name, d.owner.email) for d in selectors.drafts_of(tenant, citizen)]
    assert len(rows) == 3 and len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert '"definition"' not in queries.captured_queries[0]["sql"]
