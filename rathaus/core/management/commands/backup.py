"""``rathaus backup --output FILE.tar.gz``: the embedded installation (SQLite + media files) in one archive.

The database is copied with SQLite's online backup API, so the copy is consistent even while the
server keeps writing (WAL mode). The archive holds ``manifest.json`` (format, Rathaus version, date,
applied migrations, SHA-256 and size of every file), ``database.sqlite3`` and ``media/…`` (everything
under ``MEDIA_ROOT``). PostgreSQL installations are backed up with ``pg_dump`` and the object store's
own tools instead; see docs/operators/backup.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import rathaus

FORMAT = "rathaus-backup/1"
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database.sqlite3"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024


def refuse_unless_sqlite(connection: BaseDatabaseWrapper, action: str) -> None:
    if connection.vendor != "sqlite":
        raise CommandError(
            f"»rathaus {action}« ist für den eingebetteten Betrieb mit SQLite gedacht. Diese Installation "
            f"nutzt {connection.display_name}: sichern Sie die Datenbank mit pg_dump und stellen Sie sie mit "
            "pg_restore wieder her, die Dateien mit den Werkzeugen Ihres Objektspeichers "
            "(siehe docs/operators/backup.md)."
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` (symbolic links are not followed), in a stable order."""
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The last applied migration per app, so a restore can tell whether ``rathaus migrate`` is due."""
    latest: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        latest[app] = name
    return latest


class Command(BaseCommand):
    help = "Sichert Datenbank (SQLite) und hochgeladene Dateien des eingebetteten Betriebs in ein .tar.gz-Archiv."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", type=Path, required=True, help="Zieldatei, z. B. sicherung.tar.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Datenbank-Alias (Standard: default)")

    def handle(self, *args: Any, output: Path, database: str, **options: Any) -> None:
        connection = connections[database]
        refuse_unless_sqlite(connection, "backup")
        output = output.expanduser().resolve()
        media_root = Path(settings.MEDIA_ROOT).resolve()
        if output.exists():
            raise CommandError(f"Die Datei {output} gibt es schon; bitte einen neuen Namen wählen.")
        if output.is_relative_to(media_root):
            raise CommandError("Die Sicherung darf nicht im Medienverzeichnis (MEDIA_ROOT) liegen.")
        if not output.parent.is_dir():
            raise CommandError(f"Das Verzeichnis {output.parent} gibt es nicht.")
        if connection.in_atomic_block:
            raise CommandError("Die Sicherung kann nicht innerhalb einer offenen Transaktion laufen.")

        with tempfile.TemporaryDirectory(prefix="rathaus-backup-") as tmp:
            snapshot = Path(tmp) / DATABASE_MEMBER
            connection.ensure_connection()
            target = sqlite3.connect(snapshot)
            try:
                connection.connection.backup(target)  # consistent online copy, also of a WAL database
                target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            finally:
                target.close()

            files: dict[str, dict[str, Any]] = {
                DATABASE_MEMBER: {"sha256": sha256_of(snapshot), "size": snapshot.stat().st_size}
            }
            media = list(media_files(media_root))
            for path in media:
                files[MEDIA_PREFIX + path.relative_to(media_root).as_posix()] = {
                    "sha256": sha256_of(path),
                    "size": path.stat().st_size,
                }
            manifest = {
                "format": FORMAT,
                "rathaus_version": rathaus.__version__,
                "created_at": timezone.now().isoformat(),
                "database": {"engine": "sqlite", "migrations": applied_migrations(connection)},
                "files": files,
            }
            manifest_path = Path(tmp) / MANIFEST
            manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

            # Written next to the target and renamed at the end: no half-written archive under the final name.
            partial = output.with_name(f".{output.name}.unvollstaendig")
            try:
                with tarfile.open(partial, "w:gz") as archive:
                    archive.add(manifest_path, arcname=MANIFEST)
                    archive.add(snapshot, arcname=DATABASE_MEMBER)
                    for path in media:
                        archive.add(path, arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix())
                partial.replace(output)
            finally:
                partial.unlink(missing_ok=True)

        size_mb = output.stat().st_size / 1024 / 1024
        self.stdout.write(f"Sicherung geschrieben: {output} ({size_mb:.1f} MB, Datenbank und {len(media)} Datei(en)).")
