"""Condition and form limits on every path: the API, bundle import, the file preview, lint, publish
and the dry run answer with the limit's message, never a server error; the largest accepted
condition goes all the way through."""

from __future__ import annotations

import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from ticketflower.testing.factories import (
    TaskFactory,
    TicketFactory,
    TransitionFactory,
    WorkflowFactory,
    simple_workflow,
)
from workflow_design.files import limits
from workflow_design.models import TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.cel import condition_errors
from workflow_design.rules.dry_run import workflow_dry_run

W = "/api/workflow/workflows/"
TR = "/api/workflow/transitions/"
TK = "/api/workflow/tickets/"
AMOUNT = {"name": "amount", "label": "Amount", "type": "integer"}

HOSTILE = {
    "parens-3000": ("(" * 3000 + "true" + ")" * 3000, "at most 4000"),
    "nots-20000": ("!" * 20000 + "true", "at most 4000"),
    "ands-20000": (" && ".join(["true"] * 20000), "at most 4000"),
    "parens-under-length": ("(" * 1900 + "true" + ")" * 1900, "Brackets nest more than 8 levels"),
    "nots-under-length": ("!" * 3900 + "true", "More than 8 ! or -"),
    "ands-under-length": (" && ".join(["true"] * 450), "nests more than 100 levels deep"),
    "unclosed-string": ('ticket.amount == "' + "\\\\" * 40, "is not closed"),
}


@pytest.fixture
def api(creator_a):
    client = APIClient()
    client.force_authenticate(creator_a)
    return client


def amount_workflow(company, *, fallback: bool = False):
    """start → review → end (`done`), with a ticket definition holding `amount`; with `fallback`,
    a default transition review → end after `done`."""
    workflow = WorkflowFactory(company=company, slug="limits")
    review = TaskFactory(workflow=workflow, slug="review", title="Review", position=1)
    TicketFactory(workflow=workflow, slug="claim", fields=[AMOUNT])
    TransitionFactory(workflow=workflow, slug="start", from_task=None, to_task=review)
    TransitionFactory(workflow=workflow, slug="done", from_task=review, to_task=None)
    if fallback:
        TransitionFactory(workflow=workflow, slug="fallback", from_task=review, to_task=None, priority=99)
    return workflow


def largest_accepted(workflow, make, high: int) -> int:
    """The largest n for which the transition leaving `review` may have `make(n)` as condition."""
    review = workflow.tasks.get(slug="review")
    low = 1
    while low < high:
        middle = (low + high + 1) // 2
        if condition_errors(make(middle), workflow=workflow, from_task=review):
            high = middle - 1
        else:
            low = middle
    return low


# Refused on the way in ---------------------------------------------------------------------------


