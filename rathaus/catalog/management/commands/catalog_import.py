from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.catalog import xzufi
from rathaus.catalog.services import import_catalog
from rathaus.catalog.uploads import read_upload
from rathaus.core.errors import ImportRejected
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Import a catalog file (JSON, CSV or XZuFi XML) into a municipality; all rows or none."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("municipality", help="slug of the municipality")
        parser.add_argument("file", type=Path)
        parser.add_argument("--org-unit", default="", help="XZuFi only: organisation unit key for new services")

    def handle(self, *args: Any, municipality: str, file: Path, org_unit: str, **options: Any) -> None:
        tenant = Municipality.objects.filter(slug=municipality).first()
        if tenant is None:
            raise CommandError(f"Unbekannte Kommune »{municipality}«.")
        try:
            document, labels = read_upload(tenant, file.read_bytes(), org_unit=org_unit)
            result = import_catalog(tenant=tenant, document=document, row_labels=labels)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"{error.get('row', '')} {error.get('field', '')}: {error['message']}")
            raise CommandError(str(exc.detail)) from None
        self.stdout.write(f"{result.created} neu, {result.updated} aktualisiert, {result.life_situations} Lebenslagen.")
        if file.read_bytes().lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            for what in xzufi.dropped(file.read_bytes()):
                self.stderr.write(f"Nicht übernommen: {what}")
