"""Pieces every definition model shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


def _empty_list() -> list:
    return []


def _raise_collected(errors: dict[str, list[str]]) -> None:
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def definition_company_id(obj: models.Model) -> int | None:
    """The company that owns a definition."""
    return getattr(obj, "company_id", None)
