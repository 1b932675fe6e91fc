"""Part: what a hostile or a largest-accepted condition (and a huge form) costs to check and to evaluate.

Needs no data: the conditions are checked against a prepared scope and evaluated on sample
values, as the designer's save and the dry run do. Each hostile case must be answered (refused,
or stopped at its step budget) within a second; the largest accepted cases are timed too.

    python bench/measure_conditions.py          # this part alone, no database needed
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import Report, Row

# Each case is answered within this many seconds.
LIMIT_SECONDS = 1.0


def _numbers(count: int) -> str:
    return "[" + ",".join(str(i) for i in range(count)) + "]"


def four_level_condition() -> str:
    """Four comprehensions nested over a list of 20 numbers in 244 characters (the body padded
    with spaces), true for every item so that each level runs in full."""
    items = "[" + ",".join(str(i % 10) for i in range(20)) + "]"
    shape = "{items}.all(a,{items}.all(b,{items}.all(c,{items}.all(d,{body}))))"
    body = "a+b+c+d >= 0"
    padding = 244 - len(shape.format(items=items, body=body))
    return shape.format(items=items, body=body + " " * max(padding, 0))


def _largest(accepted, make, high: int) -> str:
    low = 1
    while low < high:
        middle = (low + high + 1) // 2
        if accepted(make(middle)):
            low = middle
        else:
            high = middle - 1
    return make(low)


def _timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    try:
        outcome = fn()
    except Exception as exc:  # noqa: BLE001 - a refusal is the outcome being measured
        outcome = exc
    return time.perf_counter() - started, outcome


def measure_conditions(report: Report, log=print) -> None:
    from workflow_design.files import limits
    from workflow_design.rules.cel import (
        ConditionScope,
        FieldInfo,
        StepBudget,
        condition_errors_in_scope,
        evaluate_condition,
    )
    from workflow_design.rules.cel.syntax import parsed_for_checking
    from workflow_design.rules.field_schemas import field_list_errors

    rows = report.section("conditions and forms: cost limits")
    scope = ConditionScope(
        output={"tags": FieldInfo("list", tuple(f"t{i}" for i in range(20)))},
        workflow={},
        ticket={"amount": FieldInfo("number")},
    )
    values = {"ticket": {"amount": 5}, "workflow": {}, "output": {"tags": [f"t{i}" for i in range(20)]}}

    def check(condition: str):
        def first_check():
            # Timed as a first save: nothing remembered from an earlier check of the same text.
            parsed_for_checking.cache_clear()
            return condition_errors_in_scope(condition, scope)

        return first_check

    def evaluate(condition: str, budget=None):
        return lambda: evaluate_condition(condition, **values, budget=budget)

    def accepted(condition: str) -> bool:
        return not condition_errors_in_scope(condition, scope)

    chain = _largest(accepted, lambda n: " && ".join(["ticket.amount >= 0"] * n), 400)
    comprehension = _largest(accepted, lambda n: f"{_numbers(n)}.exists(a, {_numbers(n)}.exists(b, a + b < 0))", 200)
    many_parts = _largest(accepted, lambda n: "[" + ",".join(["1"] * n) + "] != []", 1000)
    four_levels = four_level_condition()
    cases = [
        (f"{len(four_levels)}-character 4-level comprehension: checked (refused)", check(four_levels)),
        ("the same, evaluated unchecked (stopped at the step budget)", evaluate(four_levels)),
        ('"(" * 3000: checked (refused)', check("(" * 3000 + "true" + ")" * 3000)),
        ('"!" * 20,000: checked (refused)', check("!" * 20000 + "true")),
        ("20,000 && terms: checked (refused)", check(" && ".join(["true"] * 20000))),
        ("200 KB condition: checked (refused)", check("x" * 200_000)),
        ("unclosed string after 40 escapes: checked (refused)", check('"' + "\\\\" * 40)),
        (f"largest accepted chain ({len(chain)} characters): checked", check(chain)),
        ("the same: evaluated (parsed by the check)", evaluate(chain)),
        (f"largest accepted list ({len(many_parts)} characters): checked", check(many_parts)),
        ("the same: evaluated (parsed by the check)", evaluate(many_parts)),
        (f"largest accepted comprehension ({len(comprehension)} characters): evaluated", evaluate(comprehension)),
        (
            f"one dry run's step budget ({limits.dry_run_max_condition_steps()} steps) spent on that comprehension",
            lambda: [
                evaluate_condition(comprehension, **values, budget=budget)
                for budget in [StepBudget(limits.dry_run_max_condition_steps())]
                for _ in range(limits.dry_run_max_condition_steps() // limits.condition_max_steps() + 1)
            ],
        ),
        (
            "field list with a 100,000-choice field: checked (refused)",
            lambda: field_list_errors(
                [{"name": "c", "label": "C", "type": "choice", "choices": [{"value": f"v{i}"} for i in range(100_000)]}]
            ),
        ),
    ]
    for target, fn in cases:
        elapsed, outcome = _timed(fn)
        shown = outcome if isinstance(outcome, Exception) else (outcome[:1] if isinstance(outcome, list) else outcome)
        log(f"  {target}: {elapsed * 1000:.1f} ms → {str(shown)[:110]}")
        rows.append(Row(target, f"{elapsed * 1000:.1f} ms", f"< {LIMIT_SECONDS:.0f} s", elapsed < LIMIT_SECONDS))


if __name__ == "__main__":
    from bench.database import setup_django

    setup_django()
    result = Report()
    measure_conditions(result)
    print()
    print(result.text())
