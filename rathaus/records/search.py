"""Full-text search over the E-Akte: cases by Aktenzeichen, subject, party, answers and document text.

The index is one row per case (:class:`~rathaus.records.models_search.CaseSearch`): ``meta`` (references,
subjects, party, application number, service key) and ``body`` (document titles and the text of every
document's latest, not destroyed version — the answers of an application are the text of its receipt). It is
kept in sync here, by ``post_save`` receivers on cases, files, parties, documents and versions, inside the
writer's transaction. The vendor index on top of it is made by migration ``0004_search``:

* PostgreSQL: generated ``tsvector`` column, ``german`` configuration (Snowball stemming: "Hunde" finds
  "Hund"), metadata weighted A, text B, GIN index; ranking by ``ts_rank``.
* SQLite: FTS5 (``unicode61 remove_diacritics 2``) kept in sync by triggers; query terms pass a light
  German suffix stripper and match as prefixes ("Hunde" → ``hund*``); ranking by ``bm25``.

The permission filter is in the SQL: the search row carries its case's owner unit, and one query over
``records_casesearch`` asks "matches and in one of my units" (``selectors.case_units_of``); the page's cases
are read with the unit condition again. Cases of another unit or municipality never appear, neither in the
results nor in the counts. Counting stops at ``COUNT_CAP`` ("mehr als 1.000"), so a broad word does not read
every hit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import BooleanField, Count, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save

from rathaus.tenants.models import Municipality, OrgUnit

from . import journal, selectors
from .models import Case, CaseFile, CaseSearch, Document, DocumentVersion, Party

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rathaus.identity.models import User

PAGE_SIZE = 20
# Above this many hits the page is ordered by recency, not by rank: ranking reads every hit's vector, which
# costs a second and more for a broad word over thousands of cases; a broad query is narrowed by the facets.
RANK_LIMIT = 500
MAX_TERMS = 12
MAX_TERM_LENGTH = 60
FACETS = ("status", "service", "unit")
_FACET_FIELDS = {"status": "status", "service": "service_key", "unit": "owner_unit_id"}
_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ern", "em", "en", "er", "es", "e", "s", "n")
# Counting stops here: a broad word over tens of thousands of cases is shown as "more than 1,000" (with the
# facets counted over the first 1,000 hits), instead of reading every hit's row for an exact number.
COUNT_CAP = 1000
GONE = ("destroyed", "archived")  # CaseFile.Status of files whose personal data has left the E-Akte


# --- the index ---------------------------------------------------------------------------------------------


def _spaced(reference: str) -> str:
    """``32.10.01-2026/0001`` also as ``32 10 01 2026 0001``, so every parser sees the same tokens."""
    return " ".join(_WORD.findall(reference))


def _compose(case_ids: Iterable[int], *, models: Mapping[str, Any] | None = None, using: str = "default") -> list[Any]:
    """The index rows of ``case_ids`` (not saved). ``models`` are historical models in a migration."""
    m = models or {"Case": Case, "Document": Document, "DocumentVersion": DocumentVersion, "CaseSearch": CaseSearch}
    ids = list(case_ids)
    if not ids:
        return []

    def manager(name: str) -> Any:
        model = m[name]
        return model.all_tenants.using(using) if hasattr(model, "all_tenants") else model._default_manager.using(using)

    texts: dict[int, list[str]] = {pk: [] for pk in ids}
    titles = manager("Document").filter(case_id__in=ids).values_list("pk", "case_id", "title")
    case_of_document: dict[int, int] = {}
    for pk, case_id, title in titles:
        case_of_document[pk] = case_id
        texts[case_id].append(title)
    seen: set[int] = set()
    versions = (
        manager("DocumentVersion")
        .filter(document_id__in=list(case_of_document))
        .order_by("document_id", "-version")
        .values_list("document_id", "text", "destroyed_at")
    )
    for document_id, text, destroyed_at in versions:
        if document_id in seen:
            continue
        seen.add(document_id)  # only the latest version counts
        if text and destroyed_at is None:
            texts[case_of_document[document_id]].append(text)
    rows = []
    cases = (
        manager("Case")
        .filter(pk__in=ids)
        .values_list(
            "pk",
            "tenant_id",
            "number",
            "subject",
            "service_key",
            "application_number",
            "file__reference",
            "file__subject",
            "file__party__name",
            "file__status",
            "owner_unit_id",
            "opened_at",
        )
    )
    for (pk, tenant_id, number, subject, service_key, application_number, reference, file_subject, party,
         file_status, owner_unit_id, opened_at) in cases:  # fmt: skip
        case_reference = f"{reference}/{number}"
        fields = dict(case_id=pk, tenant_id=tenant_id, owner_unit_id=owner_unit_id, opened_at=opened_at)
        if file_status in GONE:  # destroyed or handed to the archive: no personal data stays findable here
            rows.append(m["CaseSearch"](meta=f"{case_reference} {_spaced(case_reference)}", body="", **fields))
            continue
        meta = " ".join(
            part
            for part in (
                case_reference,
                _spaced(case_reference),
                file_subject,
                subject,
                party or "",
                application_number,
                _spaced(application_number),
                service_key,
            )
            if part
        )
        rows.append(m["CaseSearch"](meta=meta, body="\n".join(texts[pk]), **fields))
    return rows


def reindex(case_ids: Iterable[int], *, using: str = "default", models: Mapping[str, Any] | None = None) -> int:
    """Write the index rows of ``case_ids`` (insert or replace); returns how many."""
    rows = _compose(case_ids, models=models, using=using)
    model = (models or {"CaseSearch": CaseSearch})["CaseSearch"]
    manager = model.all_tenants if hasattr(model, "all_tenants") else model._default_manager
    fields = ["meta", "body", "tenant", "owner_unit", "opened_at"]
    manager.using(using).bulk_create(rows, update_conflicts=True, unique_fields=["case"], update_fields=fields)
    return len(rows)


def rebuild_all(*, using: str = "default", apps: Any = None, batch: int = 1000) -> int:
    """Index every case of every municipality (the migration, and after bulk loads such as the benchmark)."""
    models = None
    if apps is not None:
        models = {
            name: apps.get_model("records", name) for name in ("Case", "Document", "DocumentVersion", "CaseSearch")
        }
    case_model = (models or {"Case": Case})["Case"]
    manager = case_model.all_tenants if hasattr(case_model, "all_tenants") else case_model._default_manager
    ids = list(manager.using(using).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        done += reindex(ids[start : start + batch], using=using, models=models)
    return done


def _on_case(sender: Any, instance: Case, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        reindex([instance.pk])


def _on_file(sender: Any, instance: CaseFile, raw: bool = False, created: bool = False, **kwargs: Any) -> None:
    if not raw and not created:
        reindex(Case.objects.for_tenant(instance.tenant_id).filter(file=instance).values_list("pk", flat=True))


def _on_party(sender: Any, instance: Party, raw: bool = False, created: bool = False, **kwargs: Any) -> None:
    if not raw and not created:
        cases = Case.objects.for_tenant(instance.tenant_id).filter(file__party=instance)
        reindex(cases.values_list("pk", flat=True))


def _on_document(sender: Any, instance: Document, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        reindex([instance.case_id])


def _on_version(sender: Any, instance: DocumentVersion, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        case_id = Document.objects.for_tenant(instance.tenant_id).filter(pk=instance.document_id)
        reindex(case_id.values_list("case_id", flat=True))


def update_indexed(rows: QuerySet[Any], **values: Any) -> int:
    """``rows.update(**values)`` and the index rows of the cases they touch, in the caller's transaction.

    ``rows``: cases, files, parties, documents or document versions. ``update()`` sends no ``post_save``, so a
    bulk write that changes what the index holds (a subject, a title, a party's name, a file's status) goes
    through here: the one way besides ``save()``. Returns the number of rows updated.
    """
    case_ids = list(_cases_of(rows).values_list("pk", flat=True))
    updated = rows.update(**values)
    if case_ids:
        reindex(case_ids)
    return updated


def _cases_of(rows: QuerySet[Any]) -> QuerySet[Case]:
    cases = Case.objects.unscoped()
    match rows.model:
        case model if model is Case:
            return cases.filter(pk__in=rows.values("pk"))
        case model if model is CaseFile:
            return cases.filter(file__in=rows.values("pk"))
        case model if model is Party:
            return cases.filter(file__party__in=rows.values("pk"))
        case model if model is Document:
            return cases.filter(pk__in=rows.values("case_id"))
        case model if model is DocumentVersion:
            return cases.filter(documents__versions__in=rows.values("pk")).distinct()
    raise TypeError(f"{rows.model.__name__} is not indexed")


post_save.connect(_on_case, sender=Case, dispatch_uid="records.search.case")
post_save.connect(_on_file, sender=CaseFile, dispatch_uid="records.search.file")
post_save.connect(_on_party, sender=Party, dispatch_uid="records.search.party")
post_save.connect(_on_document, sender=Document, dispatch_uid="records.search.document")
post_save.connect(_on_version, sender=DocumentVersion, dispatch_uid="records.search.version")


# --- the query ---------------------------------------------------------------------------------------------


def terms_of(query: str) -> list[str]:
    """The words of a query (letters and digits only: no operator of either engine reaches the SQL)."""
    clean = "".join(ch for ch in query if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall(clean.replace("_", " "))][:MAX_TERMS]


def light_stem(word: str) -> str:
    """A light German stemmer for SQLite (PostgreSQL uses Snowball): lower case, no diacritics, one suffix."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))
    plain = plain.replace("ß", "ss")
    if plain.isdigit():
        return plain
    for suffix in _SUFFIXES:
        if plain.endswith(suffix) and len(plain) - len(suffix) >= 3:
            return plain[: -len(suffix)]
    return plain


