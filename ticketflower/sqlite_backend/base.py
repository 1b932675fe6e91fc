"""Django's SQLite backend, told the number of parameters a statement may really hold.

Django 5.2 assumes 999 (SQLite's compile-time default before 3.32) and cuts every bulk insert
into statements of 999 / columns rows, so a 600-transition bundle took six statements per table
where a 60-transition one took one. The library reports its own limit (32,766 by default since
3.32); a library built with a lower one still gets its own.

A speed shortcut, kept here because `DATABASES["ENGINE"]` names a backend package: it is a
backport of Django 6.0's change, where the SQLite backend reads `max_query_params` from the
library itself. It can go when the project moves to Django 6.0; its saving (a bundle's
query count no longer growing with its size) is recorded in docs/performance.md.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property

DJANGO_ASSUMED_MAX_PARAMS = 999


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int:
        self.connection.ensure_connection()
        limit = self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(limit, DJANGO_ASSUMED_MAX_PARAMS)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
