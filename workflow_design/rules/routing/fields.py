"""The fields a condition may read, as solver variables constrained by their schemas.

Each field becomes a "set" flag (constant true when the form requires it or gives a default: the
runtime then always has a value) and a value variable of its type, bounded by the schema
(minimum/maximum, min/max length, choices). Field specs are plain, hashable data so a task's
result can be cached under a digest of them.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import z3

from workflow_design.rules.field_schemas import (
    BOOLEAN,
    CHOICE,
    DATE,
    EMAIL,
    INTEGER,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    TEXT,
    fields_by_name,
)

ANALYSED_TYPES = {BOOLEAN, CHOICE, DATE, EMAIL, INTEGER, LONG_TEXT, MULTIPLE_CHOICE, NUMBER, TEXT}
TEXT_LIKE = {TEXT, LONG_TEXT, EMAIL}
EPOCH = datetime.date(1970, 1, 1)
FIRST_DAY = (datetime.date(1900, 1, 1) - EPOCH).days
LAST_DAY = (datetime.date(2999, 12, 31) - EPOCH).days


@dataclass(frozen=True)
class FieldSpec:
    """What the analysis knows of one field: its type, whether it always has a value, its bounds."""

    type: str
    always_set: bool
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None

    def as_key(self) -> list:
        return [self.type, self.always_set, list(self.choices), self.minimum, self.maximum]


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def spec_of(definition: dict[str, Any]) -> FieldSpec:
    field_type = definition.get("type")
    if field_type not in ANALYSED_TYPES:
        return FieldSpec(type=str(field_type), always_set=False)
    has_default = definition.get("default") not in (None, "")
    choices = tuple(
        str(c.get("value") if isinstance(c, dict) else c) for c in definition.get("choices") or [] if c is not None
    )
    low, high = _number(definition.get("min")), _number(definition.get("max"))
    spec = FieldSpec(type=field_type, always_set=bool(definition.get("required")) or has_default, choices=choices)
    if field_type in (INTEGER, NUMBER):
        return FieldSpec(**{**spec.__dict__, "minimum": low, "maximum": high})
    if field_type in TEXT_LIKE:
        lengths = [v for v in (high, _number(definition.get("max_length"))) if v is not None]
        return FieldSpec(
            **{
                **spec.__dict__,
                "min_length": int(low) if low is not None else None,
                "max_length": int(min(lengths)) if lengths else None,
            }
        )
    return spec


def specs_of(fields: Any) -> dict[str, FieldSpec]:
    """The specs of a field list; big workflows repeat a few forms, so they are remembered by JSON text."""
    try:
        text = json.dumps(fields, sort_keys=True)
    except (TypeError, ValueError):
        return _specs_of(fields)
    return dict(_remembered_specs(text))


@lru_cache(maxsize=4096)
def _remembered_specs(fields_json: str) -> tuple[tuple[str, FieldSpec], ...]:
    return tuple(_specs_of(json.loads(fields_json)).items())


def _specs_of(fields: Any) -> dict[str, FieldSpec]:
    return {name: spec_of(definition) for name, definition in fields_by_name(fields).items()}


def _loosest(values: list, pick) -> Any:
    return None if any(v is None for v in values) else pick(values)


def merged_ticket_specs(field_lists: list[Any]) -> dict[str, FieldSpec] | None:
    """Fields every ticket definition using the workflow has, with the loosest of their bounds.

    A ticket may be of any of those definitions, so a value allowed by one of them is possible.
    `None` when no ticket definition uses the workflow (ticket fields are then unknown).
    """
    if not field_lists:
        return None
    per_definition = [specs_of(fields) for fields in field_lists]
    merged: dict[str, FieldSpec] = {}
    for name, first in per_definition[0].items():
        specs = [specs.get(name) for specs in per_definition]
        if any(s is None for s in specs):
            continue
        if len({s.type for s in specs}) > 1:
            merged[name] = FieldSpec(type="mixed", always_set=False)
            continue
        choices = tuple(sorted({c for s in specs for c in s.choices}))
        merged[name] = FieldSpec(
            type=first.type,
            always_set=all(s.always_set for s in specs),
            choices=choices,
            minimum=_loosest([s.minimum for s in specs], min),
            maximum=_loosest([s.maximum for s in specs], max),
            min_length=_loosest([s.min_length for s in specs], min),
            max_length=_loosest([s.max_length for s in specs], max),
        )
    return merged


@dataclass
class FieldVariable:
    """One field in the solver: its set flag, its value and what the value may be."""

    reference: str  # "output.amount"
    spec: FieldSpec
    is_set: z3.BoolRef
    value: Any  # a z3 expression, a dict of choice -> Bool for multiple choice
    constraints: list

    @property
    def is_double(self) -> z3.BoolRef:
        """Whether the runtime holds the value as a double: a whole number arrives as an int."""
        if self.spec.type == NUMBER:
            return z3.Not(z3.IsInt(self.value))
        return z3.BoolVal(False)


def field_variable(reference: str, spec: FieldSpec) -> FieldVariable:
    is_set = z3.BoolVal(True) if spec.always_set else z3.Bool(f"{reference}?")
    constraints: list = []
    kind = spec.type
    if kind == BOOLEAN:
        value: Any = z3.Bool(reference)
    elif kind in (INTEGER, NUMBER):
        value = z3.ToReal(z3.Int(reference)) if kind == INTEGER else z3.Real(reference)
        if spec.minimum is not None:
            constraints.append(value >= _real(spec.minimum))
        if spec.maximum is not None:
            constraints.append(value <= _real(spec.maximum))
    elif kind in TEXT_LIKE:
        value = z3.String(reference)
        if spec.min_length is not None:
            constraints.append(z3.Length(value) >= spec.min_length)
        if spec.max_length is not None:
            constraints.append(z3.Length(value) <= spec.max_length)
        if kind == EMAIL:
            constraints.append(z3.Contains(value, z3.StringVal("@")))
    elif kind == CHOICE:
        value = z3.Int(reference)
        constraints += [value >= 0, value < len(spec.choices)]
    elif kind == MULTIPLE_CHOICE:
        value = {choice: z3.Bool(f"{reference}[{choice}]") for choice in spec.choices}
    elif kind == DATE:
        value = z3.Int(reference)
        constraints += [value >= FIRST_DAY, value <= LAST_DAY]
    else:
        value = None
    return FieldVariable(reference, spec, is_set, value, constraints)


def _real(number: float) -> z3.ArithRef:
    return z3.RealVal(str(Fraction(number)) if isinstance(number, float) else number)


def day_number(text: str) -> int | None:
    """Days since 1970-01-01 of an ISO date literal, `None` when the text is not one."""
    try:
        return (datetime.date.fromisoformat(text) - EPOCH).days if len(text) == 10 else None
    except ValueError:
        return None


def plain_value(model: z3.ModelRef, variable: FieldVariable) -> tuple[bool, Any]:
    """(has a value, the value as the ticket data would hold it) of one field in a solver model."""
    if not z3.is_true(model.eval(variable.is_set, model_completion=True)):
        return False, None
    kind, value = variable.spec.type, variable.value
    if kind == MULTIPLE_CHOICE:
        return True, [c for c, member in value.items() if z3.is_true(model.eval(member, model_completion=True))]
    evaluated = model.eval(value, model_completion=True)
    if kind == BOOLEAN:
        return True, z3.is_true(evaluated)
    if kind in (INTEGER, NUMBER):
        fraction = evaluated.as_fraction()
        return True, int(fraction) if fraction.denominator == 1 else float(fraction)
    if kind in TEXT_LIKE:
        return True, evaluated.as_string()
    if kind == CHOICE:
        return True, variable.spec.choices[evaluated.as_long()]
    if kind == DATE:
        return True, (EPOCH + datetime.timedelta(days=evaluated.as_long())).isoformat()
    return False, None


def plain_model_constraints(variables: list[FieldVariable]) -> list:
    """Preferences for a readable counterexample: printable text, numbers with few decimals."""
    printable = z3.Star(z3.Range(" ", "~"))
    preferred = []
    for variable in variables:
        if variable.spec.type in TEXT_LIKE:
            preferred.append(z3.InRe(variable.value, printable))
        elif variable.spec.type == NUMBER:
            preferred.append(z3.IsInt(variable.value * 100))
    return preferred
