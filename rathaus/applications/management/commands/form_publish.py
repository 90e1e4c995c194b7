"""Publish a form (JSON, an XDatenfelder 2.0/3.0 schema, or a FIM zip with its code lists) as the next version
of a service's form — by the same rules as the internal review page: refused while code lists are missing or
the definition is broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.applications import form_review
from rathaus.catalog.models import Service
from rathaus.core.errors import ValidationFailed
from rathaus.tenants.models import Municipality


class Command(BaseCommand):
    help = (
        "Formular einer Leistung als neue Version veröffentlichen "
        "(JSON-Definition, XDatenfelder-XML oder FIM-ZIP mit Codelisten)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("municipality", help="Kurzname der Kommune")
        parser.add_argument("service", help="Kurzname der Leistung")
        parser.add_argument("file", type=Path, help=".json, .xml (XDatenfelder) oder .zip (Schema und Codelisten)")
        parser.add_argument("codelists", type=Path, nargs="*", help="weitere genericode-Codelisten")
        parser.add_argument("--check", action="store_true", help="nur prüfen, nicht veröffentlichen")

    def handle(
        self,
        *args: Any,
        municipality: str,
        service: str,
        file: Path,
        codelists: list[Path],
        check: bool,
        **options: Any,
    ) -> None:
        tenant = Municipality.objects.filter(slug=municipality).first()
        if tenant is None:
            raise CommandError(f"Unbekannte Kommune »{municipality}«.")
        target = Service.objects.for_tenant(tenant).filter(slug=service).first()
        if target is None:
            raise CommandError(f"Die Kommune hat keine Leistung »{service}«.")
        paths = [file, *codelists]
        if not all(p.is_file() for p in paths):
            raise CommandError("Die Datei fehlt.")
        try:
            imported = form_review.import_form(
                service=target, uploads=[(p.name, p.read_bytes()) for p in paths], actor=None
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc.detail)) from None
        for entry in imported.report:
            if entry.get("kind") != "translated":
                self.stderr.write(
                    f"Hinweis: {entry.get('fim_id') + ': ' if entry.get('fim_id') else ''}{entry['text']}"
                )
        for problem in imported.problems:
            self.stderr.write(problem)
        try:
            if imported.problems:
                raise CommandError("Die Definition ist ungültig; nichts wurde veröffentlicht.")
            if check:
                for missing in imported.missing_codelists:
                    self.stderr.write(f"Codeliste fehlt: {missing['uri']} {missing['version']}".rstrip())
                self.stdout.write("Die Definition ist gültig (nicht veröffentlicht).")
                return
            version = form_review.publish(form_import=imported, actor=None)
        except ValidationFailed as exc:
            raise CommandError(f"{exc.detail} Nichts wurde veröffentlicht.") from None
        finally:
            form_review.discard(form_import=imported, actor=None)  # a no-op once it is published
        self.stdout.write(f"Formular für »{target.name}« veröffentlicht: Version {version.version}.")
