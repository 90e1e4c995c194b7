"""The caseworkers' work queues: the cases a staff member may see, filtered, counted, searched, sorted, paged.

Everything starts from ``selectors.cases_visible_to`` (the permission is in the SQL); filters and counts are
added to that query, never applied in Python. Paging is by offset with a hard cap on the page number, so a
crafted ``?seite=`` never asks the database to skip millions of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from rathaus.core.text import TextRefused, clean_text

from . import search
from .models import Case, Document, JournalEntry
from .selectors import cases_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality

PAGE_SIZE = 50
MAX_PAGE = 200
# The total under the list is counted up to here ("mehr als 1.000 Vorgänge"); the menu's counts are exact.
COUNT_CAP = 1000
MAX_QUERY = 100
OPEN_STATUSES = (Case.Status.NEW, Case.Status.IN_PROGRESS, Case.Status.WAITING)
# ?sortierung= value → order_by; every order ends in the primary key so pages never overlap.
SORTS = {
    "frist": ("due_on", "pk"),
    "eingang": ("-opened_at", "-pk"),
    "eingang_alt": ("opened_at", "pk"),
    "aktenzeichen": ("file__reference", "number", "pk"),
    "wiedervorlage": ("resubmit_on", "pk"),
}
DEFAULT_SORT = "frist"
# What a row of the case table shows (``records/_case_table.html``); the list loads nothing else.
ROW_FIELDS = (
    "uuid", "number", "subject", "status", "due_on", "resubmit_on", "file", "file__reference",
    "assignee", "assignee__first_name", "assignee__last_name", "assignee__email",
)  # fmt: skip


@dataclass
class QueueFilter:
    """What the staff member asked for (from the query string; anything unknown is ignored)."""

    scope: str = "einheit"  # "einheit" (all my units) or "meine" (assigned to me)
    status: str = ""  # a Case.Status value, "offen" (the default: not decided/closed) or "alle"
    service: str = ""
    overdue: bool = False
    assigned: str = ""  # "mir", "niemand" or ""
    query: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: Any) -> QueueFilter:
        f = cls()
        f.scope = "meine" if params.get("bereich") == "meine" else "einheit"
        status = params.get("status", "")
        f.status = status if status in (*Case.Status.values, "alle") else ""
        service = params.get("leistung", "")
        f.service = service if service.isascii() and service.isalnum() and len(service) <= 14 else ""
        f.overdue = params.get("ueberfaellig") == "1"
        assigned = params.get("zugewiesen", "")
        f.assigned = assigned if assigned in ("mir", "niemand") else ""
        try:
            f.query = clean_text(params.get("suche", ""))[:MAX_QUERY]
        except TextRefused as exc:
            f.errors.append(str(exc.message))
            f.query = ""
        sort = params.get("sortierung", "")
        f.sort = sort if sort in SORTS else DEFAULT_SORT
        try:
            f.page = min(max(int(params.get("seite", "1")), 1), MAX_PAGE)
        except (TypeError, ValueError):
            f.page = 1
        return f

    def menu_count(self, counts: Counts) -> int | None:
        """The total of this selection if it is one the menu counts exactly (the queue links), else None."""
        if self.query or self.service or self.status:
            return None
        mine = self.scope == "meine" or self.assigned == "mir"
        if self.overdue:
            return counts.overdue if not mine and not self.assigned else None
        if mine:
            return counts.mine
        return counts.unassigned if self.assigned == "niemand" else counts.open


def filtered(user: User | AnonymousUser, tenant: Municipality, f: QueueFilter) -> QuerySet[Case]:
    cases = cases_visible_to(user, tenant)
    if f.scope == "meine" or f.assigned == "mir":
        cases = cases.filter(assignee_id=user.pk)
    elif f.assigned == "niemand":
        cases = cases.filter(assignee__isnull=True)
    if f.status == "":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif f.status != "alle":
        cases = cases.filter(status=f.status)
    if f.service:
        cases = cases.filter(service_key=f.service)
    if f.overdue:
        cases = cases.filter(due_on__lt=timezone.localdate(), status__in=OPEN_STATUSES)
    if f.query:
        # The full-text search of the E-Akte (stems, Aktenzeichen, party, answers, document text), with the
        # same permission: its matching rows are a subquery here, the queue's filters and order stay.
        cases = cases.filter(pk__in=search.matching(user, tenant, f.query).values("case_id"))
    return cases


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    number: int
    has_previous: bool
    has_next: bool
    total: int  # up to COUNT_CAP
    capped: bool = False  # more than COUNT_CAP


def page_of(cases: QuerySet[Case], f: QueueFilter, total: int | None = None) -> Page:
    """One page: one query for the rows (one more than a page, to know whether another follows, and only the
    columns a row shows), one for the total, counted only up to ``COUNT_CAP`` — unless the rows already tell it
    (a last page that is not empty) or the caller knows it (``total``: the menu's exact count of the same
    selection). A search counts in the rows' query (``COUNT(*) OVER ()``): its matches are all read and sorted
    for the page anyway, and a second query would run the full-text search again."""
    start = (f.page - 1) * PAGE_SIZE
    rows_query = cases.select_related(None).select_related("file", "assignee").only(*ROW_FIELDS)
    if f.query and total is None:
        rows_query = rows_query.annotate(matches=Window(Count("pk")))
    rows = list(rows_query.order_by(*SORTS[f.sort])[start : start + PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    if total is not None:
        counted = total
    elif rows and not more:
        counted = start + len(rows)
    elif rows and f.query:
        counted = rows[0].matches  # type: ignore[attr-defined]
    else:
        counted = cases.order_by()[: COUNT_CAP + 1].count()
    return Page(
        cases=rows[:PAGE_SIZE],
        number=f.page,
        has_previous=f.page > 1,
        has_next=more and f.page < MAX_PAGE,
        total=min(counted, COUNT_CAP),
        capped=counted > COUNT_CAP,
    )


@dataclass(frozen=True)
class Counts:
    open: int
    mine: int
    unassigned: int
    overdue: int
    resubmission_due: int
    by_status: dict[str, int]


def counts(user: User | AnonymousUser, tenant: Municipality) -> Counts:
    """The numbers beside the queue links, in one aggregate query over the visible cases."""
    today = timezone.localdate()
    is_open = Q(status__in=OPEN_STATUSES)
    agg = cases_visible_to(user, tenant).aggregate(
        open=Count("pk", filter=is_open),
        mine=Count("pk", filter=is_open & Q(assignee_id=user.pk)),
        unassigned=Count("pk", filter=is_open & Q(assignee__isnull=True)),
        overdue=Count("pk", filter=is_open & Q(due_on__lt=today)),
        resubmission_due=Count("pk", filter=is_open & Q(resubmit_on__lte=today)),
        **{f"s_{value}": Count("pk", filter=Q(status=value)) for value in Case.Status.values},
    )
    return Counts(
        open=agg["open"],
        mine=agg["mine"],
        unassigned=agg["unassigned"],
        overdue=agg["overdue"],
        resubmission_due=agg["resubmission_due"],
        by_status={value: agg[f"s_{value}"] for value in Case.Status.values},
    )


def due_list(user: User | AnonymousUser, tenant: Municipality, *, days: int = 14) -> QuerySet[Case]:
    """Open cases whose deadline or resubmission date (Wiedervorlage) falls before today + ``days``."""
    until = timezone.localdate() + dt.timedelta(days=days)
    return (
        cases_visible_to(user, tenant)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(due_on__lte=until) | Q(resubmit_on__lte=until))
        .select_related(None)
        .select_related("file", "assignee")
        .only(*ROW_FIELDS)
        .order_by("due_on", "resubmit_on", "pk")
    )


def case_for(user: User | AnonymousUser, tenant: Municipality, case_uuid: Any) -> Case | None:
    """The visible case with this UUID, or None (another unit's, another municipality's, unknown)."""
    return (
        cases_visible_to(user, tenant)
        .select_related("file", "file__party", "file__plan_unit", "assignee")
        .filter(uuid=case_uuid)
        .first()
    )


def documents_of(case: Case) -> QuerySet[Document]:
    return Document.objects.for_tenant(case.tenant_id).filter(case=case).prefetch_related("versions")


def history_of(case: Case, *, limit: int = 200) -> QuerySet[JournalEntry]:
    """The journal entries about the case and its documents, newest first."""
    document_ids = [
        str(u) for u in Document.objects.for_tenant(case.tenant_id).filter(case=case).values_list("uuid", flat=True)
    ]
    about = Q(object_type="case", object_id=case.reference) | Q(object_type="document", object_id__in=document_ids)
    return JournalEntry.objects.filter(tenant_id=case.tenant_id).filter(about).order_by("-seq")[:limit]
