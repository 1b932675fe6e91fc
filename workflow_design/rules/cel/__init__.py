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

The modules: `scope` (what a condition may name), `syntax` (parsing, the fields a condition
reads), `kinds` (the kinds of value the check tracks), `checker` (the walk over one tree),
`checking` (the entry points) and `evaluation`.
"""

from workflow_design.rules.cel.checking import ConditionChecker, condition_errors, condition_errors_in_scope
from workflow_design.rules.cel.evaluation import ConditionEvaluationError, ConditionOutcome, evaluate_condition
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
from workflow_design.rules.cel.syntax import ConditionSyntaxError, condition_field_references, parse_condition

__all__ = [
    "KIND_LABELS",
    "ROOTS",
    "ConditionChecker",
    "ConditionEvaluationError",
    "ConditionOutcome",
    "ConditionScope",
    "ConditionSyntaxError",
    "FieldInfo",
    "WorkflowConditionScopes",
    "condition_errors",
    "condition_errors_in_scope",
    "condition_field_references",
    "evaluate_condition",
    "field_kind",
    "parse_condition",
    "scope_for",
    "ticket_field_infos",
]
