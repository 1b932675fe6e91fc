"""The JSON Schemas of API rows, each form's built once.

Replaces: building the JSON Schema of every field list of every row an API list answers
(`rules.json_schema_fields.field_list_as_json_schema`, two a task). A company's rows share a
few forms, so each distinct list (in the language asked for) is built once and kept; a row gets
its own top-level object (its title is set per row) over the kept schema's parts, which are
shared between rows and refuse any change (`FrozenDict`, `FrozenList`): a caller that changed
one would otherwise change every later row's. The saving on a 100-task page is recorded in
docs/performance.md (REST API lists).

It can go when the schema is stored with its row, or when building one costs less than looking
it up.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NoReturn

import orjson

from workflow_design.rules.json_schema_fields import field_list_as_json_schema

SHARED = "This JSON Schema is shared by every row of its form: copy it to change it."


def _refuse(self, *args, **kwargs) -> NoReturn:
    raise TypeError(SHARED)


class FrozenDict(dict):
    """A dict that refuses changes; it is written and compared as any dict."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse


class FrozenList(list):
    """A list that refuses changes; it is written and compared as any list."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse


def frozen(value: Any) -> Any:
    """`value` (parsed JSON) with every dict and list made unchangeable, all the way down."""
    if isinstance(value, dict):
        return FrozenDict((key, frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return FrozenList(frozen(item) for item in value)
    return value


@lru_cache(maxsize=4096)
def _built(fields_json: bytes, language: str | None) -> FrozenDict:
    # `language` is part of the key: the schema's messages are written in it.
    return frozen(field_list_as_json_schema(json.loads(fields_json)))


def json_schema_of(fields: list[dict[str, Any]] | None, title: str, *, language: str | None) -> dict[str, Any]:
    """`field_list_as_json_schema(fields, title=title)` in `language` (the request's, read once
    a page by the caller: reading it costs half of a kept schema), a fresh top-level dict each
    time whose nested parts are shared and unchangeable."""
    try:
        # Two spellings of one form (keys in another order) are two entries of the same schema.
        key = orjson.dumps(fields or [])
    except orjson.JSONEncodeError:  # what orjson does not write (an integer past 64 bits)
        key = json.dumps(fields or []).encode()
    schema = _built(key, language)
    return {**schema, "title": title} if title else dict(schema)
