from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.catalog.services import export_catalog, export_csv
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Write a municipality's catalog as JSON (default) or CSV to stdout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("municipality")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, municipality: str, format: str, **options: Any) -> None:
        tenant = Municipality.objects.filter(slug=municipality).first()
        if tenant is None:
            raise CommandError(f"Unbekannte Kommune »{municipality}«.")
        if format == "csv":
            self.stdout.write(export_csv(tenant), ending="")
        else:
            self.stdout.write(json.dumps(export_catalog(tenant), ensure_ascii=False, indent=2))
