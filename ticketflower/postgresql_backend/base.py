"""Django's PostgreSQL backend, reading time stamps with psycopg's compiled loader.

Django 5.2 registers its own subclass of psycopg's `TimestamptzLoader` on every connection, to
give each value read the connection's time zone. psycopg's compiled (C) loader cannot be
subclassed, so Django's subclass parses every `timestamptz` value in Python: on a 100-row API
page of definitions, which carry two or three time stamps each, that is most of the time spent
reading the rows from the database.

When Django wants UTC (`USE_TZ`, no database `TIME_ZONE`: this project's settings) and the
session's time zone is UTC (Django sets it so when it connects), psycopg's own loader gives the
very same values, aware and in `datetime.timezone.utc`; each cursor is given that loader. In
any other case Django's loader stays.

A speed shortcut, kept here because `DATABASES["ENGINE"]` names a backend package. Its saving
is recorded in docs/performance.md (REST API lists). It can go when Django uses psycopg's
compiled loader itself (Django ticket #36960).
"""

from __future__ import annotations

from datetime import UTC

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

if is_psycopg3:
    from psycopg.types.datetime import TimestamptzLoader


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        # Per cursor, not on the connection: Django's `create_cursor` reads a `timezone` attribute
        # from the connection's loader, which psycopg's compiled loader does not have.
        if self.reads_utc_time_stamps():
            # psycopg puts its compiled loader in place of the class named here when it has one.
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        return cursor

    def reads_utc_time_stamps(self) -> bool:
        """Whether psycopg's own loader reads time stamps exactly as Django's would: in UTC."""
        return is_psycopg3 and self.timezone is UTC and self.connection.info.parameter_status("TimeZone") == "UTC"
