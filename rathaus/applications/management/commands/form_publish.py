"""Publish a form definition (JSON, or an XDatenfelder 2.0/3.0 schema) as the next version of a service's form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.applications.services import publish_form, read_form_file
from rathaus.catalog.models import Service
from rathaus.core.errors import ValidationFailed
from rathaus.formengine import DefinitionError, parse_definition
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = "Formular einer Leistung als neue Version veröffentlichen (JSON-Definition oder XDatenfelder-XML)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("municipality", help="Kurzname der Kommune")
        parser.add_argument("service", help="Kurzname der Leistung")
        parser.add_argument("file", type=Path, help=".json (Rathaus-Definition) oder .xml (XDatenfelder)")
        parser.add_argument("--check", action="store_true", help="nur prüfen, nicht veröffentlichen")

    def handle(self, *args: Any, municipality: str, service: str, file: Path, check: bool, **options: Any) -> None:
        tenant = Municipality.objects.filter(slug=municipality).first()
        if tenant is None:
            raise CommandError(f"Unbekannte Kommune »{municipality}«.")
        target = Service.objects.for_tenant(tenant).filter(slug=service).first()
        if target is None:
            raise CommandError(f"Die Kommune hat keine Leistung »{service}«.")
        if not file.is_file():
            raise CommandError("Die Datei fehlt.")
        definition = self._read(file)
        try:
            if check:
                parse_definition(definition)
                self.stdout.write("Die Definition ist gültig (nicht veröffentlicht).")
                return
            version = publish_form(service=target, definition=definition)
        except DefinitionError as exc:
            for path, message in getattr(exc, "problems", []):
                self.stderr.write(f"{path}: {message}")
            raise CommandError("Die Definition ist ungültig; nichts wurde veröffentlicht.") from None
        self.stdout.write(f"Formular für »{target.name}« veröffentlicht: Version {version.version}.")

    def _read(self, file: Path) -> dict[str, Any]:
        try:
            definition, notes = read_form_file(file.read_bytes())
        except ValidationFailed as exc:
            raise CommandError(str(exc.detail)) from None
        for note in notes:
            self.stderr.write(f"Hinweis: {note}")
        return definition