def _match(terms: list[str]) -> tuple[RawSQL, RawSQL]:
    """(condition on a ``records_casesearch`` row, its rank) for this vendor; the terms are bound parameters."""
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        # Column names unqualified: the query also runs as a subquery, where Django renames the table.
        condition = "vector @@ to_tsquery('german', %s)"
        # NULL for a row found by its Aktenzeichen alone: it comes first.
        rank = "CASE WHEN vector @@ to_tsquery('german', %s) THEN ts_rank(vector, to_tsquery('german', %s)) END"
        return (
            RawSQL(condition, [tsquery], output_field=BooleanField()),  # noqa: S611  (fixed SQL, bound terms)
            RawSQL(rank, [tsquery, tsquery], output_field=FloatField()),  # noqa: S611  (as above)
        )
    fts = " ".join(f'"{light_stem(term)}"*' for term in terms)
    condition = "case_id IN (SELECT rowid FROM records_casesearch_fts WHERE records_casesearch_fts MATCH %s)"
    rank = (
        "(SELECT -bm25(records_casesearch_fts, 4.0, 1.0) FROM records_casesearch_fts "
        "WHERE records_casesearch_fts MATCH %s AND rowid = case_id)"
    )
    params = [fts]
    return (
        RawSQL(condition, params, output_field=BooleanField()),  # noqa: S611  (fixed SQL, bound terms)
        RawSQL(rank, params, output_field=FloatField()),  # noqa: S611  (as above)
    )


