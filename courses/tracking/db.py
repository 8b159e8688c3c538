"""Plain SQL for the tracking hot path: a server-binding cursor on Django's connection.

Django's PostgreSQL cursors bind parameters on the client (the whole value is
escaped into the query text): for commits carrying up to 64 KB of suspend data
that is wasted CPU. The few hot-path statements use a psycopg cursor with
server-side binding on the same connection (same transaction, same adapters),
with Django's error translation. Statements are not prepared, so connection
poolers in transaction mode keep working.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def raw_cursor() -> Iterator[psycopg.Cursor]:
    """A server-binding cursor on the default connection (Django errors)."""
    connection.ensure_connection()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor
