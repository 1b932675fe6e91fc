"""Routing proved, not guessed: what each transition condition means, worked out with an SMT solver.

The conditions leaving a task are translated into z3 formulas over the fields in scope, each field
constrained by its schema (`fields`); the checks (`checks`) then ask the solver which tickets
no transition takes, which conditions can never be true, which transitions earlier ones always
pre-empt and which conditions read a field that may have no value. `runner` runs them for a
whole workflow within a time budget, caches each task's result under a digest of what it depends
on and finds loops no ticket can leave; `findings` turns the results into linter findings, each
with a counterexample ticket where there is one. See docs/routing.md.
"""

from workflow_design.rules.routing.findings import (
    DEAD_TRANSITION,
    NEVER_TRUE,
    NO_EXIT,
    NOT_ANALYSED,
    ROUTING_CODES,
    ROUTING_UNFINISHED,
    UNCOVERED_VALUES,
    UNSET_FIELD,
    RoutingFinding,
    RoutingResult,
    routing_findings,
)
from workflow_design.rules.routing.runner import WorkflowRouting, analyse_workflow

__all__ = [
    "DEAD_TRANSITION",
    "NEVER_TRUE",
    "NOT_ANALYSED",
    "NO_EXIT",
    "ROUTING_CODES",
    "ROUTING_UNFINISHED",
    "UNCOVERED_VALUES",
    "UNSET_FIELD",
    "RoutingFinding",
    "RoutingResult",
    "WorkflowRouting",
    "analyse_workflow",
    "routing_findings",
]
