"""store() on the filesystem: permissions, new directories made durable, races and vanished temp files,
the configured storage alias and the errors it raises."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from django.core.files.storage import storages

from rathaus.attachments import storage
from rathaus.attachments.storage import open_blob, store

DATA = b"%PDF-1.7 Antrag auf Sondernutzung"
SHA = hashlib.sha256(DATA).hexdigest()
FS = "django.core.files.storage.FileSystemStorage"


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": FS, "OPTIONS": {"location": str(root)}}}
    return root


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_configured_permission_modes_apply_to_new_directories_and_the_blob(settings, tmp_path):
    root = tmp_path / "media"
    options = {"location": str(root), "file_permissions_mode": 0o640, "directory_permissions_mode": 0o750}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": FS, "OPTIONS": options}}
    root.mkdir()

    key = store(DATA, SHA)

    assert _mode(root / key) == 0o640  # not mkstemp's 0600
    assert _mode(root / "attachments") == 0o750
    assert _mode(root / "attachments" / SHA[:2]) == 0o750


def test_every_new_directory_is_fsynced_in_its_parent(media, monkeypatch):
    synced: list[tuple[int, int]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            synced.append((st.st_dev, st.st_ino))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)

    key = store(DATA, SHA)

    def ident(path: Path) -> tuple[int, int]:
        st = path.stat()
        return (st.st_dev, st.st_ino)

    shard = (media / key).parent
    # media/ and attachments/ hold new entries, the shard holds the renamed blob
    assert {ident(media.parent), ident(media), ident(shard.parent), ident(shard)} <= set(synced)


def test_a_directory_made_by_a_parallel_upload_is_no_error(media, monkeypatch):
    real_mkdir = Path.mkdir

    def parallel_upload_first(self: Path, *args, **kwargs) -> None:
        real_mkdir(self, *args, **kwargs)  # the other upload wins the race ...
        real_mkdir(self, *args, **kwargs)  # ... so ours raises FileExistsError

    monkeypatch.setattr(Path, "mkdir", parallel_upload_first)

    key = store(DATA, SHA)

    monkeypatch.undo()
    assert open_blob(key) == DATA


def test_a_temp_file_that_vanished_before_the_rename_surfaces_as_such(media, monkeypatch):
    real_replace = os.replace

    def swept_meanwhile(src, dst) -> None:
        os.unlink(src)  # e.g. a sweep with min_age_seconds=0 running at the same moment
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", swept_meanwhile)

    with pytest.raises(FileNotFoundError):
        store(DATA, SHA)

    assert not (media / storage.key_for(SHA)).exists()


def test_blobs_go_to_the_storage_named_by_the_setting(settings, tmp_path):
    default_root, blob_root = tmp_path / "media", tmp_path / "blobs"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": FS, "OPTIONS": {"location": str(default_root)}},
        "attachments": {"BACKEND": FS, "OPTIONS": {"location": str(blob_root)}},
    }
    settings.RATHAUS_ATTACHMENTS_STORAGE = "attachments"

    key = store(DATA, SHA)

    assert (blob_root / key).read_bytes() == DATA
    assert not (default_root / key).exists()
    assert open_blob(key) == DATA
    assert list(storage.iter_keys()) == [key]


def test_a_wrong_hash_is_refused_with_a_plain_message(media):
    with pytest.raises(ValueError, match=r"^sha256 is not the SHA-256 hex digest of data$"):
        store(DATA, hashlib.sha256(b"other").hexdigest())


def test_a_storage_that_renames_on_collision_is_refused_naming_both_keys(settings, monkeypatch):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    backend = storages["default"]
    monkeypatch.setattr(backend, "get_available_name", lambda name, max_length=None: f"{name}_a1b2c3d")
    key = storage.key_for(SHA)

    with pytest.raises(RuntimeError) as raised:
        store(DATA, SHA)

    assert str(raised.value) == f"storage saved {key!r} as {key + '_a1b2c3d'!r}"
