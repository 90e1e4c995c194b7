"""Durable, content-addressed blobs on Django's storage API: key ``attachments/<sha[:2]>/<sha256>``.

The contract that keeps a crash harmless: call :func:`store` *before* creating the row that points to
the key. On return the blob is on disk for good (filesystem: written to a temporary file in the same
directory, fsynced, atomically renamed, directory fsynced); a crash before that leaves nothing under the
key, at most a hidden ``.tmp-*`` file that :func:`delete_stale_temp_files` removes. A crash after it but
before the row commits leaves an unreferenced blob, which :func:`delete_unreferenced` collects.

Storage alias: setting ``RATHAUS_ATTACHMENTS_STORAGE`` (default ``"default"``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

PREFIX = "attachments"
TEMP_PREFIX = ".tmp-"
_KEY = re.compile(rf"^{PREFIX}/([0-9a-f]{{2}})/(\1[0-9a-f]{{62}})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobCorrupted(Exception):
    """A stored blob no longer has the content its key promises (tampering or bit rot)."""


def store(data: bytes, sha256: str) -> str:
    """Store ``data`` durably under its content hash and return the key; idempotent.

    ``sha256`` must be the hex digest of ``data`` (checked; ``ValueError`` otherwise). Storing content
    that is already there writes nothing (a filesystem blob that no longer matches its hash is replaced).
    """
    if not _SHA256.match(sha256) or hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("sha256 is not the SHA-256 hex digest of data")
    key = key_for(sha256)
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        _store_file(storage, key, data, sha256)
    elif not storage.exists(key):
        saved = storage.save(key, ContentFile(data))
        if saved != key:  # a storage that renames on collision would break content addressing
            raise RuntimeError(f"storage saved {key!r} as {saved!r}")
    return key


def open_blob(key: str) -> bytes:
    """The content under ``key``; raises :class:`BlobCorrupted` if it does not hash to the key."""
    expected = _sha_of(key)
    with _storage().open(key, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != expected:
        raise BlobCorrupted(f"blob {key} does not match its hash")
    return data


def delete_unreferenced(
    keys: Iterable[str], referenced: Callable[[str], bool], *, min_age_seconds: float = 3600.0
) -> int:
    """Delete every blob in ``keys`` that ``referenced(key)`` says nobody points to; return how many.

    Blobs younger than ``min_age_seconds`` are kept: they may belong to an upload whose row is not
    committed yet (files are written before their rows). Missing keys are ignored.
    """
    storage = _storage()
    now = time.time()
    deleted = 0
    for key in keys:
        _sha_of(key)  # refuse anything that is not one of our keys
        if referenced(key) or not storage.exists(key):
            continue
        if now - storage.get_modified_time(key).timestamp() < min_age_seconds:
            continue
        storage.delete(key)
        deleted += 1
    return deleted


# Who points to blobs: each module that keeps blob keys registers a function returning every key it holds
# (applications: drafts, attachments; mailbox: message files; records: document versions). The garbage
# collector keeps what any of them names; a module cannot forget the others' references.
_REFERRERS: dict[str, Callable[[], Iterable[str]]] = {}


def register_referrer(name: str, keys: Callable[[], Iterable[str]]) -> None:
    """Register ``keys()`` as a source of referenced blob keys under ``name`` (re-registering replaces)."""
    _REFERRERS[name] = keys


def referenced_keys() -> set[str]:
    """Every blob key any registered module points to (for :func:`delete_unreferenced`)."""
    referenced: set[str] = set()
    for keys in _REFERRERS.values():
        referenced.update(keys())
    return referenced


def iter_keys() -> Iterator[str]:
    """Every blob key in the storage (for garbage collection with :func:`delete_unreferenced`)."""
    storage = _storage()
    if not storage.exists(PREFIX):
        return
    shards, _ = storage.listdir(PREFIX)
    for shard in sorted(shards):
        _, files = storage.listdir(f"{PREFIX}/{shard}")
        for name in sorted(files):
            key = f"{PREFIX}/{shard}/{name}"
            if _KEY.match(key):
                yield key


def delete_stale_temp_files(*, min_age_seconds: float = 3600.0) -> int:
    """Remove temporary files a crash left behind (filesystem storage only); return how many."""
    storage = _storage()
    if not isinstance(storage, FileSystemStorage):
        return 0
    root = Path(storage.path(PREFIX))
    now = time.time()
    removed = 0
    for path in root.glob(f"*/{TEMP_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime >= min_age_seconds:
                path.unlink()
                removed += 1
    return removed


def key_for(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}"


def _sha_of(key: str) -> str:
    match = _KEY.match(key)
    if not match:
        raise ValueError(f"not an attachment key: {key!r}")
    return match.group(2)


def _storage() -> Storage:
    return storages[getattr(settings, "RATHAUS_ATTACHMENTS_STORAGE", "default")]


def _store_file(storage: FileSystemStorage, key: str, data: bytes, sha256: str) -> None:
    final = Path(storage.path(key))
    if final.exists() and _file_sha256(final) == sha256:
        os.utime(final)  # fresh mtime: the garbage collector's grace period starts again for this upload
        return
    _makedirs_durable(final.parent, storage.directory_permissions_mode)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if storage.file_permissions_mode is not None:
            os.chmod(tmp, storage.file_permissions_mode)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(final.parent)


def _makedirs_durable(directory: Path, mode: int | None) -> None:
    """Create ``directory`` and its missing parents, fsyncing each parent so the new entries survive a crash."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a parallel upload made it first
            path.mkdir()
            if mode is not None:
                os.chmod(path, mode)
        _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
