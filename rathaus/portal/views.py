"""The citizen portal's public pages: home, search, service page, life situations, legal pages."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy

from rathaus.applications import views as applications
from rathaus.catalog import selectors as catalog
from rathaus.catalog.models import Service
from rathaus.tenants import selectors as tenants
from rathaus.tenants.http import TenantRequest

SEARCH_MAX_LENGTH = 200
SEARCH_PAGE_SIZE = 10


def home(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    if tenant is None:
        return render(request, "portal/platform.html", {"municipalities": tenants.active_municipalities()})
    return render(
        request,
        "portal/home.html",
        {"top_services": catalog.top_services(tenant), "life_situations": catalog.life_situations(tenant)},
    )


def search(request: TenantRequest) -> HttpResponse:
    """Plain-word search, ten hits a page; ``seite`` pages on without JavaScript."""
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    page = _page_number(request.GET.get("seite"))
    count, results = 0, list[Service]()
    if query:
        count, results = catalog.search_page(request.tenant, query, (page - 1) * SEARCH_PAGE_SIZE, SEARCH_PAGE_SIZE)
    pages = max(1, -(-count // SEARCH_PAGE_SIZE))
    context = {
        "query": query,
        "results": results,
        "count": count,
        "page": page,
        "first": (page - 1) * SEARCH_PAGE_SIZE + 1,
        "last": (page - 1) * SEARCH_PAGE_SIZE + len(results),
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
    }
    return render(request, "portal/search.html", context)


def _page_number(raw: str | None) -> int:
    """A 1-based page number; anything else is page 1."""
    if raw and raw.isdigit() and len(raw) < 4:
        return max(1, int(raw))
    return 1


def _service_or_404(request: TenantRequest, slug: str) -> Service:
    service = catalog.service_detail(request.tenant, slug)
    if service is None:
        raise Http404
    return service


def service_detail(request: TenantRequest, slug: str) -> HttpResponse:
    return render(request, "portal/service.html", {"service": _service_or_404(request, slug)})


def apply(request: TenantRequest, slug: str) -> HttpResponse:
    """»Online beantragen«: login at the service's trust level, then the online form (applications module)."""
    return applications.start(request, slug=slug)


def life_situation(request: TenantRequest, slug: str) -> HttpResponse:
    situation = catalog.life_situation(request.tenant, slug)
    if situation is None:
        raise Http404
    services = catalog.published_services(request.tenant).filter(life_situations=situation).order_by("name")
    return render(request, "portal/life_situation.html", {"situation": situation, "services": services})


LEGAL_TITLES = {
    "imprint": gettext_lazy("Impressum"),
    "privacy": gettext_lazy("Datenschutzerklärung"),
    "accessibility": gettext_lazy("Erklärung zur Barrierefreiheit"),
}


def legal_page(request: TenantRequest, page: str) -> HttpResponse:
    """A legal text (Markdown) in the page's language; an untranslated one shows in German, marked lang="de"."""
    tenant = request.tenant
    language = (get_language() or "de").split("-")[0]
    text, text_lang = getattr(tenant, page), ""
    if language != "de":
        translated = ((tenant.legal_translations or {}).get(language) or {}).get(page)
        if isinstance(translated, str) and translated.strip():
            text = translated
        elif text:
            text_lang = "de"
    return render(
        request, "portal/legal.html", {"page": page, "title": LEGAL_TITLES[page], "text": text, "text_lang": text_lang}
    )


def easy_language(request: TenantRequest) -> HttpResponse:
    """The portal explained in Leichte Sprache (BITV 2.0 § 4), always German: Leichte Sprache is German."""
    services = catalog.published_services(request.tenant).exclude(easy_language="").order_by("name")
    return render(request, "portal/easy_language.html", {"services": services})


def sign_language(request: TenantRequest) -> HttpResponse:
    """The portal in Deutscher Gebärdensprache (BITV 2.0 § 4): the municipality's video, or how to reach it."""
    services = catalog.published_services(request.tenant).exclude(sign_language_video="").order_by("name")
    return render(request, "portal/sign_language.html", {"services": services})
