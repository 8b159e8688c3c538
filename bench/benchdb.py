"""Shared set-up of the benchmarks: environment defaults and their own database."""

from __future__ import annotations

import os


def prepare_environment(defaults: dict[str, str]) -> None:
    """Apply ``defaults`` to unset variables, then create the benchmark database.

    The database named by ``DATABASE_URL`` is created (empty) when it does not
    exist yet; migrations run later, once Django is set up.
    """
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
