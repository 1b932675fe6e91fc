"""API list pages written row by row: `RowListSerializer`, the definition serializers' `list_serializer_class`.

Replaces: DRF's `ListSerializer.to_representation`, which writes each row through every field's
`get_attribute` and `to_representation`. This writer works out once per serializer class how
each readable field is read (a column, a foreign key id, a time in ISO 8601, a method) and then
reads rows with plain attribute access; the JSON is the same. The saving on a 100-row page is
recorded in docs/performance.md (REST API lists).

Can go when DRF's own list serialisation meets the API list targets of docs/performance.md
(set `list_serializer_class` back to DRF's and run `bench/run.py`, part 4), or when a field kind
the API needs is not one this writer knows (it would fall back to the field for each row).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings


def _as_text(value):
    return value if type(value) is str else str(value)


def _as_int(value):
    return value if type(value) is int else int(value)


def _same(value):
    return value


def _model_field(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_column(model: type[models.Model], name: str) -> bool:
    field = _model_field(model, name)
    return bool(field is not None and field.concrete and not field.is_relation and field.attname == name)


def _foreign_key_column(model: type[models.Model], name: str) -> str | None:
    """The id column of a forward foreign key (`workflow` -> `workflow_id`), else None."""
    field = _model_field(model, name)
    if field is not None and field.concrete and field.many_to_one:
        return field.attname
    return None


def _row_step(model: type[models.Model], field: serializers.Field):
    """How one readable field is written for a list row, exactly as its own `to_representation`.

    Returns `(kind, attribute, convert)`: "attr" reads the attribute (None stays None) and applies
    `convert`; "method" calls the serializer's `get_<name>`; "datetime" formats like DRF's ISO 8601
    output in the current time zone; "field" falls back to the field itself (anything else).
    """
    kind = type(field)
    source = field.source
    if isinstance(field, serializers.SerializerMethodField):
        return "method", field.method_name, None
    if source == "*" or "." in source:
        return "field", field.field_name, None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        plain = (
            field.pk_field is None
            and kind.get_attribute is serializers.PrimaryKeyRelatedField.get_attribute
            and kind.to_representation is serializers.PrimaryKeyRelatedField.to_representation
        )
        column = _foreign_key_column(model, source) if plain else None
        if column:
            # DRF reads the raw foreign key id (no join, no query); so does the row.
            return "attr", column, _same
        return "field", field.field_name, None
    if kind.get_attribute is not serializers.Field.get_attribute or not _is_column(model, source):
        # Properties, methods and custom lookups keep DRF's own reading (callables are called).
        return "field", field.field_name, None
    if kind.to_representation is serializers.DateTimeField.to_representation:
        iso = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if isinstance(iso, str) and iso.lower() == ISO_8601 and not hasattr(field, "timezone"):
            return "datetime", source, None
        return "field", field.field_name, None
    if kind.to_representation is serializers.CharField.to_representation:
        return "attr", source, _as_text
    if kind.to_representation is serializers.IntegerField.to_representation:
        return "attr", source, _as_int
    if kind.to_representation is serializers.BigIntegerField.to_representation:
        as_text = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return "attr", source, _as_text if as_text else _as_int
    if kind.to_representation is serializers.JSONField.to_representation and not field.binary:
        return "attr", source, _same
    if kind.to_representation is serializers.ReadOnlyField.to_representation:
        return "attr", source, _same
    if kind.to_representation is serializers.ChoiceField.to_representation:
        mapping = dict(field.choice_strings_to_values)

        def choice(value, mapping=mapping):
            if value == "":
                return value
            if isinstance(value, Enum) and str(value) != str(value.value):
                value = value.value
            return mapping.get(str(value), value)

        return "attr", source, choice
    return "field", field.field_name, None


# The plan of each serializer class (a subclass may declare other fields: it has its own).
_PLANS: dict[type[serializers.Serializer], list[tuple[str, str, str, Any]]] = {}


def _row_plan(child: serializers.Serializer) -> list[tuple[str, str, str, Any]]:
    """The per-field steps of one serializer class, worked out once per process.

    The field lists of the definition serializers never depend on the request.
    """
    plan = _PLANS.get(type(child))
    if plan is None:
        model = child.Meta.model
        readable = [field for field in child.fields.values() if not field.write_only]
        plan = _PLANS[type(child)] = [(field.field_name, *_row_step(model, field)) for field in readable]
    return plan


class RowListSerializer(serializers.ListSerializer):
    """A page of definitions, written row by row without DRF's per-field machinery.

    DRF's generic path looks each attribute up through `source_attrs`, converts every time to
    the current zone and makes a `PKOnlyObject` per foreign key, and rebuilds the field list per
    request. The output is the same as the child serializer's, field for field
    (`tests/api/test_list_rows.py` compares them); fields this writer does not know are written
    by the field itself. Read-only: input still goes through the child serializer.
    """

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        getters = self._getters()
        return [{name: get(row) for name, get in getters} for row in rows]

    def _getters(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """One callable per output field, reading a row; the current time zone is read once."""
        child = self.child
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        getters = []
        for name, kind, attribute, convert in _row_plan(child):
            if kind == "method":
                get = getattr(child, attribute)
            elif kind == "field":
                get = _field_getter(child.fields[attribute])
            elif kind == "datetime":
                get = _datetime_getter(attribute, zone)
            elif convert is _same:
                get = attrgetter(attribute)  # None stays None
            else:
                get = _converting_getter(attribute, convert)
            getters.append((name, get))
        return getters


def _converting_getter(attribute: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(row):
        value = getattr(row, attribute)
        return None if value is None else convert(value)

    return get


def _datetime_getter(attribute: str, zone) -> Callable[[Any], Any]:
    # Both database backends give aware values in UTC: when that is also the output zone, the
    # conversion (a third of a row's writing time) changes nothing and is skipped.
    output_in_utc = zone is UTC or getattr(zone, "key", None) == "UTC"

    def get(row):
        value = getattr(row, attribute)
        if not value:
            return None
        if isinstance(value, str):
            return value
        if not (output_in_utc and value.tzinfo is UTC):
            value = _local_datetime(value, zone)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return get


def _field_getter(field: serializers.Field) -> Callable[[Any], Any]:
    """DRF's own reading and writing of one field (as `Serializer.to_representation` does)."""

    def get(row):
        value = field.get_attribute(row)
        check = value.pk if isinstance(value, PKOnlyObject) else value
        return None if check is None else field.to_representation(value)

    return get


def _local_datetime(value: datetime, zone):
    """DRF's `enforce_timezone` for output: aware values in the current zone (naive made aware)."""
    if zone is None:
        return timezone.make_naive(value, UTC) if timezone.is_aware(value) else value
    if timezone.is_aware(value):
        return value.astimezone(zone)
    return timezone.make_aware(value, zone)
