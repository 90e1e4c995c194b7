"""Content-addressed storage: idempotent, fsynced, crash-safe, verified on read, garbage-collectable."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages

from rathaus.attachments import storage
from rathaus.attachments.storage import BlobCorrupted, delete_unreferenced, open_blob, store

DATA = b"%PDF-1.7 Antrag auf Anwohnerparkausweis"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return storages["default"]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_store_puts_the_blob_under_its_hash(media):
    key = store(DATA, SHA)

    assert key == f"attachments/{SHA[:2]}/{SHA}"
    assert (media / key).read_bytes() == DATA
    assert open_blob(key) == DATA


def test_storing_the_same_content_twice_writes_once(media, monkeypatch):
    first = store(DATA, SHA)
    writes = []
    real_mkstemp = storage.tempfile.mkstemp
    monkeypatch.setattr(storage.tempfile, "mkstemp", lambda **kw: writes.append(kw) or real_mkstemp(**kw))

    second = store(DATA, SHA)

    assert first == second
    assert writes == []
    assert _files(media) == [first]


def test_store_refuses_a_hash_that_does_not_match_the_data(media):
    with pytest.raises(ValueError):
        store(DATA, hashlib.sha256(b"other").hexdigest())
    with pytest.raises(ValueError):
        store(DATA, "../../etc/passwd")
    assert _files(media) == []


def test_store_fsyncs_the_file_and_its_directory_before_returning(media, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)

    store(DATA, SHA)

    assert synced.count("file") == 1
    assert synced.index("file") < len(synced) - 1  # a directory fsync follows the rename
    assert synced[-1] == "dir"


def test_temp_file_is_written_in_the_target_directory_then_renamed(media, monkeypatch):
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace
    monkeypatch.setattr(
        os, "replace", lambda src, dst: renames.append((Path(src), Path(dst))) or real_replace(src, dst)
    )

    key = store(DATA, SHA)

    [(src, dst)] = renames
    assert src.parent == dst.parent
    assert src.name.startswith(storage.TEMP_PREFIX)
    assert dst == media / key


def test_crash_between_write_and_rename_leaves_nothing_behind(media, monkeypatch):
    def crash(src, dst):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)

    with pytest.raises(OSError, match="simulated crash"):
        store(DATA, SHA)

    assert not (media / storage.key_for(SHA)).exists()
    assert _files(media) == []  # no temp leftovers either

    monkeypatch.undo()
    assert open_blob(store(DATA, SHA)) == DATA  # and the retry works


def test_temp_files_of_a_hard_crash_are_swept_when_stale(media):
    key = store(DATA, SHA)
    shard = (media / key).parent
    stale = shard / f"{storage.TEMP_PREFIX}stale"
    fresh = shard / f"{storage.TEMP_PREFIX}fresh"
    stale.write_bytes(DATA[:5])
    fresh.write_bytes(DATA[:5])
    old = time.time() - 7200
    os.utime(stale, (old, old))

    assert list(storage.iter_keys()) == [key]  # temp files are never keys
    assert storage.delete_stale_temp_files() == 1
    assert not stale.exists()
    assert fresh.exists()


def test_open_blob_detects_a_corrupted_blob(media):
    key = store(DATA, SHA)
    path = media / key
    path.write_bytes(DATA.replace(b"Antrag", b"Antrug"))

    with pytest.raises(BlobCorrupted):
        open_blob(key)


def test_storing_again_repairs_a_corrupted_blob(media):
    key = store(DATA, SHA)
    (media / key).write_bytes(b"bit rot")

    store(DATA, SHA)

    assert open_blob(key) == DATA


@pytest.mark.parametrize(
    "key",
    [
        "attachments/../../etc/passwd",
        f"attachments/zz/{SHA}",
        f"attachments/{SHA[:2]}/{SHA}x",
        f"other/{SHA[:2]}/{SHA}",
        f"attachments/{SHA[:2]}/{SHA.upper()}",
    ],
    ids=["traversal", "wrong-shard", "too-long", "other-prefix", "upper-case"],
)
def test_open_blob_refuses_keys_that_are_not_ours(media, key):
    with pytest.raises(ValueError):
        open_blob(key)


def test_garbage_collection_deletes_only_old_unreferenced_blobs(media):
    other = b"%PDF-1.7 Anlage"
    kept = store(DATA, SHA)
    orphan = store(other, hashlib.sha256(other).hexdigest())

    assert delete_unreferenced(storage.iter_keys(), referenced=lambda key: key == kept) == 0  # too young

    old = time.time() - 7200
    for key in (kept, orphan):
        os.utime(media / key, (old, old))
    deleted = delete_unreferenced(storage.iter_keys(), referenced=lambda key: key == kept)

    assert deleted == 1
    assert list(storage.iter_keys()) == [kept]


def test_storing_existing_content_restarts_the_grace_period(media):
    key = store(DATA, SHA)
    old = time.time() - 7200
    os.utime(media / key, (old, old))

    store(DATA, SHA)  # a new upload of the same content, its row not yet committed

    assert delete_unreferenced([key], referenced=lambda key: False) == 0


def test_garbage_collection_ignores_missing_keys(media):
    assert delete_unreferenced([storage.key_for(SHA)], referenced=lambda key: False, min_age_seconds=0) == 0


def test_other_storages_save_once_under_the_key(in_memory, monkeypatch):
    saves = []
    real_save = in_memory.save
    monkeypatch.setattr(in_memory, "save", lambda name, content: saves.append(name) or real_save(name, content))

    key = store(DATA, SHA)
    store(DATA, SHA)

    assert saves == [key]
    assert open_blob(key) == DATA
    assert list(storage.iter_keys()) == [key]
    assert delete_unreferenced([key], referenced=lambda key: False, min_age_seconds=0) == 1
    assert not in_memory.exists(key)
