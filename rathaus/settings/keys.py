"""The Django ``SECRET_KEY``: from the environment, or generated once and kept in the data directory.

Everything signed (sessions, CSRF tokens, e-mail confirmation links) is only as secret as this key, so there is
no fixed fallback anywhere: the embedded mode creates a random key on its first start (file mode 0600) and
production refuses to start without a strong one from the environment.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5  # the same bar as Django's check --deploy (security.W009)
# Keys that were ever written in this repository or in Django's templates: never accepted in production.
KNOWN_INSECURE_KEYS = frozenset({"embedded-insecure-do-not-use-in-production"})


def weakness(key: str) -> str | None:
    """Why ``key`` must not sign anything in production, or None if it is acceptable."""
    if not key:
        return "SECRET_KEY is not set"
    if key in KNOWN_INSECURE_KEYS or key.startswith("django-insecure"):
        return "SECRET_KEY is a published key"
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"SECRET_KEY has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return None


def persistent_secret_key(data_dir: Path) -> str:
    """The key kept in ``data_dir``, created with 64 random bytes on the first call.

    Safe when several processes start at once: the key is written to a private temporary file and then linked to
    its final name, which fails if another process got there first (the loser reads the winner's key). The file
    is never readable by others, not even briefly.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        tmp = data_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)  # a key copied in by hand with a loose mode: nobody else may read it
    key = path.read_text().strip()
    problem = weakness(key)
    if problem is not None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{problem} (read from {path}); delete the file to have a new key generated.")
    return key
