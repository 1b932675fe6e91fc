"""The benchmark's own database, Django set up on it, and the settling before each measurement."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class FreshDatabase:
    """A database of its own for one run: a temporary SQLite file, or a new PostgreSQL database."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.url = os.environ.get("DATABASE_URL", "").strip()
        self.tmpdir: str | None = None
        self.pg: dict | None = None

    def __enter__(self) -> FreshDatabase:
        if self.url and not self.url.startswith("sqlite"):
            name = f"ticketflower_benchrun_{os.getpid()}"
            self.pg = {"name": name}
            self._admin_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            os.environ["DATABASE_URL"] = self._replace_name(self.url, name)
        else:
            self.tmpdir = tempfile.mkdtemp(prefix="ticketflower-bench-")
            os.environ["DATABASE_URL"] = "sqlite:///" + Path(self.tmpdir, "bench.sqlite3").as_posix()
        return self

    @staticmethod
    def _replace_name(url: str, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))

    def _admin_sql(self, *statements: str) -> None:
        import psycopg

        # The server's maintenance database, reached with the same address and user as DATABASE_URL.
        with psycopg.connect(self._replace_name(self.url, "postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        if self.keep:
            print(f"kept the benchmark database: {os.environ['DATABASE_URL']}")
            return
        if self.pg is not None:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.pg["name"]}" WITH (FORCE)')
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def setup_django() -> None:
    # The settings module turns production checks on when DEBUG is off; the benchmark starts
    # in development mode and switches DEBUG off below, before any page is rendered, so pages
    # run without debug query logging and template debug information, as in production.
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Users are made without passwords; a fast hasher keeps any incidental hashing cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def settle_database() -> None:
    """A settled database, as a running one is kept by autovacuum.

    Statistics for the planner and, on PostgreSQL, a vacuumed visibility map, so autovacuum does
    not start mid-measurement. Run after building the data and again before each part: the
    import measurements roll back tens of thousands of rows, whose dead tuples the next part
    would otherwise scan past.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
