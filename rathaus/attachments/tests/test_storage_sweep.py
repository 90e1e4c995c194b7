"""Garbage collection of attachment blobs and of temp files a crash left behind: what goes, what stays, how many."""

from __future__ import annotations

import hashlib
import os
import types
from pathlib import Path

import pytest
from django.core.files.storage import storages

from rathaus.attachments import storage

NOW = 1_750_000_000  # a whole second: file times and "now" compare exactly


def _blob(text: str, *, age: int | None = None, root: Path | None = None) -> str:
    data = text.encode()
    key = storage.store(data, hashlib.sha256(data).hexdigest())
    if age is not None:
        assert root is not None
        os.utime(root / key, (NOW - age, NOW - age))
    return key


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def frozen_clock(monkeypatch) -> int:
    monkeypatch.setattr(storage, "time", types.SimpleNamespace(time=lambda: float(NOW)))
    return NOW


# --- unreferenced blobs --------------------------------------------------------------------------------------


def test_a_referenced_or_missing_key_does_not_end_the_collection(media, frozen_clock):
    kept = _blob("referenced", age=7200, root=media)
    orphan = _blob("orphan", age=7200, root=media)
    missing = storage.key_for(hashlib.sha256(b"never stored").hexdigest())

    deleted = storage.delete_unreferenced([kept, missing, orphan], referenced=lambda key: key == kept)

    assert deleted == 1
    assert list(storage.iter_keys()) == [kept]


def test_a_young_blob_does_not_end_the_collection(media, frozen_clock):
    young = _blob("young", age=10, root=media)
    old = _blob("old", age=7200, root=media)

    deleted = storage.delete_unreferenced([young, old], referenced=lambda key: False)

    assert deleted == 1
    assert list(storage.iter_keys()) == [young]


def test_the_count_is_the_number_of_blobs_deleted(media, frozen_clock):
    keys = [_blob(f"orphan {i}", age=7200, root=media) for i in range(3)]
    kept = _blob("kept", age=7200, root=media)

    assert storage.delete_unreferenced([*keys, kept], referenced=lambda key: key == kept) == 3
    assert list(storage.iter_keys()) == [kept]
    assert storage.delete_unreferenced([*keys, kept], referenced=lambda key: key == kept) == 0


@pytest.mark.parametrize(("age", "deleted"), [(99, 0), (100, 1), (101, 1)])
def test_a_blob_exactly_min_age_old_is_collected(media, frozen_clock, age, deleted):
    key = _blob("orphan", age=age, root=media)

    assert storage.delete_unreferenced([key], referenced=lambda key: False, min_age_seconds=100) == deleted
    assert (media / key).exists() == (not deleted)


def test_a_key_that_is_not_ours_is_refused(media, frozen_clock):
    orphan = _blob("orphan", age=7200, root=media)

    with pytest.raises(ValueError):
        storage.delete_unreferenced(["attachments/../../etc/passwd", orphan], referenced=lambda key: False)
    assert (media / orphan).exists()


# --- temp files ------------------------------------------------------------------------------------------------


def _temp(root: Path, shard: str, name: str, age: int) -> Path:
    path = root / storage.PREFIX / shard / f"{storage.TEMP_PREFIX}{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial upload")
    os.utime(path, (NOW - age, NOW - age))
    return path


def test_every_stale_temp_file_is_removed_and_counted(media, frozen_clock):
    stale = [_temp(media, "ab", "one", 7200), _temp(media, "ab", "two", 7200), _temp(media, "cd", "three", 7200)]
    fresh = _temp(media, "cd", "fresh", 10)
    key = _blob("a blob that is no temp file", age=7200, root=media)

    assert storage.delete_stale_temp_files(min_age_seconds=3600) == 3
    assert not any(path.exists() for path in stale)
    assert fresh.exists()
    assert (media / key).exists()


@pytest.mark.parametrize(("age", "removed"), [(99, 0), (100, 1), (101, 1)])
def test_a_temp_file_exactly_min_age_old_is_removed(media, frozen_clock, age, removed):
    path = _temp(media, "ab", "x", age)

    assert storage.delete_stale_temp_files(min_age_seconds=100) == removed
    assert path.exists() == (not removed)


def test_a_temp_file_that_vanishes_during_the_sweep_is_skipped(media, frozen_clock):
    # A dangling link stands for a temp file that a concurrent store() renamed between listing and stat().
    shard = media / storage.PREFIX / "ab"
    shard.mkdir(parents=True)
    (shard / f"{storage.TEMP_PREFIX}gone").symlink_to(shard / "does-not-exist")
    stale = _temp(media, "ab", "stale", 7200)

    assert storage.delete_stale_temp_files(min_age_seconds=3600) == 1
    assert not stale.exists()


def test_without_a_filesystem_storage_there_are_no_temp_files(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    data = b"blob"
    storage.store(data, hashlib.sha256(data).hexdigest())

    assert storage.delete_stale_temp_files(min_age_seconds=0) == 0
    assert list(storage.iter_keys()) == [storage.key_for(hashlib.sha256(data).hexdigest())]
    assert storages["default"].exists(storage.key_for(hashlib.sha256(data).hexdigest()))
