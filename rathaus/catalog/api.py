"""Catalog API: search, list, detail (public); export and import (digitalisation unit, tenant admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Field, Query, Router, Schema

from rathaus.identity import permissions
from rathaus.identity.api_auth import StaffSessionAuth
from rathaus.tenants.http import TenantRequest

from . import selectors, services
from .models import Service

router = Router(tags=["Leistungskatalog"])

CATALOG_ADMIN_ROLES = permissions.CATALOG_EDITORS


class CatalogAdminAuth(StaffSessionAuth):
    """Session of a staff member of this municipality with a verified second factor (CSRF checked)."""

    roles = CATALOG_ADMIN_ROLES
    denied = "Nur die Digitalisierung und die Administration der Kommune dürfen den Katalog ändern."


class FeeOut(Schema):
    label: str
    amount_min: Decimal
    amount_max: Decimal
    legal_basis: str


class ServiceSummary(Schema):
    leika_key: str
    slug: str
    name: str
    short_description: str
    trust_level: str
    channels: list[str]
    url: str

    @staticmethod
    def resolve_url(obj: Service, context: dict[str, Any]) -> str:
        from django.urls import reverse

        return context["request"].build_absolute_uri(reverse("portal:service", args=[obj.slug]))


class ServiceDetail(ServiceSummary):
    description: str
    required_documents: list[str]
    fees: list[FeeOut]
    legal_basis: str
    org_unit: str
    processing_time: str
    processing_days: int | None
    ozg_maturity: int
    ozg_level_legacy: int
    ozg_topic: str
    keywords: list[str]
    life_situations: list[str]

    @staticmethod
    def resolve_fees(obj: Service) -> list[Any]:
        return list(obj.fees.all())

    @staticmethod
    def resolve_org_unit(obj: Service) -> str:
        return obj.org_unit.name

    @staticmethod
    def resolve_life_situations(obj: Service) -> list[str]:
        return [s.slug for s in obj.life_situations.all()]


class ServicePage(Schema):
    count: int
    items: list[ServiceSummary]


class ServiceFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Suchbegriffe in Alltagssprache")
    life_situation: str | None = Field(None, max_length=80, pattern=r"^[-a-z0-9]+$")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100000)


class LifeSituationOut(Schema):
    slug: str
    name: str
    description: str
    service_count: int


class ImportResultOut(Schema):
    created: int
    updated: int
    life_situations: int


class CatalogDocumentIn(Schema):
    """The exchange format (see docs/municipalities/catalog.md); rows are validated one by one on import."""

    format: str = "rathaus-catalog/1"
    life_situations: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = Field(..., max_length=20000)


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None


@router.get("/services", response={200: ServicePage, 422: ProblemOut}, summary="Leistungen suchen und auflisten")
def list_services(request: TenantRequest, filters: Query[ServiceFilter]) -> dict[str, Any]:
    tenant = request.tenant
    if filters.q and filters.q.strip():
        count, items = selectors.search_page(
            tenant, filters.q, filters.offset, filters.limit, life_situation=filters.life_situation
        )
        return {"count": count, "items": items}
    qs = selectors.published_services(tenant).order_by("name")
    if filters.life_situation:
        qs = qs.filter(life_situations__slug=filters.life_situation)
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.get("/services/{slug}", response={200: ServiceDetail, 404: ProblemOut}, summary="Eine Leistung")
def get_service(request: TenantRequest, slug: str) -> Service:
    service = selectors.service_detail(request.tenant, slug)
    if service is None:
        raise Http404
    return service


@router.get("/life-situations", response=list[LifeSituationOut], summary="Lebenslagen")
def list_life_situations(request: TenantRequest) -> Any:
    return list(selectors.life_situations(request.tenant))


@router.get(
    "/export",
    auth=CatalogAdminAuth(),
    response={200: dict[str, Any], 401: ProblemOut, 403: ProblemOut},
    summary="Katalog exportieren (JSON)",
)
def export(request: TenantRequest) -> dict[str, Any]:
    return services.export_catalog(request.tenant)


@router.post(
    "/import",
    auth=CatalogAdminAuth(),
    response={200: ImportResultOut, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    summary="Katalog importieren (JSON, alles oder nichts)",
)
def import_(request: TenantRequest, payload: CatalogDocumentIn) -> services.ImportResult:
    return services.import_catalog(tenant=request.tenant, document=payload.dict())
