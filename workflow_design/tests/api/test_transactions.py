"""The API's transactions: a request that may write is one transaction, a read runs without one.

These tests commit for real (`transactional_db`): inside the usual test transaction every query
would run in an atomic block whatever the view does.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from ticketflower.testing.factories import TaskFactory
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.tests.api.samples import W

pytestmark = pytest.mark.usefixtures("transactional_db")


@contextmanager
def atomic_states():
    """Whether each query of the block on the design tables ran inside a transaction."""
    seen: list[bool] = []

    def record(execute, sql, params, many, context):
        if "workflow_design_" in sql:
            seen.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def test_list_and_read_run_without_a_transaction(api, workflow):
    TaskFactory(workflow=workflow)
    with atomic_states() as seen:
        listed = api.get(f"{W}{workflow.pk}/tasks/")
        read = api.get(f"{W}{workflow.pk}/")
    assert listed.json()["count"] == 1 and read.json()["id"] == workflow.pk
    assert seen and not any(seen)


def test_write_runs_in_one_transaction(api, workflow):
    with atomic_states() as seen:
        response = api.post(f"{W}{workflow.pk}/tasks/", {"title": "Check"}, format="json")
    assert response.status_code == 201, response.json()
    assert len(seen) > 1 and all(seen)


def test_refused_write_leaves_nothing(api, workflow):
    # given a workflow with a task; when a change is refused (the revision is stale)
    task = TaskFactory(workflow=workflow, title="Before")
    revision = WorkflowDefinition.objects.get(pk=workflow.pk).revision
    response = api.patch(
        f"{W}{workflow.pk}/tasks/{task.pk}/", {"title": "After", "expected_revision": revision + 1}, format="json"
    )
    # then nothing of it was kept
    assert response.status_code == 409, response.json()
    assert TaskDefinition.objects.get(pk=task.pk).title == "Before"
    assert WorkflowDefinition.objects.get(pk=workflow.pk).revision == revision


def test_refused_read_inside_a_callers_transaction_leaves_it_usable(api, workflow):
    with transaction.atomic():
        assert api.get(f"{W}{workflow.pk + 1000}/").status_code == 404
        # a transaction marked for rollback would refuse this query
        assert WorkflowDefinition.objects.filter(pk=workflow.pk).exists()
