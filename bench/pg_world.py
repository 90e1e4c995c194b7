"""What the PostgreSQL benchmarks share: a fresh database for the run, and bulk rows by COPY."""

from __future__ import annotations

import os
from collections.abc import Iterable


def setup(pg_url: str) -> None:
    """Drop and create the database of ``pg_url``, point Django at it (test settings) and migrate."""
    import psycopg

    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """``rows`` into ``table`` by COPY (psycopg 3), in the current connection's transaction."""
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
