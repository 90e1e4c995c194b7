"""Plain-language search: synonyms, typos, prefixes, compounds, ranking, tenant scope."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.catalog import selectors
from rathaus.catalog.search import CatalogIndex, SearchDocument, normalize, tokenize
from rathaus.catalog.tests.factories import ServiceFactory

DOCS = [
    SearchDocument(1, "Personalausweis beantragen", ("Ausweis", "eID"), ("Ausweise und Dokumente",)),
    SearchDocument(2, "Wohnsitz anmelden", ("Anmeldung", "Zuzug"), ("Umzug",)),
    SearchDocument(3, "Gewerbe anmelden", ("Gewerbeanmeldung",), ("Unternehmen gründen",)),
    SearchDocument(4, "Hund anmelden (Hundesteuer)", ("Hundemarke",), ("Hund und Tier",)),
    SearchDocument(5, "Reisepass beantragen", ("Pass",), ("Ausweise und Dokumente",)),
    SearchDocument(6, "Sperrmüll anmelden", ("Abfall",), ("Abfall",)),
]


@pytest.fixture(scope="module")
def index() -> CatalogIndex:
    return CatalogIndex.build(DOCS)


def test_colloquial_abbreviation_finds_official_name(index: CatalogIndex) -> None:
    assert index.search("Perso")[0] == 1


def test_ummeldung_finds_wohnsitz_anmelden_first(index: CatalogIndex) -> None:
    assert index.search("Ummeldung")[0] == 2


def test_typo_is_tolerated(index: CatalogIndex) -> None:
    assert index.search("Persnalausweis")[0] == 1
    assert index.search("Reisepas")[0] == 5


def test_umlauts_and_case_are_folded(index: CatalogIndex) -> None:
    assert index.search("SPERRMUELL")[0] == 6
    assert index.search("sperrmüll")[0] == 6


def test_more_matched_words_rank_higher(index: CatalogIndex) -> None:
    assert index.search("Hund anmelden")[0] == 4


def test_stopwords_only_query_finds_nothing(index: CatalogIndex) -> None:
    assert index.search("ich will das") == []


def test_nonsense_finds_nothing(index: CatalogIndex) -> None:
    assert index.search("xqzzvw") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_query_is_safe(query: str) -> None:
    index = CatalogIndex.build(DOCS)
    result = index.search(query)
    assert len(result) <= 20
    assert set(result) <= {d.pk for d in DOCS}


@given(st.text(max_size=100))
def test_normalize_yields_ascii_words(text: str) -> None:
    folded = normalize(text)
    assert folded == folded.strip()
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in folded)
    assert all(t for t in tokenize(text))


def test_search_is_scoped_to_the_municipality(tenant, other_tenant) -> None:
    ServiceFactory(tenant=tenant, name="Personalausweis beantragen", slug="perso")
    ServiceFactory(tenant=other_tenant, name="Personalausweis beantragen", slug="perso")
    results = selectors.search_services(tenant, "Personalausweis")
    assert [s.tenant_id for s in results] == [tenant.pk]


def test_index_follows_catalog_changes(tenant) -> None:
    from rathaus.catalog.services import bump_catalog_version

    assert selectors.search_services(tenant, "Fischereischein") == []
    ServiceFactory(tenant=tenant, name="Fischereischein beantragen", slug="fischereischein")
    bump_catalog_version(tenant)
    assert [s.slug for s in selectors.search_services(tenant, "Fischereischein")] == ["fischereischein"]


def test_unpublished_services_are_not_found(tenant) -> None:
    ServiceFactory(tenant=tenant, name="Geheimer Entwurf", slug="entwurf", is_published=False)
    assert selectors.search_services(tenant, "Entwurf") == []
