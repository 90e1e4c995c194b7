"""``rathaus restore FILE.tar.gz [--force]``: bring back an archive written by ``rathaus backup``.

Order of work, so that a bad archive changes nothing:
1. unpack into a temporary directory (only regular files; no absolute paths, ``..`` or links);
2. check the manifest: format, every listed file present with its SHA-256 and size, nothing unlisted;
   the database copy must pass SQLite's ``PRAGMA integrity_check``;
3. refuse if the target database holds data or ``MEDIA_ROOT`` holds files, unless ``--force``;
4. copy the media files into a staging directory next to ``MEDIA_ROOT``;
5. replace the database content with SQLite's backup API (one step, inside SQLite);
6. swap the staging directory in; the previous media files are kept as ``<MEDIA_ROOT>.vor-wiederherstellung-…``.

Stop the server before restoring and start it afterwards: running processes keep caches (search index).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .backup import DATABASE_MEMBER, FORMAT, MANIFEST, MEDIA_PREFIX, media_files, refuse_unless_sqlite, sha256_of

# Tables that a freshly migrated, otherwise empty database already fills.
_BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"})


def _corrupt(detail: str) -> CommandError:
    return CommandError(f"Die Sicherung ist beschädigt oder unvollständig: {detail} Es wurde nichts verändert.")


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def unpack(archive_path: Path, target: Path) -> dict[str, Any]:
    """Unpack and verify; returns the manifest. Raises CommandError on anything unexpected."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not _safe_member_name(member.name) or not (member.isfile() or member.isdir()):
                    raise _corrupt(f"unzulässiger Eintrag »{member.name}«.")
            archive.extractall(target, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise _corrupt(f"das Archiv lässt sich nicht lesen ({type(exc).__name__}).") from None

    manifest_path = target / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _corrupt("manifest.json fehlt oder ist kein gültiges JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(f"unbekanntes Format (erwartet {FORMAT}).")
    files = manifest.get("files")
    if not isinstance(files, dict) or DATABASE_MEMBER not in files:
        raise _corrupt("die Datenbank fehlt im Manifest.")

    present = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} - {MANIFEST}
    unlisted = present - set(files)
    if unlisted:
        raise _corrupt(f"Datei(en) ohne Eintrag im Manifest: {', '.join(sorted(unlisted)[:5])}.")
    for name, meta in files.items():
        if not isinstance(name, str) or not _safe_member_name(name) or not isinstance(meta, dict):
            raise _corrupt(f"unzulässiger Manifest-Eintrag »{name}«.")
        if name != DATABASE_MEMBER and not name.startswith(MEDIA_PREFIX):
            raise _corrupt(f"unerwartete Datei »{name}«.")
        path = target / name
        if not path.is_file():
            raise _corrupt(f"»{name}« fehlt.")
        if path.stat().st_size != meta.get("size") or sha256_of(path) != meta.get("sha256"):
            raise _corrupt(f"die Prüfsumme von »{name}« stimmt nicht.")

    database = sqlite3.connect(target / DATABASE_MEMBER)
    try:
        result = database.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError:
        result = None
    finally:
        database.close()
    if not result or result[0] != "ok":
        raise _corrupt("die Datenbankdatei ist keine unversehrte SQLite-Datenbank.")
    return manifest


def database_has_data(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in _BOOKKEEPING_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - own table names
            if cursor.fetchone() is not None:
                return True
    return False


class Command(BaseCommand):
    help = "Stellt eine mit »rathaus backup« geschriebene Sicherung wieder her (eingebetteter Betrieb, SQLite)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path, help="die .tar.gz-Datei von »rathaus backup«")
        parser.add_argument(
            "--force", action="store_true", help="vorhandene Daten ersetzen (bisherige Dateien werden beiseitegelegt)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Datenbank-Alias (Standard: default)")

    def handle(self, *args: Any, archive: Path, force: bool, database: str, **options: Any) -> None:
        connection = connections[database]
        refuse_unless_sqlite(connection, "restore")
        if not archive.is_file():
            raise CommandError(f"Die Datei {archive} gibt es nicht.")
        if connection.in_atomic_block:
            raise CommandError("Die Wiederherstellung kann nicht innerhalb einer offenen Transaktion laufen.")
        media_root = Path(settings.MEDIA_ROOT).resolve()

        with tempfile.TemporaryDirectory(prefix="rathaus-restore-") as tmp:
            unpacked = Path(tmp)
            manifest = unpack(archive, unpacked)

            has_media = next(media_files(media_root), None) is not None
            if not force and (database_has_data(connection) or has_media):
                raise CommandError(
                    "Die Zieldatenbank oder das Medienverzeichnis enthält bereits Daten. Die Wiederherstellung "
                    "würde sie ersetzen. Wenn das gewollt ist, rufen Sie den Befehl mit --force auf."
                )

            media_root.parent.mkdir(parents=True, exist_ok=True)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            staging = media_root.with_name(f"{media_root.name}.wiederherstellung-{stamp}")
            source = unpacked / MEDIA_PREFIX.rstrip("/")
            if source.is_dir():
                shutil.copytree(source, staging)
            else:
                staging.mkdir()
            try:
                connection.ensure_connection()
                backup_source = sqlite3.connect(unpacked / DATABASE_MEMBER)
                try:
                    backup_source.backup(connection.connection)
                finally:
                    backup_source.close()
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            # Other connections of this process may hold pages of the old database.
            for other in connections.all(initialized_only=True):
                if other is not connection:
                    other.close()

            kept = None
            if media_root.exists():
                kept = media_root.with_name(f"{media_root.name}.vor-wiederherstellung-{stamp}")
                media_root.rename(kept)
            staging.rename(media_root)

        count = len(manifest["files"]) - 1
        self.stdout.write(
            f"Wiederhergestellt: Datenbank und {count} Datei(en) aus der Sicherung vom {manifest.get('created_at')} "
            f"(Rathaus {manifest.get('rathaus_version')})."
        )
        if kept is not None:
            self.stdout.write(f"Die bisherigen Dateien liegen unter {kept}; löschen Sie sie, wenn alles stimmt.")
        self.stdout.write("Führen Sie jetzt »rathaus migrate« aus und starten Sie den Server neu.")
