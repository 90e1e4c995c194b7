"""The full-text search index of the E-Akte: one row per case (Vorgang) with its searchable text.

The row is plain text kept in sync by ``rathaus.records.search`` (on every save of a case, its file, party,
documents and versions). The vendor-specific index lives beside it, created by migration ``0004_search``:
on PostgreSQL a generated ``tsvector`` column (``german`` configuration, metadata weighted A, text B) with a GIN
index; on SQLite an FTS5 table (``unicode61 remove_diacritics 2``) kept in sync by triggers. The owner unit
beside it lets one query answer "matches and visible": PostgreSQL combines the GIN and the unit index (BitmapAnd).
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
    # Copies of the case's owner unit (the permission: a search asks only this table) and opening time (the
    # order above the rank limit), kept with the row; the final read of the cases checks the unit again.
    owner_unit = models.ForeignKey("tenants.OrgUnit", on_delete=models.CASCADE, null=True, related_name="+")
    opened_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "Suchindex-Eintrag"
        verbose_name_plural = "Suchindex"
        # owner_unit has its foreign-key index: PostgreSQL ANDs its bitmap with the GIN index's (a composite
        # (tenant, owner_unit) index made it test every row of the unit against the vector instead, 10x slower).
        indexes = [models.Index(fields=["tenant", "-opened_at"], name="casesearch_opened")]
