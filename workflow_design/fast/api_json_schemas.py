"""The JSON Schemas of API rows, each form's built once.

Replaces: building the JSON Schema of every field list of every row an API list answers
(`rules.json_schema_fields.field_list_as_json_schema`, two a task). A company's rows share a
few forms, so each distinct list (in the language asked for) is built once and copied after; a
copy, because a row's schema is its own (its title is set per row). The saving on a 100-task
page is recorded in docs/performance.md (REST API lists).

It can go when the schema is stored with its row, or when building one costs less than copying.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import orjson

from workflow_design.rules.json_schema_fields import field_list_as_json_schema


@lru_cache(maxsize=4096)
def _built(fields_json: bytes, language: str | None) -> bytes:
    return orjson.dumps(field_list_as_json_schema(json.loads(fields_json)))


def json_schema_of(fields: list[dict[str, Any]] | None, title: str, *, language: str | None) -> dict[str, Any]:
    """`field_list_as_json_schema(fields, title=title)` in `language` (the request's, read once
    a page by the caller: reading it costs half of a cached schema), a fresh dict each time."""
    try:
        key = orjson.dumps(fields or [], option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # what orjson does not write (an integer past 64 bits)
        key = json.dumps(fields or [], sort_keys=True).encode()
    schema = orjson.loads(_built(key, language))
    if title:
        schema["title"] = title
    return schema
