"""The routing checks of one task: which of its transitions can be taken, and which tickets it strands.

The transitions leaving a task are tried in priority order and the first whose condition is true
is taken. With `T(i)` "condition i is true" and `reach(i)` "no earlier condition is true":

* never true: `T(i)` has no solution under the field schemas;
* dead: `reach(i) and T(i)` has none, while `T(i)` alone has (earlier transitions take every
  ticket it would take; the counterexample is such a ticket);
* unset field: `reach(i)` with condition i failing on an optional field without a value, when no
  later default catches such a ticket;
* uncovered: `reach(n)` after the last transition (a ticket no transition takes).

Results hold transition positions and field values, never database ids, so a task's result is
reusable for any task with the same conditions and field schemas (see `runner`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import z3

from workflow_design.files.limits import routing_query_timeout_ms
from workflow_design.rules.cel.syntax import ConditionSyntaxError, parsed_for_checking
from workflow_design.rules.routing.fields import (
    FieldSpec,
    plain_model_constraints,
    plain_value,
)
from workflow_design.rules.routing.translate import ConditionTranslator, Truth


class Unfinished(Exception):
    """The solver ran out of time (per query or for the workflow) on this task."""


@dataclass
class TransitionVerdict:
    not_analysed: tuple[str, ...] = ()
    partial: bool = False  # some part is unknown to the analysis (named in `not_analysed` or elsewhere)
    skipped: bool = False  # the condition has errors of its own (reported by the condition check)
    never_true: bool = False
    dead_by: int | None = None  # position of the earlier transition taking its tickets
    counterexample: dict[str, Any] | None = None
    unset_fields: tuple[str, ...] = ()
    unset_counterexample: dict[str, Any] | None = None

    @property
    def can_be_taken(self) -> bool:
        return not self.never_true and self.dead_by is None


@dataclass
class TaskVerdict:
    transitions: list[TransitionVerdict] = field(default_factory=list)
    covered: bool = False  # proven: every ticket takes some transition
    uncovered: dict[str, Any] | None = None  # a ticket no transition takes
    unfinished: bool = False


@dataclass(frozen=True)
class TaskRouting:
    """What one task's result depends on: its conditions in priority order and the fields in scope."""

    conditions: tuple[tuple[str, bool], ...]  # (condition, has errors of its own)
    ticket: tuple[tuple[str, FieldSpec], ...] | None
    workflow: tuple[tuple[str, FieldSpec], ...]
    output: tuple[tuple[str, FieldSpec], ...] | None


class _Solving:
    def __init__(self, routing: TaskRouting, deadline: float) -> None:
        self.deadline = deadline
        self.query_timeout_ms = routing_query_timeout_ms()
        self.solver = z3.Solver()
        specs = {root: getattr(routing, root) for root in ("ticket", "workflow", "output")}
        self.translator = ConditionTranslator({root: None if s is None else dict(s) for root, s in specs.items()})

    def constrain_fields(self) -> None:
        """The schemas of the fields the translated conditions read (call once they are translated)."""
        for variable in self.translator.touched.values():
            self.solver.add(*variable.constraints)

    def satisfiable(self, *formulas: Any, readable: bool = True) -> z3.ModelRef | None:
        """A model of the formulas under the field schemas, None when there is none. With
        `readable`, the model is made readable for a counterexample (a second question at most)."""
        remaining_ms = int((self.deadline - time.perf_counter()) * 1000)
        if remaining_ms <= 0:
            raise Unfinished
        self.solver.set("timeout", max(1, min(self.query_timeout_ms, remaining_ms)))
        self.solver.push()
        try:
            self.solver.add(*formulas)
            outcome = self.solver.check()
            if outcome == z3.unknown:
                raise Unfinished
            if outcome == z3.unsat:
                return None
            model = self.solver.model()
            if not readable:
                return model
            # A readable ticket when there is one: printable text, numbers with two decimals.
            preferred = plain_model_constraints(list(self.translator.touched.values()))
            if preferred and not z3.is_true(model.eval(z3.And(preferred), model_completion=True)):
                self.solver.add(*preferred)
                if self.solver.check() == z3.sat:
                    model = self.solver.model()
            return model
        finally:
            self.solver.pop()

    def counterexample(self, model: z3.ModelRef) -> dict[str, Any]:
        values: dict[str, dict[str, Any]] = {"ticket": {}, "workflow": {}, "output": {}}
        unset: list[str] = []
        for reference, variable in sorted(self.translator.touched.items()):
            has_value, value = plain_value(model, variable)
            root, _dot, name = reference.partition(".")
            if has_value:
                values[root][name] = value
            else:
                unset.append(reference)
        return {**values, "unset": unset}


