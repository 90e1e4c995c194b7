"""``rathaus backup`` / ``rathaus restore`` for the embedded mode (SQLite + media files).

The round trip runs on SQLite database *files* of its own (extra connection aliases in a temporary
directory), so it runs the same on the SQLite and the PostgreSQL test lane. On the PostgreSQL lane
the commands must refuse the default database and point to pg_dump/pg_restore.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from rathaus.tenants.models import Domain, Municipality

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"rathaus-logo"


def _add_sqlite_alias(alias: str, path: Path) -> None:
    configured = connections.configure_settings({"default": {}, alias: {"ENGINE": "django.db.backends.sqlite3"}})
    connections.settings[alias] = {**configured[alias], "NAME": str(path)}


def _remove_alias(alias: str) -> None:
    if hasattr(connections._connections, alias):
        connections[alias].close()
        delattr(connections._connections, alias)
    connections.settings.pop(alias, None)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: Any, django_db_blocker: Any) -> Path:
    """One SQLite file with every migration applied, copied for each database a test needs (migrating costs
    about ten seconds; the copy is the same file a migration would have made)."""
    path = tmp_path_factory.mktemp("backup-template") / "migrated.sqlite3"
    with django_db_blocker.unblock():
        _add_sqlite_alias("backup_template", path)
        try:
            call_command("migrate", database="backup_template", interactive=False, verbosity=0)
        finally:
            _remove_alias("backup_template")
    return path


@pytest.fixture
def sqlite_db(tmp_path: Path, django_db_blocker: Any, migrated_template: Path) -> Iterator[Any]:
    """A factory for SQLite database files as connection aliases; ``migrated=True`` creates the tables."""
    aliases: list[str] = []

    def make(name: str, *, migrated: bool) -> str:
        alias = f"backup_{name}"
        path = tmp_path / f"{name}.sqlite3"
        if migrated:
            shutil.copyfile(migrated_template, path)
        _add_sqlite_alias(alias, path)
        aliases.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield make
        for alias in aliases:
            _remove_alias(alias)


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _tenant_with_logo(alias: str) -> Municipality:
    tenant = Municipality(slug="alpha", name="Stadt Alpha", ags="05111000")
    tenant.logo.save("wappen.png", ContentFile(PNG), save=False)
    tenant.save(using=alias)
    Domain.objects.using(alias).create(host="alpha.example", municipality=tenant, is_primary=True)
    return tenant


def _backup(alias: str, output: Path) -> Path:
    call_command("backup", output=output, database=alias, stdout=io.StringIO())
    return output


def test_round_trip_restores_database_and_files(sqlite_db: Any, media: Path, tmp_path: Path, settings: Any) -> None:
    source = sqlite_db("source", migrated=True)
    logo_name = _tenant_with_logo(source).logo.name
    archive = _backup(source, tmp_path / "sicherung.tar.gz")

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"manifest.json", "database.sqlite3", f"media/{logo_name}"} <= names
    assert manifest["format"] == "rathaus-backup/1"
    assert manifest["database"]["migrations"]["tenants"]
    assert len(manifest["files"][f"media/{logo_name}"]["sha256"]) == 64

    # A new, empty machine: an empty database file and no media directory yet.
    target = sqlite_db("target", migrated=False)
    settings.MEDIA_ROOT = str(tmp_path / "neue-medien")
    out = io.StringIO()
    call_command("restore", archive, database=target, stdout=out)

    restored = Municipality.objects.using(target).get(slug="alpha")
    assert restored.logo.name == logo_name
    assert Domain.objects.using(target).get(host="alpha.example").municipality_id == restored.pk
    assert (tmp_path / "neue-medien" / logo_name).read_bytes() == PNG
    assert "Wiederhergestellt" in out.getvalue()


def test_restore_refuses_to_overwrite_data_without_force(
    sqlite_db: Any, media: Path, tmp_path: Path, settings: Any
) -> None:
    source = sqlite_db("source", migrated=True)
    logo_name = _tenant_with_logo(source).logo.name
    archive = _backup(source, tmp_path / "sicherung.tar.gz")
    Municipality.objects.using(source).filter(slug="alpha").update(name="Später geändert")

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", archive, database=source, stdout=io.StringIO())
    assert Municipality.objects.using(source).get(slug="alpha").name == "Später geändert"

    call_command("restore", archive, database=source, force=True, stdout=io.StringIO())
    assert Municipality.objects.using(source).get(slug="alpha").name == "Stadt Alpha"
    assert (media / logo_name).read_bytes() == PNG
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("media.vor-wiederherstellung-")]
    assert len(kept) == 1 and (kept[0] / logo_name).read_bytes() == PNG


def _rewrite(archive: Path, target: Path, change: dict[str, bytes]) -> Path:
    """A copy of ``archive`` with some members' content replaced (manifest unchanged)."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = change.get(member.name, src.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.parametrize("damage", ["file-changed", "database-changed", "truncated", "not-an-archive", "path-escape"])
def test_corrupted_archive_is_rejected_and_nothing_changes(
    sqlite_db: Any, media: Path, tmp_path: Path, settings: Any, damage: str
) -> None:
    source = sqlite_db("source", migrated=True)
    logo_name = _tenant_with_logo(source).logo.name
    archive = _backup(source, tmp_path / "sicherung.tar.gz")
    bad = tmp_path / "kaputt.tar.gz"
    if damage == "file-changed":
        _rewrite(archive, bad, {f"media/{logo_name}": PNG + b"x"})
    elif damage == "database-changed":
        _rewrite(archive, bad, {"database.sqlite3": b"SQLite format 3\x00" + b"\x00" * 100})
    elif damage == "truncated":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "not-an-archive":
        bad.write_bytes(b"kein Archiv")
    else:
        with tarfile.open(bad, "w:gz") as tar:
            info = tarfile.TarInfo("../ausserhalb.txt")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"boom"))

    target = sqlite_db("target", migrated=False)
    settings.MEDIA_ROOT = str(tmp_path / "neue-medien")
    with pytest.raises(CommandError, match="beschädigt"):
        call_command("restore", bad, database=target, force=True, stdout=io.StringIO())
    with connections[target].cursor() as cursor:
        assert connections[target].introspection.table_names(cursor) == []
    assert not (tmp_path / "neue-medien").exists()
    assert not (tmp_path / "ausserhalb.txt").exists()


def test_backup_refuses_existing_output(sqlite_db: Any, media: Path, tmp_path: Path) -> None:
    source = sqlite_db("source", migrated=True)
    existing = tmp_path / "schon-da.tar.gz"
    existing.write_bytes(b"alt")
    with pytest.raises(CommandError, match="gibt es schon"):
        _backup(source, existing)
    assert existing.read_bytes() == b"alt"


@pytest.mark.django_db(transaction=True)
def test_default_database_backup_or_postgres_refusal(tenant: Municipality, media: Path, tmp_path: Path) -> None:
    """The test lane's own database: SQLite (in memory) is backed up; PostgreSQL is refused in German."""
    output = tmp_path / "sicherung.tar.gz"
    if connections["default"].vendor == "sqlite":
        _backup("default", output)
        with tarfile.open(output) as tar:
            assert "database.sqlite3" in tar.getnames()
        with pytest.raises(CommandError, match="--force"):
            call_command("restore", output, stdout=io.StringIO())
    else:
        with pytest.raises(CommandError, match="pg_dump"):
            _backup("default", output)
        assert not output.exists()
        with pytest.raises(CommandError, match="pg_restore"):
            call_command("restore", tmp_path / "egal.tar.gz", stdout=io.StringIO())
