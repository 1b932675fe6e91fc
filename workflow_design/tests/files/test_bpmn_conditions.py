"""BPMN conditions (FEEL and JUEL) translated to CEL, and what is not translated, with the reason."""

from __future__ import annotations

import pytest

from workflow_design.files.bpmn.conditions import translate_condition
from workflow_design.rules.cel import ConditionSyntaxError, parse_condition


def place(name: str) -> str:
    return f"output.{name}" if name in {"amount", "ok", "status", "tags"} else f"workflow.{name}"


@pytest.mark.parametrize(
    ("text", "cel"),
    [
        ("${amount > 1000}", "output.amount > 1000"),
        ("#{amount ge 10 and ok}", "output.amount >= 10 && output.ok"),
        ("${!ok}", "!(output.ok)"),
        ("${status eq 'done' || status ne \"open\"}", 'output.status == "done" || output.status != "open"'),
        ('= amount > 5000 or status = "vip"', 'output.amount > 5000 || output.status == "vip"'),
        ("=not(ok)", "!((output.ok))"),
        ('=status in ["a", "b"]', 'output.status in ["a", "b"]'),
        ("=(amount + 10) * 2 <= limit", "(output.amount + 10) * 2 <= workflow.limit"),
        ("=applicant.age >= 18", "workflow.applicant.age >= 18"),
        ("${amount lt -5}", "output.amount < -5"),
        ("", ""),
    ],
)
def test_conditions_in_the_subset_become_valid_cel(text, cel):
    translation = translate_condition(text, place)
    assert translation.cel == cel
    if cel:
        assert not isinstance(parse_condition(cel), ConditionSyntaxError)  # CEL the product parses


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('=contains(status, "x")', "Function calls"),
        ("=amount in [1..10]", "translated subset"),
        ("${amount > }", "incomplete"),
        ("=amount > 1 ok", "after the expression"),
        ("=" + "(" * 60 + "ok" + ")" * 60, "nested more than"),
        ("=" + " and ".join(["ok"] * 1500), "longer than"),
    ],
)
def test_conditions_outside_the_subset_say_why(text, words):
    translation = translate_condition(text, place)
    assert translation.cel is None
    assert words in translation.reason


def test_names_take_the_type_their_use_gives_them():
    translation = translate_condition('=budget > 10 and urgent and region = "north"', place)
    assert translation.names == {"budget": "number", "urgent": "boolean", "region": "text"}
