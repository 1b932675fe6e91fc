"""Property tests: on random small tasks, the analysis agrees with trying every value of every field."""

import itertools
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_design.rules.cel import ConditionEvaluationError, evaluate_condition
from workflow_design.rules.routing import analyse_workflow

CHOICES = ("x", "y", "z")
ATOMS = st.sampled_from(
    [
        "output.b",
        "!output.b",
        "output.b == false",
        "has(output.b)",
        "has(output.n)",
        "output.n > 1",
        "output.n == 2",
        "output.n <= 0",
        "output.n + 1 >= 3",
        'output.c == "x"',
        'output.c != "y"',
        'output.c in ["y", "z"]',
        "true",
        "false",
        "output.x > 1",
        "output.x == 2",
        "output.x < 1.5",
        "output.x >= 0.5",
        "2 < output.x",
    ]
)


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: f"({p[0]} && {p[1]})"),
        st.tuples(children, children).map(lambda p: f"({p[0]} || {p[1]})"),
        children.map(lambda c: f"!({c})"),
    )


CONDITIONS = st.recursive(ATOMS, _combine, max_leaves=3)


def schema(required):
    b, n, c = required
    return [
        {"name": "x", "label": "X", "type": "number", "required": True, "min": 0, "max": 3},
        {"name": "b", "label": "B", "type": "boolean", "required": b},
        {"name": "n", "label": "N", "type": "integer", "required": n, "min": 0, "max": 3},
        {"name": "c", "label": "C", "type": "choice", "required": c, "choices": [{"value": v} for v in CHOICES]},
    ]


def every_output(required):
    unset = object()
    domains = [
        [True, False] + ([] if required[0] else [unset]),
        [0, 1, 2, 3] + ([] if required[1] else [unset]),
        list(CHOICES) + ([] if required[2] else [unset]),
    ]
    for values in itertools.product(*domains, [0, 0.5, 1, 1.5, 2, 2.5, 3]):
        yield {name: v for name, v in zip("bncx", values, strict=True) if v is not unset}


def taken(conditions, output):
    """The position of the transition the runtime takes, None when the ticket is stranded."""
    for position, condition in enumerate(conditions):
        try:
            if evaluate_condition(condition, ticket={}, workflow={}, output=output):
                return position
        except ConditionEvaluationError:
            continue
    return None


def analyse(conditions, required):
    transitions = [SimpleNamespace(pk=i, condition=c, to_task_id=None) for i, c in enumerate(conditions)]
    result = analyse_workflow(
        outgoing={1: transitions},
        output_schemas={1: schema(required)},
        workflow_fields=[],
        ticket_field_lists=[],
        budget_ms=20000,
    )
    return result.verdicts[1]


def checked_verdict(conditions, required):
    """The analysis's verdict, after checking its sure claims (covered, the uncovered example, the
    transitions it calls never true or dead) against every output; and the positions taken."""
    verdict = analyse(conditions, required)
    outcomes = [taken(conditions, output) for output in every_output(required)]
    if verdict.covered:
        assert None not in outcomes
    if verdict.uncovered is not None:
        assert taken(conditions, verdict.uncovered["output"]) is None
    for position, item in enumerate(verdict.transitions):
        if item.never_true or item.dead_by is not None:
            assert position not in outcomes, (conditions[position], item)
    return verdict, set(outcomes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(st.one_of(CONDITIONS, st.just("")), min_size=1, max_size=3),
    required=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_routing_verdicts_match_brute_force(conditions, required):
    verdict, taken_positions = checked_verdict(conditions, required)
    assert verdict.covered or verdict.uncovered is not None  # every condition here is in the subset
    for position, item in enumerate(verdict.transitions):
        reachable = not item.never_true and item.dead_by is None
        if reachable and "output.x" not in " ".join(conditions[: position + 1]):
            # The numbers tried are a sample of the field's values; the others are tried in full.
            assert position in taken_positions, (conditions[position], item)
        if item.counterexample is not None:
            example = item.counterexample["output"]
            assert evaluate_condition(conditions[position], ticket={}, workflow={}, output=example) is True
            assert taken(conditions, example) == item.dead_by


WIDE_ATOMS = st.sampled_from(
    [
        "output.n / 2 == 1",
        "output.n % 2 == 1",
        "output.n > 1.5",
        "-output.n < -1",
        "size(output.c) == 1",
        'output.c.startsWith("x")',
        'output.c < "y"',
        "output.n == null",
        'output.c.matches("^x")',
        "[1, 2].exists(v, v == output.n)",
        "int(output.n) == 1",
        'output.c + "a" == "xa"',
        "output.b ? output.n > 1 : output.n < 1",
        'output["n"] > 2',
        "output.x + 1 > 2",
        "output.x * 2 == 3",
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(st.recursive(st.one_of(ATOMS, WIDE_ATOMS), _combine, max_leaves=3), min_size=1, max_size=3),
    required=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_routing_wider_conditions_never_give_a_false_verdict(conditions, required):
    checked_verdict(conditions, required)