def matching(user: User | AnonymousUser, tenant: Municipality, query: str) -> QuerySet[CaseSearch]:
    """The search rows of the cases ``user`` may see in ``tenant`` that match ``query``.

    One table, one query: the unit list (``selectors.case_units_of``, the permission) and the full-text
    condition on the same row, so PostgreSQL intersects the unit index and the GIN index before it reads a
    row. Callers take ``case_id`` from it (the work queue filters its cases by it).
    """
    return _matching(selectors.case_units_of(user, tenant), tenant, query)[0]


def _matching(units: list[int], tenant: Municipality, query: str) -> tuple[QuerySet[CaseSearch], RawSQL | None]:
    rows = CaseSearch.objects.for_tenant(tenant).filter(owner_unit_id__in=units)
    terms = terms_of(query)
    if not terms:
        return rows, None
    condition, rank = _match(terms)
    stripped = query.strip()
    if any(ch.isdigit() for ch in stripped) and len(stripped) <= 80 and "\x00" not in stripped:
        # An Aktenzeichen or application number typed as it is printed.
        exact = Case.objects.for_tenant(tenant).filter(
            Q(file__reference__iexact=stripped) | Q(application_number__iexact=stripped)
        )
        return rows.filter(Q(condition) | Q(case_id__in=exact.values("pk"))), rank
    return rows.filter(condition), rank


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    """One page of results, the total, and per facet its values with counts (within the other filters)."""

    query: str
    results: list[Case]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # More than COUNT_CAP hits: ``total`` is COUNT_CAP ("more than"), the facets count the first hits only.
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


_FACET_ROW_FIELDS = {"status": "case__status", "service": "case__service_key", "unit": "owner_unit_id"}


def _filtered(rows: QuerySet[CaseSearch], filters: Mapping[str, str], skip: str = "") -> QuerySet[CaseSearch]:
    for name in FACETS:
        value: str | int | None = filters.get(name)
        if name == skip or not value:
            continue
        if name == "unit":
            text = str(value)
            if not (text.isascii() and text.isdigit()) or len(text) > 18:  # a primary key (bigint), nothing else
                return rows.none()
            value = int(str(value))
        rows = rows.filter(**{_FACET_ROW_FIELDS[name]: value})
    return rows


