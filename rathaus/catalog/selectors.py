"""Reads of the catalog. Every function takes the municipality explicitly."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Prefetch, Q, QuerySet

from rathaus.tenants.models import Municipality

from . import search
from .models import Fee, LifeSituation, Service, localized

__all__ = ["localized"]  # a catalog text in a language, German fallback (for other modules' templates)


def published_services(tenant: Municipality) -> QuerySet[Service]:
    return Service.objects.for_tenant(tenant).filter(is_published=True)


def published_service(tenant: Municipality, slug: str) -> Service | None:
    """One published service, without its fees and life situations (for checks, not for the service page)."""
    return published_services(tenant).filter(slug=slug).first()


def service_detail(tenant: Municipality, slug: str) -> Service | None:
    return (
        published_services(tenant)
        .select_related("org_unit")
        .prefetch_related(Prefetch("fees", queryset=Fee.objects.order_by("position", "pk")), "life_situations")
        .filter(slug=slug)
        .first()
    )


def top_services(tenant: Municipality, limit: int = 8) -> QuerySet[Service]:
    return published_services(tenant).filter(is_top=True).order_by("name")[:limit]


def life_situations(tenant: Municipality) -> QuerySet[LifeSituation]:
    return (
        LifeSituation.objects.for_tenant(tenant)
        .annotate(service_count=Count("services", filter=Q(services__is_published=True)))
        .filter(service_count__gt=0)
        .order_by("position", "name")
    )


def life_situation(tenant: Municipality, slug: str) -> LifeSituation | None:
    return LifeSituation.objects.for_tenant(tenant).filter(slug=slug).first()


def _documents(tenant: Municipality) -> Iterator[search.SearchDocument]:
    """The search index's view of each published service: German texts and their translations, so a query in
    either language finds the service."""
    situations: dict[int, list[str]] = {}
    through = Service.life_situations.through.objects.filter(service__tenant=tenant)
    situation_rows = through.values_list("service_id", "lifesituation__name", "lifesituation__translations")
    for service_id, name, translations in situation_rows:
        names = situations.setdefault(service_id, [])
        names.append(name)
        names += [t["name"] for t in (translations or {}).values() if isinstance(t, dict) and t.get("name")]
    rows = published_services(tenant).values_list(
        "pk", "name", "keywords", "short_description", "org_unit__name", "translations", "is_top"
    )
    for pk, name, keywords, short, unit, translations, is_top in rows.iterator(chunk_size=1000):
        other = [t for t in (translations or {}).values() if isinstance(t, dict)]
        yield search.SearchDocument(
            pk=pk,
            name=name,
            translated_names=tuple(t["name"] for t in other if t.get("name")),
            keywords=tuple(keywords or ()) + tuple(k for t in other for k in t.get("keywords") or ()),
            situations=tuple(situations.get(pk, ())),
            short_description=" ".join([short, *(t["short_description"] for t in other if t.get("short_description"))]),
            unit=unit or "",
            is_top=is_top,
        )


# Columns a result card and the API summary show; nothing else is loaded for a search hit.
CARD_FIELDS = (
    "pk", "tenant_id", "leika_key", "slug", "name", "short_description", "trust_level", "channels", "translations",
)  # fmt: skip
MAX_SEARCH_HITS = 1000


def search_ids(tenant: Municipality, query: str, limit: int = MAX_SEARCH_HITS) -> list[int]:
    """Primary keys of the published services matching ``query`` in plain words, best first."""
    version = Municipality.objects.filter(pk=tenant.pk).values_list("catalog_version", flat=True).first() or 0
    index = search.index_for(tenant.pk, version, lambda: _documents(tenant))
    return index.search(query, limit=limit)


def services_in_order(tenant: Municipality, ids: list[int]) -> list[Service]:
    """The published services with ``ids``, in that order, loaded for a result card."""
    if not ids:
        return []
    by_id = {s.pk: s for s in published_services(tenant).filter(pk__in=ids).only(*CARD_FIELDS)}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_services(tenant: Municipality, query: str, limit: int = 20, offset: int = 0) -> list[Service]:
    """Published services matching ``query`` in plain words, best first."""
    return services_in_order(tenant, search_ids(tenant, query, limit=offset + limit)[offset:])


def search_page(
    tenant: Municipality, query: str, offset: int, limit: int, life_situation: str | None = None
) -> tuple[int, list[Service]]:
    """(number of all hits, the hits from ``offset`` on) for a paged search, optionally in one life situation."""
    ids = search_ids(tenant, query)
    if life_situation:
        through = Service.life_situations.through.objects.filter(lifesituation__slug=life_situation, service_id__in=ids)
        inside = set(through.values_list("service_id", flat=True))
        ids = [pk for pk in ids if pk in inside]
    return len(ids), services_in_order(tenant, ids[offset : offset + limit])
