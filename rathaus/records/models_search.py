"""The full-text search index of the E-Akte: one row per case (Vorgang) with its searchable text.

The row is plain text kept in sync by ``rathaus.records.search`` (on every save of a case, its file, party,
documents and versions). The vendor-specific index lives beside it, created by migration ``0004_search``:
on PostgreSQL a generated ``tsvector`` column (``german`` configuration, metadata weighted A, text B) with a GIN
index; on SQLite an FTS5 table (``unicode61 remove_diacritics 2``) kept in sync by triggers.
"""

from __future__ import annotations

from django.db import models

from rathaus.core.tenancy import TenantOwned


class CaseSearch(TenantOwned):
    case = models.OneToOneField("records.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Aktenzeichen, subjects, party, application number, service key.
    meta = models.TextField(blank=True)
    # Document titles and the text of each document's latest version (answers, extracted text).
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = "Suchindex-Eintrag"
        verbose_name_plural = "Suchindex"
