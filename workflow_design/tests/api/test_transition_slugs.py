"""Transitions name their tasks by slug, as files, bundles and the admin do; ids are still accepted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketflower.testing.factories import TaskFactory, TransitionFactory, WorkflowFactory, simple_workflow
from workflow_design.models import WorkflowTransition
from workflow_design.tests.api.samples import TR, W


def test_transition_create_by_task_slugs_flat_and_nested(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    flat = api.post(
        TR, {"workflow": workflow.pk, "from_task": "step-2", "to_task": "step-1", "priority": 5}, format="json"
    )
    assert flat.status_code == 201, flat.json()
    row = WorkflowTransition.objects.get(pk=flat.json()["id"])
    assert (row.from_task.slug, row.to_task.slug) == ("step-2", "step-1")
    assert (flat.json()["from_task"], flat.json()["to_task"]) == (row.from_task_id, row.to_task_id)
    assert (flat.json()["from_task_slug"], flat.json()["to_task_slug"]) == ("step-2", "step-1")
    nested = api.post(f"{W}{workflow.pk}/transitions/", {"from_task": "step-1", "condition": "true"}, format="json")
    assert nested.status_code == 201, nested.json()
    assert (nested.json()["from_task_slug"], nested.json()["to_task_slug"]) == ("step-1", None)


def test_transition_ids_are_still_accepted(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    first, second = workflow.tasks.order_by("position")
    body = {"workflow": workflow.pk, "from_task": str(second.pk), "to_task": first.pk}
    response = api.post(TR, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["from_task_slug"], response.json()["to_task_slug"]) == ("step-2", "step-1")


def test_transition_change_by_slug_answers_the_new_slug(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    transition = workflow.transitions.get(from_task=None)
    url = f"{TR}{transition.pk}/"
    assert api.get(url).json()["to_task_slug"] == "step-1"
    patched = api.patch(url, {"to_task": "step-2"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["to_task_slug"], patched.json()["to_task"]) == (
        "step-2",
        workflow.tasks.get(slug="step-2").pk,
    )
    transition.refresh_from_db()
    assert transition.to_task.slug == "step-2"


@pytest.mark.parametrize("slug", ["no-such-task", "step-1"])  # step-1: step-2 is another workflow's
def test_transition_slug_outside_the_workflow_is_refused(api, creator_a, company_b, slug):
    workflow = simple_workflow(creator_a.company, tasks=1)
    # step-1 exists in another company's workflow and in another of alpha's: neither is this one's.
    simple_workflow(company_b, tasks=2)
    other = WorkflowFactory(company=creator_a.company)
    TaskFactory(workflow=other, slug="step-2")
    missing = "step-2" if slug == "step-1" else slug
    body = {"workflow": workflow.pk, "from_task": "step-1", "to_task": missing}
    response = api.post(TR, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["to_task"]
    assert missing in response.json()["to_task"][0]
    assert workflow.transitions.count() == 2


@pytest.mark.parametrize("value", ["Not a slug!", "x" * 81, True, 1.5])
def test_transition_task_reference_of_a_bad_shape_is_refused(api, creator_a, value):
    workflow = simple_workflow(creator_a.company, tasks=1)
    response = api.post(TR, {"workflow": workflow.pk, "from_task": value}, format="json")
    assert response.status_code == 400
    assert "from_task" in response.json()


def test_transition_list_reads_task_slugs_in_constant_queries(api, creator_a, django_assert_max_num_queries):
    workflow = WorkflowFactory(company=creator_a.company)

    def grow(n):
        for _ in range(n):
            TransitionFactory(
                workflow=workflow, from_task=TaskFactory(workflow=workflow), to_task=TaskFactory(workflow=workflow)
            )

    grow(5)
    with CaptureQueriesContext(connection) as small:
        api.get(TR)
    grow(95)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(TR)
    rows = response.json()["results"]
    assert len(rows) == 100
    slugs = dict(workflow.tasks.values_list("pk", "slug"))
    assert all(row["from_task_slug"] == slugs[row["from_task"]] for row in rows)
    assert all(row["to_task_slug"] == slugs[row["to_task"]] for row in rows)


def test_transition_list_counts_without_joining_tasks(api, creator_a):
    # given transitions whose ends are tasks
    workflow = WorkflowFactory(company=creator_a.company)
    TransitionFactory(
        workflow=workflow, from_task=TaskFactory(workflow=workflow), to_task=TaskFactory(workflow=workflow)
    )
    # when the list is read
    with CaptureQueriesContext(connection) as queries:
        response = api.get(TR)
    # then the count reads the transitions alone, and the page reads the slugs with its rows
    assert response.json()["results"][0]["from_task_slug"]
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    pages = [q["sql"] for q in queries.captured_queries if "from_task_slug" in q["sql"]]
    assert len(counts) == 1 and "JOIN" not in counts[0]
    assert len(pages) == 1 and "JOIN" in pages[0]
