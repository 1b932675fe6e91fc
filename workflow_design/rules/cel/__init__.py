"""Transition conditions in CEL (Common Expression Language), checked at design time.

A condition is parsed with cel-python (never Python `eval`) and then walked once to check
what the runtime would otherwise discover on a live ticket:

* every `output.<name>` is a field of the source task's output form, every
  `workflow.<name>` a workflow field, every `ticket.<name>` a field of each ticket
  definition that uses the workflow;
* where the field types are known, operands fit their operators (a yes/no field is not
  compared with a number, a choice field only with one of its choices, `&&` joins
  true/false values, the whole condition gives true or false).

`evaluate_condition` is the evaluation the runtime uses; the dry run calls it too.

Every condition has a bounded cost: `bounds` measures the text and the tree before anything
walks them (length, nesting, size), `cost` works out the most evaluation steps a condition
may take (the check refuses what is over the limit), and the evaluation stops at that limit.
The limits are in `workflow_design.files.limits`.

The modules: `scope` (what a condition may name), `syntax` (parsing, the fields a condition
reads), `bounds`, `kinds` (the kinds of value the check tracks), `checker` (the walk over one
tree), `cost`, `checking` (the entry points) and `evaluation`.
"""

from workflow_design.rules.cel.checking import ConditionChecker, condition_errors, condition_errors_in_scope
from workflow_design.rules.cel.cost import ConditionCost, condition_cost, cost_errors
from workflow_design.rules.cel.evaluation import (
    ConditionEvaluationError,
    ConditionOutcome,
    ConditionStepsSpent,
    StepBudget,
    evaluate_condition,
)
from workflow_design.rules.cel.kinds import KIND_LABELS
from workflow_design.rules.cel.scope import (
    ROOTS,
    ConditionScope,
    FieldInfo,
    WorkflowConditionScopes,
    field_kind,
    scope_for,
    ticket_field_infos,
)
from workflow_design.rules.cel.syntax import (
    ConditionSyntaxError,
    ConditionTooComplex,
    condition_field_references,
    parse_condition,
)

__all__ = [
    "KIND_LABELS",
    "ROOTS",
    "ConditionChecker",
    "ConditionCost",
    "ConditionEvaluationError",
    "ConditionOutcome",
    "ConditionScope",
    "ConditionStepsSpent",
    "ConditionSyntaxError",
    "ConditionTooComplex",
    "FieldInfo",
    "StepBudget",
    "WorkflowConditionScopes",
    "condition_errors",
    "condition_errors_in_scope",
    "condition_cost",
    "condition_field_references",
    "cost_errors",
    "evaluate_condition",
    "field_kind",
    "parse_condition",
    "scope_for",
    "ticket_field_infos",
]
