"""The cost limits of a condition: the text and tree bounds, the checked cost, the evaluator's budget.

What the checker accepts must evaluate: each boundary case below is the largest condition of
its shape the checker accepts, and it is then evaluated at the interpreter's default
recursion limit.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import pytest

from workflow_design.files import limits
from workflow_design.rules.cel import (
    ConditionScope,
    ConditionStepsSpent,
    ConditionSyntaxError,
    ConditionTooComplex,
    FieldInfo,
    StepBudget,
    condition_cost,
    condition_errors_in_scope,
    condition_field_references,
    evaluate_condition,
    parse_condition,
)
from workflow_design.rules.cel import evaluation as cel_evaluation

SCOPE = ConditionScope(
    output={"tags": FieldInfo("list", tuple(f"tag{i}" for i in range(12)))},
    workflow={},
    ticket={"amount": FieldInfo("number")},
)
NO_VALUES = {"ticket": {}, "workflow": {}, "output": {}}


def numbers(count: int) -> str:
    return "[" + ",".join(str(i) for i in range(count)) + "]"


def nested_comprehension(items: int, levels: int, body: str) -> str:
    """`L.all(v0, L.all(v1, ... body))` over a list of `items` numbers."""
    text = body
    for level in reversed(range(levels)):
        text = f"{numbers(items)}.all(v{level}, {text})"
    return text


def largest_accepted(make, high: int = 4000) -> int:
    """The largest n for which `make(n)` is checked without an error (`make(1)` is accepted)."""
    assert condition_errors_in_scope(make(1), SCOPE) == []
    low = 1
    while low < high:
        middle = (low + high + 1) // 2
        if condition_errors_in_scope(make(middle), SCOPE):
            high = middle - 1
        else:
            low = middle
    return low


@contextmanager
def recursion_limit(frames: int):
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


# Hostile texts: refused at once, with the limit named --------------------------------------------


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("(" * 3000 + "true" + ")" * 3000, "at most 4000"),
        ("!" * 20000 + "true", "at most 4000"),
        (" && ".join(["true"] * 20000), "at most 4000"),
        ("x" * 200_000, "at most 4000"),
        ("(" * 9 + "true" + ")" * 9, "Brackets nest more than 8 levels"),
        ("!" * 9 + "true", "More than 8 ! or -"),
        (" && ".join(["true"] * 400), "nests more than 100 levels deep"),
        ("[" + ",".join(["1"] * 1000) + "] == []", "more than 3000 parts"),
    ],
    ids=["parens-3000", "nots-20000", "ands-20000", "200k", "parens-9", "nots-9", "ands-400", "list-1000"],
)
def test_condition_over_a_text_or_tree_limit_is_refused_everywhere_with_its_limit(condition, words):
    errors = condition_errors_in_scope(condition, SCOPE)
    assert len(errors) == 1 and words in errors[0], errors
    with pytest.raises(ConditionTooComplex) as refused:
        parse_condition(condition)
    assert refused.value.message == errors[0]
    with pytest.raises(cel_evaluation.ConditionEvaluationError, match="at most"):
        evaluate_condition(condition, **NO_VALUES)
    assert condition_field_references(condition) == set()


def test_condition_nesting_refusal_names_the_place():
    message = condition_errors_in_scope("true && " + "(" * 9 + "true" + ")" * 9, SCOPE)[0]
    assert "(line 1, column 17)" in message


@pytest.mark.parametrize(
    "condition",
    ['"' + "\\\\" * 40, "'" + "\\a" * 40, 'ticket.amount == """' + "\\\\" * 40, 'x == b"' + "\\\\" * 40 + "\ny"],
    ids=["double", "single", "triple", "bytes-then-newline"],
)
def test_condition_with_an_unclosed_string_is_a_syntax_error_found_without_backtracking(condition):
    # cel-python's string pattern backtracks exponentially on these (40 escapes: hours), so
    # before the scan this test did not finish; bench/measure_conditions.py times it.
    errors = condition_errors_in_scope(condition, SCOPE)
    assert len(errors) == 1 and "is not closed" in errors[0] and errors[0].startswith("Syntax error at line")


@pytest.mark.parametrize(
    "condition",
    [
        'ticket.amount > 1 && "a\\\\" == "a\\\\"',
        "'it\\'s' == \"it's\"",
        '"""two\nlines""" != ""',
        'ticket.amount > 1 // a comment with a " quote and ((((((((( brackets\n&& true',
        '"((((((((((" == "((((((((((" && "!!!!!!!!!!" != ""',
    ],
    ids=["escaped-backslash", "escaped-quote", "triple", "comment", "brackets-in-strings"],
)
def test_condition_strings_and_comments_are_not_counted_as_code(condition):
    assert condition_errors_in_scope(condition, SCOPE) == []


# The boundary: the largest accepted conditions evaluate --------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda n: " && ".join(["true"] * n),
        lambda n: " && ".join(["ticket.amount >= 0"] * n),
        lambda n: "(" * 8 + " || ".join(["false"] * n) + ")" * 8 + " || true",
        lambda n: "[" * 8 + ",".join(["1"] * n) + "]" * 8 + " != []",
        lambda n: " + ".join(["1"] * n) + " > 0",
    ],
    ids=["and-chain", "relations", "brackets", "list", "sum"],
)
def test_condition_largest_accepted_of_its_shape_evaluates_at_the_default_recursion_limit(make):
    largest = largest_accepted(make)
    assert condition_errors_in_scope(make(largest + 1), SCOPE), "the next size must be refused"
    with recursion_limit(1000):
        assert evaluate_condition(make(largest), ticket={"amount": 5}, workflow={}, output={}) is True


