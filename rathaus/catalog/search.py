"""Plain-language catalog search: synonyms, prefixes, compound parts and typos.

An in-process inverted index per municipality, rebuilt when the municipality's ``catalog_version``
changes. Citizens type "Perso", "Ummeldung" or "Persnalausweis"; the index answers from the service
names, keywords, life situations and short descriptions, ranked by how many query words matched.
The same code runs on SQLite and PostgreSQL; see docs/developers/search.md.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

_STOPWORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "eines",
        "und",
        "oder",
        "fuer",
        "mit",
        "von",
        "zu",
        "zum",
        "zur",
        "im",
        "in",
        "am",
        "an",
        "auf",
        "aus",
        "bei",
        "ich",
        "mich",
        "mir",
        "mein",
        "meine",
        "meinen",
        "meinem",
        "meiner",
        "wir",
        "uns",
        "unser",
        "ist",
        "sind",
        "will",
        "moechte",
        "moechten",
        "brauche",
        "brauchen",
        "kann",
        "koennen",
        "wie",
        "was",
        "wo",
        "wann",
        "wer",
        "neue",
        "neuen",
        "neuer",
        "neu",
        "bitte",
        "ueber",
        "nach",
        "vom",
        "the",
        "a",
        "of",
        "for",
        "to",
        "my",
        "how",
        "an",
        "and",
        "in",
        "on",
        "do",
        "does",
        "need",
        "want",
        "what",
        "where",
        "is",
        "it",
        "can",
        "get",
        "with",
    ]
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

# Field weights: a hit in the name outweighs one in the description.
W_NAME, W_KEYWORD, W_SITUATION, W_SHORT, W_UNIT = 3.0, 2.5, 1.5, 1.0, 0.5
# A hit scoring below this share of the best hit is not listed.
RELATIVE_CUTOFF = 0.5


def normalize(text: str) -> str:
    text = text.lower().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", text).strip()


_SUFFIXES = ("ungen", "ung", "en", "er", "e", "n", "s")


def _stem(token: str) -> str:
    """A crude German stem for matching inside compounds ("aendern" → "aender"); "" when too short to trust."""
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 5:
            return token[: -len(suffix)]
    return ""


def tokenize(text: str) -> list[str]:
    return [t for t in normalize(text).split() if len(t) >= 2 and t not in _STOPWORDS]


@cache
def synonyms() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Colloquial word → the phrases it stands for, each a tuple of words folded like index terms."""
    path = Path(__file__).parent / "data" / "synonyms.json"
    raw: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for key, values in raw.items():
        phrases = tuple(dict.fromkeys(words for v in values if (words := tuple(tokenize(v)))))
        for k in tokenize(key):
            out[k] = phrases
    return out


@dataclass(frozen=True)
class SearchDocument:
    pk: int
    name: str
    # The name in other languages ("Register a dog"): searched like the name, so "dog" finds "Hund anmelden".
    translated_names: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    short_description: str = ""
    unit: str = ""
    # "häufig gesucht": breaks ties between equally good hits ("dog": Register a dog before Report a large dog).
    is_top: bool = False