@pytest.mark.parametrize(("condition", "words"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_condition_over_a_limit_through_the_api_is_a_400_naming_the_limit(api, creator_a, condition, words):
    workflow = amount_workflow(creator_a.company)
    review = workflow.tasks.get(slug="review")
    body = {"workflow": workflow.pk, "from_task": review.pk, "to_task": None, "condition": condition, "priority": 5}
    created = api.post(TR, body, format="json")
    assert created.status_code == 400
    assert list(created.json()) == ["condition"] and words in created.json()["condition"][0]
    done = workflow.transitions.get(slug="done")
    changed = api.patch(f"{TR}{done.pk}/", {"condition": condition}, format="json")
    assert changed.status_code == 400 and words in changed.json()["condition"][0]
    assert sorted(workflow.transitions.values_list("slug", "condition")) == [("done", ""), ("start", "")]


@pytest.mark.parametrize(("condition", "words"), list(HOSTILE.values())[:4], ids=list(HOSTILE)[:4])
def test_condition_over_a_limit_in_a_bundle_is_a_400_at_its_path(api, creator_a, condition, words):
    workflow = simple_workflow(creator_a.company, tasks=2)
    document = api.get(f"{W}{workflow.pk}/bundle/").json()
    document["workflow"]["slug"] = "copied"
    document["transitions"][1]["condition"] = condition
    for dry_run in ("?dry_run=1", ""):
        response = api.post(f"{W}import-bundle/{dry_run}", document, format="json")
        assert response.status_code == 400
        messages = [e["message"] for e in response.json()["errors"] if e["path"] == "transitions[1].condition"]
        assert messages and words in messages[0], response.json()["errors"]
    assert not WorkflowDefinition.objects.filter(slug="copied").exists()


@pytest.mark.parametrize(("condition", "words"), list(HOSTILE.values())[3:6], ids=list(HOSTILE)[3:6])
def test_condition_over_a_limit_in_a_transition_file_preview_is_shown_at_its_row(client_a, creator_a, condition, words):
    workflow = amount_workflow(creator_a.company)
    content = f"workflow,slug,from_task,to_task,condition,priority\n{workflow.slug},deep,review,,{condition},7\n"
    upload = SimpleUploadedFile("transitions.csv", content.encode())
    url = reverse("admin:workflow_design_workflowtransition_import")
    response = client_a.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    # The preview page, answered as a refusal, with the message at the row and column.
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not WorkflowTransition.objects.filter(slug="deep").exists()


def test_field_with_too_many_choices_through_the_api_is_a_400_naming_the_limit(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    count = limits.field_max_choices() + 1
    level = {"name": "level", "label": "Level", "type": "choice", "choices": [{"value": f"c{i}"} for i in range(count)]}
    body = {"workflow": workflow.pk, "title": "Claim", "slug": "claim", "fields": [level]}
    response = api.post(TK, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == [
        f"Field 1 (level): it has {count} choices; a field may have at most {limits.field_max_choices()} choices."
    ]
    assert not TicketDefinition.objects.filter(slug="claim").exists()


# The largest accepted condition goes all the way ------------------------------------------------


@pytest.mark.parametrize(
    ("make", "high"),
    [
        (lambda n: " && ".join(["ticket.amount >= 0"] * n), 400),
        (lambda n: "(" * 8 + " || ".join(["ticket.amount < 0"] * n) + ")" * 8 + " || true", 400),
        (
            lambda n: f"[{','.join(map(str, range(n)))}].all(a, [{','.join(map(str, range(n)))}].all(b, a + b >= 0))",
            200,
        ),
    ],
    ids=["chain", "brackets", "comprehensions"],
)
def test_condition_largest_accepted_lints_publishes_and_dry_runs(api, creator_a, make, high):
    workflow = amount_workflow(creator_a.company, fallback=True)
    largest = largest_accepted(workflow, make, high)
    done = workflow.transitions.get(slug="done")
    assert api.patch(f"{TR}{done.pk}/", {"condition": make(largest + 1)}, format="json").status_code == 400
    assert api.patch(f"{TR}{done.pk}/", {"condition": make(largest)}, format="json").status_code == 200
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the interpreter's default, whatever the libraries set
    try:
        lint = api.get(f"{W}{workflow.pk}/lint/")
        published = api.post(f"{W}{workflow.pk}/publish/")
        dry_run = api.post(f"{W}{workflow.pk}/dry-run/", {"ticket": {"amount": 3}}, format="json")
    finally:
        sys.setrecursionlimit(previous)
    assert lint.status_code == 200 and lint.json()["errors"] == 0, lint.json()
    assert published.status_code == 200, published.json()
    assert dry_run.status_code == 200
    result = dry_run.json()
    assert (result["outcome"], result["path"]) == ("ended", ["review"]), result["message"]
    check = result["steps"][1]["checks"][0]
    assert check["result"] is True, check["reason"]


# The dry run refuses cleanly ---------------------------------------------------------------------


@pytest.mark.parametrize(("condition", "words"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_dry_run_of_a_stored_condition_over_a_limit_says_why_it_is_not_taken(api, creator_a, condition, words):
    workflow = amount_workflow(creator_a.company)
    # Stored before the limits existed (or by hand): the dry run reports it, as the runtime would.
    WorkflowTransition.objects.filter(pk=workflow.transitions.get(slug="done").pk).update(condition=condition)
    response = api.post(f"{W}{workflow.pk}/dry-run/", {"ticket": {"amount": 3}}, format="json")
    assert response.status_code == 200
    result = response.json()
    assert result["outcome"] == "stuck"
    check = result["steps"][1]["checks"][0]
    assert check["result"] is None
    assert check["reason"].startswith("cannot be evaluated, so not taken: ") and words in check["reason"]


def test_dry_run_stops_when_its_conditions_spend_the_steps_of_one_run(api, creator_a):
    workflow = amount_workflow(creator_a.company)
    review = workflow.tasks.get(slug="review")
    # Each condition is accepted and false, so the run tries them all; together they cost more than a run may.
    items = ",".join(map(str, range(14)))
    costly = f"[{items}].exists(a, [{items}].exists(b, a + b < 0))"
    assert condition_errors(costly, workflow=workflow, from_task=review) == []
    for number in range(4):
        TransitionFactory(
            workflow=workflow,
            slug=f"costly-{number}",
            from_task=review,
            to_task=None,
            priority=number,
            condition=costly,
        )
    result = workflow_dry_run(workflow=workflow, ticket_values={"amount": 1}, workflow_values={}, outputs={})
    assert result.outcome == "stopped"
    assert result.message == (
        f"The dry run stopped at step 2: the conditions it tried took more than "
        f"{limits.dry_run_max_condition_steps()} evaluation steps together, the limit of one dry run."
    )
    tried = result.steps[-1].checks
    assert result.steps[-1].task_slug == "review" and result.steps[-1].taken is None
    assert [check.result for check in tried] == [False] * len(tried) and 1 <= len(tried) < 4
    response = api.post(f"{W}{workflow.pk}/dry-run/", {"ticket": {"amount": 1}}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "stopped"
