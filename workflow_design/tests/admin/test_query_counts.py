"""Query counts of every admin page and API list, at two data sizes: a page whose queries grow
with its rows fails here. The sizes are small (3 and 30 rows) so the file runs in seconds; the
benchmark (`bench/run.py`) checks the same pages at company scale."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from ticketflower.testing.factories import CompanyRoleFactory
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services import definitions_grant_company_access, workflow_update

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
# The ceiling for any admin page.
ADMIN_PAGE_MAX_QUERIES = 30

OUTPUT = [
    {"name": "approved", "label": "Approved", "type": "boolean", "required": True},
    {"name": "comment", "label": "Comment", "type": "long_text"},
]
MODELS = {
    "workflowdefinition": WorkflowDefinition,
    "taskdefinition": TaskDefinition,
    "workflowtransition": WorkflowTransition,
    "ticketdefinition": TicketDefinition,
}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_serial = itertools.count(1)


def _workflows(company, count: int) -> list[WorkflowDefinition]:
    made = WorkflowDefinition.objects.bulk_create(
        [
            WorkflowDefinition(company=company, title=f"Request {n}", slug=f"request-{n}")
            for n in (next(_serial) for _ in range(count))
        ]
    )
    definitions_grant_company_access(objects=made)
    return made


def _design(company, tasks: int, *, workflow=None) -> WorkflowDefinition:
    """A workflow with `tasks` tasks (each with an assigned role and an output form) and a
    start, an approve branch per task and an end: tasks + 1 transitions.

    Made in bulk and granted by the same service as every write path: these tests measure
    reading the rows, and bulk rows keep the file fast.
    """
    workflow = workflow or _workflows(company, 1)[0]
    role = CompanyRoleFactory(company=company)
    start = workflow.tasks.count()
    made = TaskDefinition.objects.bulk_create(
        [
            TaskDefinition(
                company=company,
                workflow=workflow,
                title=f"Step {i}",
                slug=f"s{i}",
                position=i,
                assignee_role=role,
                output_schema=OUTPUT,
            )
            for i in range(start, start + tasks)
        ]
    )
    ends = [(None, made[0], "", 1)]
    # A condition every completed form meets (approved is required): the chain strands no ticket.
    ends += [(a, b, "has(output.approved)", 1) for a, b in zip(made, made[1:], strict=False)]
    ends.append((made[-1], None, "", 2))
    transitions = WorkflowTransition.objects.bulk_create(
        [
            WorkflowTransition(
                workflow=workflow,
                company_id=workflow.company_id,
                slug=f"tr-{start}-{n}",
                from_task=source,
                from_position=source.position if source else 0,
                to_task=target,
                condition=condition,
                priority=priority,
            )
            for n, (source, target, condition, priority) in enumerate(ends)
        ]
    )
    definitions_grant_company_access(objects=made)
    definitions_grant_company_access(objects=transitions)
    return workflow


def _fill(company, rows: int) -> WorkflowDefinition:
    """At least `rows` rows of each of the four kinds in `company`; returns the designed workflow."""
    workflow = _design(company, rows)
    _workflows(company, rows - 1)
    tickets = TicketDefinition.objects.bulk_create(
        [
            TicketDefinition(company=company, workflow=workflow, title=f"Ticket {n}", slug=f"ticket-{n}")
            for n in (next(_serial) for _ in range(rows))
        ]
    )
    definitions_grant_company_access(objects=tickets)
    return workflow


def _queries(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured.captured_queries), result


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


# Admin changelists -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["creator", "superuser"])
@pytest.mark.parametrize("model_name", list(MODELS))
def test_admin_changelist_queries_constant(
    client, company_a, company_b, creator_a, superuser, who, model_name, django_assert_max_num_queries
):
    user = creator_a if who == "creator" else superuser
    client.force_login(user)
    url = reverse(f"admin:workflow_design_{model_name}_changelist")
    _fill(company_b, SMALL)  # another company's rows are filtered out, not counted per row
    _fill(company_a, SMALL)
    _get(client, url)  # warm the content-type and session caches
    small, response = _queries(lambda: _get(client, url))
    assert response.context["cl"].result_count >= SMALL
    assert small <= ADMIN_PAGE_MAX_QUERIES

    _fill(company_a, LARGE)
    with django_assert_max_num_queries(small):
        response = _get(client, url)
    assert response.context["cl"].result_count >= LARGE + SMALL


def test_admin_changelist_creator_sees_only_own_company(client, company_a, company_b, creator_a):
    client.force_login(creator_a)
    _fill(company_a, SMALL)
    _fill(company_b, SMALL)
    for model_name, model in MODELS.items():
        response = _get(client, reverse(f"admin:workflow_design_{model_name}_changelist"))
        own = model.objects.filter(
            **({"workflow__company": company_a} if model is WorkflowTransition else {"company": company_a})
        ).count()
        assert response.context["cl"].result_count == own, model_name


# Admin change and add pages ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["creator", "superuser"])
def test_admin_workflow_change_page_queries_constant(
    client, company_a, creator_a, superuser, who, django_assert_max_num_queries
):
    # The rows of the page are written from the tasks and transitions read once per table:
    # more rows must not mean more queries, whoever opens the page.
    client.force_login(creator_a if who == "creator" else superuser)
    small = _design(company_a, SMALL)
    large = _design(company_a, LARGE)
    small_url = reverse("admin:workflow_design_workflowdefinition_change", args=[small.pk])
    large_url = reverse("admin:workflow_design_workflowdefinition_change", args=[large.pk])
    _get(client, small_url)
    count, response = _queries(lambda: _get(client, small_url))
    assert count <= ADMIN_PAGE_MAX_QUERIES
    assert response.content.count(b'name="tasks-') > 0

    with django_assert_max_num_queries(count):
        response = _get(client, large_url)
    assert response.content.count(b'name="transitions-') >= (LARGE + 1) * 4


def test_admin_published_workflow_page_queries_constant(client, company_a, creator_a, django_assert_max_num_queries):
    from workflow_design.services.lifecycle import workflow_publish

    client.force_login(creator_a)
    small = workflow_publish(workflow=_design(company_a, SMALL), user=creator_a)
    large = workflow_publish(workflow=_design(company_a, LARGE), user=creator_a)
    small_url = reverse("admin:workflow_design_workflowdefinition_change", args=[small.pk])
    large_url = reverse("admin:workflow_design_workflowdefinition_change", args=[large.pk])
    _get(client, small_url)
    count, _ = _queries(lambda: _get(client, small_url))
    assert count <= ADMIN_PAGE_MAX_QUERIES

    with django_assert_max_num_queries(count):
        response = _get(client, large_url)
    assert f"s{LARGE - 1}".encode() in response.content


def _change_target(model_name: str, workflow: WorkflowDefinition):
    if model_name == "taskdefinition":
        return workflow.tasks.order_by("-position").first()
    if model_name == "workflowtransition":
        return workflow.transitions.filter(from_task__isnull=False, to_task__isnull=False).order_by("-id").first()
    return workflow.ticket_definitions.order_by("-id").first()


@pytest.mark.parametrize("model_name", ["taskdefinition", "workflowtransition", "ticketdefinition"])
def test_admin_change_page_queries_constant(client, company_a, creator_a, model_name, django_assert_max_num_queries):
    """The task, transition and ticket pages list the company's tasks, roles and workflows as
    choices: more of them must not mean more queries."""
    client.force_login(creator_a)
    workflow = _fill(company_a, SMALL)
    url = reverse(f"admin:workflow_design_{model_name}_change", args=[_change_target(model_name, workflow).pk])
    _get(client, url)
    count, _ = _queries(lambda: _get(client, url))
    assert count <= ADMIN_PAGE_MAX_QUERIES

    _fill(company_a, LARGE)
    _design(company_a, LARGE, workflow=workflow)
    with django_assert_max_num_queries(count):
        _get(client, url)


@pytest.mark.parametrize("model_name", list(MODELS))
def test_admin_add_page_queries_constant(client, company_a, creator_a, model_name, django_assert_max_num_queries):
    client.force_login(creator_a)
    _fill(company_a, SMALL)
    url = reverse(f"admin:workflow_design_{model_name}_add")
    _get(client, url)
    count, _ = _queries(lambda: _get(client, url))
    assert count <= ADMIN_PAGE_MAX_QUERIES

    _fill(company_a, LARGE)
    with django_assert_max_num_queries(count):
        _get(client, url)


def test_admin_workflow_diagram_queries_constant(client, company_a, creator_a, django_assert_max_num_queries):
    client.force_login(creator_a)
    small = _design(company_a, SMALL)
    large = _design(company_a, LARGE)
    small_url = reverse("admin:workflow_design_workflowdefinition_diagram", args=[small.pk])
    _get(client, small_url)
    count, _ = _queries(lambda: _get(client, small_url))
    assert count <= ADMIN_PAGE_MAX_QUERIES
    with django_assert_max_num_queries(count):
        response = _get(client, reverse("admin:workflow_design_workflowdefinition_diagram", args=[large.pk]))
    assert response.content.count(b"<g") > LARGE


def test_admin_workflow_history_queries_constant(client, company_a, creator_a, django_assert_max_num_queries):
    client.force_login(creator_a)
    workflow = _design(company_a, SMALL)
    url = reverse("admin:workflow_design_workflowdefinition_history", args=[workflow.pk])
    workflow_update(workflow=workflow, user=creator_a, description="first")
    _get(client, url)
    count, _ = _queries(lambda: _get(client, url))

    for n in range(LARGE):
        workflow_update(workflow=workflow, user=creator_a, description=f"change {n}")
    with django_assert_max_num_queries(count):
        response = _get(client, url)
    assert len(response.context["entries"]) == LARGE + 1
    # Session, user, the user's roles (once), the object, the page's count and rows, the
    # sidebar's permissions: the roles are not re-read by every permission check.
    assert count <= 12


# API lists ---------------------------------------------------------------------------------

API_LISTS = {
    "workflows": lambda workflow: "/api/workflow/workflows/",
    "tasks": lambda workflow: "/api/workflow/tasks/",
    "transitions": lambda workflow: "/api/workflow/transitions/",
    "tickets": lambda workflow: "/api/workflow/tickets/",
    "workflow-tasks": lambda workflow: f"/api/workflow/workflows/{workflow.pk}/tasks/",
    "workflow-transitions": lambda workflow: f"/api/workflow/workflows/{workflow.pk}/transitions/",
}


@pytest.mark.parametrize("who", ["creator", "superuser"])
@pytest.mark.parametrize("kind", list(API_LISTS))
def test_api_list_queries_constant(
    company_a, company_b, creator_a, superuser, who, kind, django_assert_max_num_queries
):
    api = APIClient()
    api.force_authenticate(creator_a if who == "creator" else superuser)
    _fill(company_b, SMALL)
    workflow = _fill(company_a, SMALL)
    url = API_LISTS[kind](workflow)
    _get(api, url)
    count, response = _queries(lambda: _get(api, url))
    assert response.json()["count"] >= SMALL

    _fill(company_a, LARGE)
    _design(company_a, LARGE, workflow=workflow)
    with django_assert_max_num_queries(count):
        response = _get(api, url)
    assert len(response.json()["results"]) >= LARGE