def test_condition_cost_of_the_largest_accepted_comprehension_bounds_its_evaluation():
    def make(items):
        return nested_comprehension(items, 2, "v0 + v1 >= 0")

    largest = largest_accepted(make, high=200)
    assert "evaluation steps" in condition_errors_in_scope(make(largest + 1), SCOPE)[0]
    tree = parse_condition(make(largest))
    estimate = condition_cost(tree, SCOPE).steps
    assert estimate <= limits.condition_max_steps()
    budget = StepBudget(estimate)
    assert evaluate_condition(make(largest), **NO_VALUES, budget=budget) is True
    # The checked cost is an upper bound of what the evaluator counted.
    assert 0 <= budget.left < estimate


@pytest.mark.parametrize(
    "condition",
    [
        "ticket.amount > 3 && ticket.amount < 100 || ticket.amount == 7",
        'output.tags.exists(t, t == "tag3") && output.tags.all(t, t.startsWith("tag"))',
        'output.tags.map(t, t + "!").filter(t, t.endsWith("!")).size() == 12',
        "[1, 2, 3].exists(a, [4, 5].exists(b, a * b == 10))",
        'output.tags.exists_one(t, output.tags.exists(u, u == t && t == "tag1"))',
        '{"a": 1, "b": 2}.all(k, k in ["a", "b"])',
    ],
)
def test_condition_cost_is_never_below_the_steps_counted(condition):
    tree = parse_condition(condition)
    estimate = condition_cost(tree, SCOPE).steps
    budget = StepBudget(10 * estimate)
    tags = list(SCOPE.output["tags"].choices)
    evaluate_condition(condition, ticket={"amount": 7}, workflow={}, output={"tags": tags}, budget=budget)
    counted = budget.limit - budget.left
    assert 0 < counted <= estimate, (counted, estimate)


# Comprehensions: nesting and size, proved at save time ---------------------------------------


def test_condition_of_four_nested_comprehensions_over_twenty_items_is_refused_at_once():
    condition = nested_comprehension(20, 4, "v0 + v1 + v2 + v3 >= 0")
    errors = condition_errors_in_scope(condition, SCOPE)
    assert errors == [
        "Comprehensions (all, exists, exists_one, map, filter) nest 4 deep in the condition; at most 2 may be "
        "nested inside one another."
    ]


def test_condition_cost_sizes_a_field_by_its_choices_and_an_unknown_value_by_the_choice_limit():
    sized = condition_cost(parse_condition('output.tags.exists(t, t == "x")'), SCOPE)
    unsized = condition_cost(parse_condition('ticket.amount.exists(t, t == "x")'), SCOPE)
    per_item = (unsized.steps - sized.steps) / (limits.field_max_choices() - 12)
    assert sized.nesting == unsized.nesting == 1
    assert 10 < per_item < 30  # the body's nodes once per item, nothing else grows
    assert (
        "evaluation steps"
        in condition_errors_in_scope("ticket.amount.exists(a, ticket.amount.exists(b, a == b))", SCOPE)[0]
    )


# The evaluator's budget, at run time ---------------------------------------------------------


def test_condition_evaluation_stops_at_its_own_step_limit_with_a_clear_message():
    # Not checked first (a condition stored before the limits, or the runtime's own values).
    condition = nested_comprehension(20, 3, "v0 + v1 + v2 < 0")
    with pytest.raises(ConditionStepsSpent) as stopped:
        evaluate_condition(condition, **NO_VALUES)
    assert stopped.value.shared is False
    assert str(stopped.value) == (
        f"The condition took more than {limits.condition_max_steps()} evaluation steps, the limit of one "
        "condition; it was stopped."
    )


def test_condition_evaluation_over_values_larger_than_a_form_allows_is_stopped():
    condition = 'output.tags.exists(t, t == "never")'
    assert condition_errors_in_scope(condition, SCOPE) == []
    with pytest.raises(ConditionStepsSpent):
        evaluate_condition(condition, ticket={}, workflow={}, output={"tags": ["x"] * 5000})


def test_condition_evaluation_shares_a_run_budget_and_says_which_ran_out():
    budget = StepBudget(100)
    assert evaluate_condition("1 == 1", **NO_VALUES, budget=budget) is True
    assert budget.left == 100 - 18
    with pytest.raises(ConditionStepsSpent) as stopped:
        evaluate_condition(" && ".join(["true"] * 20), **NO_VALUES, budget=budget)
    assert stopped.value.shared is True and "in this run took more than 100" in str(stopped.value)
    assert budget.left == 0


def test_condition_syntax_errors_keep_their_own_class():
    with pytest.raises(ConditionSyntaxError) as broken:
        parse_condition("ticket.amount >")
    assert not isinstance(broken.value, ConditionTooComplex)


def test_condition_parses_are_remembered_within_a_bound_on_their_nodes():
    from workflow_design.rules.cel.syntax import _ParsedConditions

    remembered = _ParsedConditions(max_nodes=100)
    small = remembered("1 == 1")
    assert remembered("1 == 1") is small  # the same tree, not parsed again
    large = remembered("[" + ",".join(["1"] * 12) + "] != []")  # over a hundred nodes on its own
    assert remembered("[" + ",".join(["1"] * 12) + "] != []") is large
    assert remembered("1 == 1") is not small  # forgotten to make room, parsed again
    assert isinstance(remembered("1 ==").message, str)  # a syntax error is remembered as it is