def search_cases(
    user: User | AnonymousUser,
    tenant: Municipality,
    query: str,
    filters: Mapping[str, str] | None = None,
    page: int = 1,
    *,
    actor: journal.Actor | None = None,
    page_size: int = PAGE_SIZE,
) -> SearchResult:
    """Search the cases ``user`` may see in ``tenant``.

    ``query``: free text (words are ANDed, each also as a prefix; stemmed in German); an Aktenzeichen or
    application number also matches exactly. Best match first up to ``RANK_LIMIT`` hits, newest first above
    it. Empty query: all visible cases, newest first.
    ``filters``: ``{"status": Case.Status value, "service": LeiKa key, "unit": OrgUnit pk}`` (strings as from a
    GET form; unknown keys are ignored). ``page``: 1-based, clamped into range.
    Returns :class:`SearchResult`: ``results`` (cases with ``file``, ``owner_unit`` and ``file.party``
    loaded, best match first), ``total``, ``pages`` and ``facets`` (``status``/``service``/``unit`` → values
    with counts, each facet counted under the query and the *other* filters).
    ``actor``: when given, the search is journaled as ``case.searched`` (the query and the number of hits).
    """
    filters = {key: str(value) for key, value in (filters or {}).items() if key in FACETS and value}
    units = selectors.case_units_of(user, tenant)
    hits, rank = _matching(units, tenant, query)
    # One GROUP BY by all three facet columns over at most COUNT_CAP + 1 hits (the permission and the query in
    # the SQL); below the cap the total and every facet's counts under the *other* filters are sums over these
    # few groups. Above it the facets are those of the first hits and the total is counted up to the cap.
    sample = hits.order_by().values("case_id")[: COUNT_CAP + 1]
    columns = [_FACET_FIELDS[name] for name in FACETS]
    cube = [
        (tuple("" if v is None else str(v) for v in row[:-1]), row[-1])
        for row in Case.objects.for_tenant(tenant)
        .filter(pk__in=sample, owner_unit_id__in=units)
        .order_by()
        .values_list(*columns)
        .annotate(n=Count("pk"))
    ]
    sampled = sum(n for _key, n in cube)
    if sampled <= COUNT_CAP:
        total = sum(n for key, n in cube if _passes(key, filters))
    elif not filters:
        total = sampled
    else:
        total = _filtered(hits, filters).order_by()[: COUNT_CAP + 1].count()
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // page_size))
    page = min(max(1, int(page)), pages)
    offset = (page - 1) * page_size
    ordered = _filtered(hits, filters)
    if rank is not None and not capped and total <= RANK_LIMIT:
        ordered = ordered.annotate(rank=rank).order_by(F("rank").desc(nulls_first=True), "-opened_at", "-case_id")
    else:
        ordered = ordered.order_by("-opened_at", "-case_id")
    ids = list(ordered.values_list("case_id", flat=True)[offset : offset + page_size]) if total else []
    # The cases themselves, read with the unit condition again (a search row is a copy).
    cases = Case.objects.for_tenant(tenant).filter(pk__in=ids, owner_unit_id__in=units)
    by_pk = {case.pk: case for case in cases.select_related("file", "file__party", "owner_unit")}
    results = [by_pk[pk] for pk in ids if pk in by_pk]
    facets = {name: _facet(name, cube, filters, tenant) for name in FACETS}
    if actor is not None:
        journal.record(
            tenant_id=tenant.pk,
            actor=actor,
            action="case.searched",
            object_type="case",
            object_id="",
            detail={"query": query[:200], "filters": filters, "total": total, "page": page},
        )
    return SearchResult(query=query, results=results, total=total, page=page, pages=pages, facets=facets, capped=capped)


def _passes(key: tuple[str, ...], filters: Mapping[str, str], skip: str = "") -> bool:
    return all(not filters.get(name) or name == skip or key[i] == filters[name] for i, name in enumerate(FACETS))


def _facet(
    name: str, cube: list[tuple[tuple[str, ...], int]], filters: Mapping[str, str], tenant: Municipality
) -> list[FacetValue]:
    index = FACETS.index(name)
    sums: dict[str, int] = {}
    for key, n in cube:
        if _passes(key, filters, skip=name):
            sums[key[index]] = sums.get(key[index], 0) + n
    counts = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
    labels: dict[str, str] = {}
    if name == "status":
        labels = {value: str(label) for value, label in Case.Status.choices}
    elif name == "unit":
        ids = [int(value) for value, _ in counts if value.isdigit()]
        labels = {
            str(pk): unit
            for pk, unit in OrgUnit.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", "name")
        }
    selected = filters.get(name, "")
    return [
        FacetValue(
            value=str(value), label=labels.get(str(value), str(value) or "–"), count=n, selected=str(value) == selected
        )
        for value, n in counts
    ]
