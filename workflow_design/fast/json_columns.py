"""JSON columns read with orjson: `JSONField`, the design models' field for field lists, layouts
and references.

Replaces: Django's `JSONField.from_db_value`, which parses every value read with the standard
library's `json.loads`. A 100-row API page of workflows reads 300 of them, and parsing them was
one of the larger shares of the page; orjson gives the same values in about a third of the time.
The saving is recorded in docs/performance.md (REST API lists).

Values orjson would read differently are read exactly as Django reads them: those with a run of
19 or more digits (orjson turns integers past 64 bits into floats) and those it refuses (lone
surrogates, nesting past its limit). A field with a custom `decoder` is always read by Django.

It can go when Django's own reading meets the API list targets of docs/performance.md
(`bench/run.py`, part 4): swap the models back to `models.JSONField` (a migration that changes
no column; the migration that named this class keeps importing it, as Django's migrations do).
"""

from __future__ import annotations

import re

import orjson
from django.db import models

# Integers past 64 bits have at least 19 digits; text without such a run reads the same either way.
_LONG_DIGIT_RUN = re.compile(r"[0-9]{19}")


class JSONField(models.JSONField):
    def from_db_value(self, value, expression, connection):
        if type(value) is str and self.decoder is None and not _LONG_DIGIT_RUN.search(value):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass  # read as Django reads it, below
        return super().from_db_value(value, expression, connection)