def analyse_task(routing: TaskRouting, deadline: float) -> TaskVerdict:
    """Every check of one task; raises `Unfinished` when the time runs out."""
    solving = _Solving(routing, deadline)
    translator = solving.translator
    verdict = TaskVerdict()
    truths: list[Truth | None] = []
    fully_analysed = True
    for condition, has_errors in routing.conditions:
        item = TransitionVerdict()
        verdict.transitions.append(item)
        if not condition.strip():
            truths.append(Truth(z3.BoolVal(True), z3.BoolVal(False)))
            continue
        tree = parsed_for_checking(condition)
        if has_errors or isinstance(tree, ConditionSyntaxError):
            item.skipped, fully_analysed = True, False
            truths.append(None)
            continue
        truths.append(translator.condition(tree))
        item.not_analysed, item.partial = tuple(translator.not_analysed), translator.partial
        item.unset_fields = tuple(sorted(r for r in translator.read if not translator.touched[r].spec.always_set))
        fully_analysed = fully_analysed and not item.partial
    solving.constrain_fields()
    not_earlier: list[Any] = []  # "no earlier transition is taken", as it grows
    for position, (item, truth) in enumerate(zip(verdict.transitions, truths, strict=True)):
        if truth is None:
            continue
        if solving.satisfiable(*not_earlier, truth.true, readable=False) is None:
            item.unset_fields = ()
            model = solving.satisfiable(truth.true)
            if model is None:
                item.never_true = True
            else:
                item.dead_by = _first_taken(model, truths[:position])
                item.counterexample = solving.counterexample(model)
        elif (
            item.unset_fields
            and not _default_after(routing, position)
            and not any(t is None or v.partial for t, v in _upto(verdict, truths, position))
        ):
            fails_unset = z3.Or([z3.Not(_is_set(translator, r)) for r in item.unset_fields])
            model = solving.satisfiable(*not_earlier, z3.Not(truth.true), z3.Not(truth.false), fails_unset)
            if model is not None:
                item.unset_counterexample = solving.counterexample(model)
                missing = set(item.unset_counterexample["unset"])
                item.unset_fields = tuple(r for r in item.unset_fields if r in missing)
            else:
                item.unset_fields = ()
        else:
            item.unset_fields = ()
        not_earlier.append(z3.Not(truth.true))
    if not fully_analysed:
        return verdict
    if any(z3.is_true(t.true) for t in truths if t is not None):
        verdict.covered = True
        return verdict
    model = solving.satisfiable(*not_earlier)
    if model is None:
        verdict.covered = True
    else:
        verdict.uncovered = solving.counterexample(model)
    return verdict


def _default_after(routing: TaskRouting, position: int) -> bool:
    """A later default catches a ticket whose condition failed on a missing value: nothing to warn."""
    return any(not condition.strip() for condition, _errors in routing.conditions[position + 1 :])


def _upto(verdict: TaskVerdict, truths: list, position: int):
    return zip(truths[: position + 1], verdict.transitions[: position + 1], strict=True)


def _is_set(translator: ConditionTranslator, reference: str) -> Any:
    return translator.touched[reference].is_set


def _first_taken(model: z3.ModelRef, truths: list[Truth | None]) -> int | None:
    for position, truth in enumerate(truths):
        if truth is not None and z3.is_true(model.eval(truth.true, model_completion=True)):
            return position
    return None