@dataclass
class CatalogIndex:
    postings: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    vocabulary: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    top: set[int] = field(default_factory=set)

    @classmethod
    def build(cls, documents: Iterable[SearchDocument]) -> CatalogIndex:
        index = cls()
        for doc in documents:
            index.names[doc.pk] = doc.name
            if doc.is_top:
                index.top.add(doc.pk)
            for text, weight in (
                (doc.name, W_NAME),
                (" ".join(doc.translated_names), W_NAME),
                (" ".join(doc.keywords), W_KEYWORD),
                (" ".join(doc.situations), W_SITUATION),
                (doc.short_description, W_SHORT),
                (doc.unit, W_UNIT),
            ):
                for term in tokenize(text):
                    posting = index.postings[term]
                    if posting.get(doc.pk, 0.0) < weight:
                        posting[doc.pk] = weight
        index.vocabulary = sorted(index.postings)
        return index

    def _term_matches(self, token: str) -> dict[str, float]:
        """Index terms that match one query word, with a match quality in (0, 1]."""
        found: dict[str, float] = {}
        stem = _stem(token)
        if token in self.postings:
            found[token] = 1.0
        if len(token) >= 3:
            for term in self.vocabulary:
                if term != token and term.startswith(token):
                    found[term] = max(found.get(term, 0.0), 0.85)
                elif len(token) >= 5 and token in term:
                    # German compounds: "ausweis" is part of "personalausweis".
                    found[term] = max(found.get(term, 0.0), 0.6)
                elif stem and stem in term:
                    # Inflection inside a compound: "aendern" is in "adressaenderung" as "aender".
                    found[term] = max(found.get(term, 0.0), 0.5)
        return found

    def _fuzzy(self, token: str) -> dict[str, float]:
        if len(token) < 4:
            return {}
        cutoff = 80 if len(token) < 8 else 75
        candidates = self.vocabulary + list(synonyms())
        hits = process.extract(token, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4)
        return {term: score / 100 * 0.8 for term, score, _ in hits}

    def _word_scores(self, token: str) -> dict[int, float]:
        """Best score per service for one query word, including synonyms and typo correction."""
        matches = self._term_matches(token)
        expansions = synonyms().get(token, ())
        if not matches and not expansions:
            for corrected, quality in self._fuzzy(token).items():
                if corrected in self.postings:
                    matches[corrected] = max(matches.get(corrected, 0.0), quality)
                if corrected in synonyms() and not expansions:
                    expansions = synonyms()[corrected]
        scores: dict[int, float] = defaultdict(float)
        for term, quality in matches.items():
            for pk, weight in self.postings[term].items():
                scores[pk] = max(scores[pk], quality * weight)
        for phrase in expansions:
            # A synonym stands for a phrase ("ummeldung" → "Wohnsitz anmelden"): it counts for a service only
            # when the service matches every word of the phrase, so "Hund" does not list "Gewerbe anmelden".
            phrase_scores: dict[int, float] | None = None
            for word in phrase:
                best: dict[int, float] = {}
                for term, quality in self._term_matches(word).items():
                    for pk, weight in self.postings[term].items():
                        best[pk] = max(best.get(pk, 0.0), quality * weight)
                if phrase_scores is None:
                    phrase_scores = best
                else:
                    phrase_scores = {pk: v + best[pk] for pk, v in phrase_scores.items() if pk in best}
            for pk, value in (phrase_scores or {}).items():
                via_synonym = 0.9 * value / len(phrase)
                # Found both as typed and through the synonym: a little more certain than either alone.
                scores[pk] = max(scores[pk], via_synonym) + 0.1 * min(scores[pk], via_synonym)
        return scores

    def search(self, query: str, limit: int = 20) -> list[int]:
        """Services for ``query``, best first; only those that score at least RELATIVE_CUTOFF of the best.

        Each query word counts by its rarity in the catalog (inverse document frequency: "anmelden" is in a
        dozen names, "hund" in four), and a service that matches only some of the words loses by the square
        of the share it missed. Weak hits are dropped instead of listed: "Hund" lists the dog services, not
        every service whose name ends in "anmelden". Measured in bench/search_relevance.py.
        """
        words = list(dict.fromkeys(tokenize(query)))[:8]
        if not words:
            return []
        size = max(1, len(self.names))
        matched: dict[int, int] = defaultdict(int)
        total: dict[int, float] = defaultdict(float)
        for word in words:
            scores = self._word_scores(word)
            rarity = math.log(1 + size / (1 + len(scores)))
            for pk, score in scores.items():
                matched[pk] += 1
                total[pk] += score * rarity
        final = {pk: value * (matched[pk] / len(words)) ** 2 for pk, value in total.items()}
        if not final:
            return []
        floor = max(final.values()) * RELATIVE_CUTOFF
        ranked = sorted(
            (pk for pk, value in final.items() if value >= floor),
            key=lambda pk: (-round(final[pk], 6), pk not in self.top, self.names[pk]),
        )
        return ranked[:limit]


_cache: dict[int, tuple[int, CatalogIndex]] = {}
_lock = threading.Lock()


def reset_cache() -> None:
    """Forget every built index (tests; after bulk changes outside the ORM)."""
    with _lock:
        _cache.clear()


def index_for(tenant_id: int, version: int, load: Callable[[], Iterable[SearchDocument]]) -> CatalogIndex:
    """The municipality's index at ``version``; ``load()`` yields its documents when a rebuild is due."""
    cached = _cache.get(tenant_id)
    if cached and cached[0] == version:
        return cached[1]
    with _lock:
        cached = _cache.get(tenant_id)
        if cached and cached[0] == version:
            return cached[1]
        index = CatalogIndex.build(load())
        _cache[tenant_id] = (version, index)
        return index
