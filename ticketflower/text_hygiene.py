"""Which characters stored text may hold: the one rule for every way text arrives.

Titles, descriptions, conditions and the text inside JSON values (form fields' labels and
choices, layouts, references) may hold any character except control characters, other than tab,
line feed and carriage return (browsers send a text area's line breaks as CR LF), and lone
surrogates, which no database or file encoding can store. PostgreSQL refuses NUL outright, and a
spreadsheet cannot hold the other C0 controls, so such text would fail later, far from where it
was typed. The models apply the rule when they are validated (`CleanText`; every service
validates before it saves), the companies', roles' and users' as the definitions'; the bundle
reader applies it to a whole document so a refusal names the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# One character class, matched one character at a time: linear in the text, nothing to backtrack.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# What an export writes instead of a character stored before the rule (it shows where one was).
REPLACEMENT = "\ufffd"


def text_problem(text: str) -> str | None:
    """The refusal of a text that holds a character it may not, or None."""
    found = _NOT_TEXT.search(text)
    if found is None:
        return None
    return _(
        "Control characters are not allowed: U+%(code)04X at character %(position)d. Only tabs and line breaks are."
    ) % {"code": ord(found.group()), "position": found.start() + 1}


def _children(item: Any, path: str) -> Iterable[tuple[Any, str]]:
    if isinstance(item, dict):
        for key, value in item.items():
            inner = f"{path}.{key}" if path else str(key)
            yield key, inner
            yield value, inner
    elif isinstance(item, list):
        for index, value in enumerate(item):
            yield value, f"{path}[{index}]"


def json_text_problem(value: Any) -> str | None:
    """The refusal of the first text in a JSON value (keys included) that breaks the rule, naming
    where it is (`tasks[2].title`, `[0].choices[1].label`), or None. Walked with a stack."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                # The path is the user's own text: shown cut short, and never with the bad character.
                where = _NOT_TEXT.sub(REPLACEMENT, path[:200])
                return f"{where}: {problem}" if where else problem
        else:
            stack.extend(reversed(list(_children(item, path))))
    return None


def field_problems(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, str]:
    """Each text or JSON field of a model row that breaks the rule, with its refusal."""
    skipped = set(exclude)
    problems: dict[str, str] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.JSONField):
            problem = json_text_problem(value)
        elif isinstance(value, str):
            problem = text_problem(value)
        else:
            continue
        if problem:
            problems[field.name] = problem
    return problems


def printable(text: str) -> str:
    """Text fit for a file format that cannot hold control characters (an XLSX cell): text stored
    before the rule gets the replacement character where it breaks it, instead of a failed export."""
    return _NOT_TEXT.sub(REPLACEMENT, text)


class CleanText:
    """Mixed into a model: each text and JSON field is checked by the rule when the row is
    validated, beside the fields' own validation."""

    def clean_fields(self, exclude=None) -> None:
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for name, problem in field_problems(self, exclude or ()).items():  # type: ignore[arg-type]
            errors.setdefault(name, []).append(ValidationError(problem, code="control_character"))
        if errors:
            raise ValidationError(errors)
