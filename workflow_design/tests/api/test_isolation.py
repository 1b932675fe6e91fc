"""The isolation matrix, generated from the URL resolver: another company's rows are never
seen, changed or even named, on any API route and method."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ticketflower.testing.factories import TicketFactory, simple_workflow
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition


def _api_routes():
    """Every (route name, kwarg names, view class) under /api/, found by walking the resolver."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.lstrip("^").startswith("api/"):
                kwargs = sorted(entry.pattern.regex.groupindex)
                view = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
                actions = getattr(entry.callback, "actions", None)
                found.append((entry.name, route, kwargs, view, actions))

    walk(get_resolver().url_patterns, "")
    return found


SECRET = "Zebra"


@pytest.fixture
def other_company(company_b, creator_a):
    workflow = simple_workflow(company_b, tasks=2)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(title=f"{SECRET} workflow", slug="zebra-flow")
    TaskDefinition.objects.filter(workflow=workflow).update(title=f"{SECRET} task")
    ticket = TicketFactory(workflow=workflow, title=f"{SECRET} ticket", slug="zebra-ticket")
    simple_workflow(creator_a.company, tasks=1)
    return {
        WorkflowDefinition: workflow,
        TaskDefinition: workflow.tasks.first(),
        WorkflowTransition: workflow.transitions.first(),
        TicketDefinition: ticket,
    }


def _snapshot(company):
    """The other company's rows and when each last changed."""
    return {
        "workflows": sorted(WorkflowDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
        "tasks": sorted(TaskDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
        "transitions": sorted(
            WorkflowTransition.objects.filter(workflow__company=company).values_list("pk", "updated_at")
        ),
        "tickets": sorted(TicketDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
    }


def test_isolation_matrix_covers_every_api_route(api, creator_a, other_company):
    routes = _api_routes()
    assert len(routes) >= 20
    company_b = other_company[WorkflowDefinition].company
    before = _snapshot(company_b)
    hostile_body = {
        "workflow": other_company[WorkflowDefinition].pk,
        "from_task": other_company[TaskDefinition].pk,
        "to_task": other_company[TaskDefinition].pk,
        "title": "Hijack",
        "slug": "hijack",
    }
    with_ids = 0
    for name, route, kwargs, view, actions in routes:
        values = {}
        for kwarg in kwargs:
            if kwarg == "format":
                values[kwarg] = "json"
            elif kwarg == "workflow_pk":
                values[kwarg] = other_company[WorkflowDefinition].pk
            elif kwarg == "pk":
                values[kwarg] = other_company[view.serializer_class.Meta.model].pk
            elif kwarg == "other_pk":  # the other workflow of a compare
                values[kwarg] = other_company[WorkflowDefinition].pk
            else:
                pytest.fail(f"The isolation matrix cannot fill <{kwarg}> of {route}: teach it here.")
        url = reverse(name, kwargs=values)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(api, method)(url, hostile_body, format="json")
            body = response.content.decode()
            assert SECRET not in body, (method, url)
            assert "zebra-" not in body, (method, url)
            assert response.status_code < 500, (method, url)
            if values.get("pk") or values.get("workflow_pk"):
                # Another company's id: a plain 404 (or 405 for a method the route lacks).
                assert response.status_code in (404, 405), (method, url, response.status_code)
                if method == "get" and (actions is None or "get" in actions):
                    assert response.status_code == 404, url
        with_ids += bool(kwargs)
        # Filtering a list by the other company's workflow finds nothing.
        if name.endswith("-list") and "pk" not in kwargs and "workflow_pk" not in kwargs:
            filtered = api.get(url, {"workflow": other_company[WorkflowDefinition].pk})
            if filtered.status_code == 200 and "count" in filtered.json():
                # Workflows have no `workflow` filter (under either name of their route).
                assert name in ("workflow-list", "workflowdefinition-list") or filtered.json()["count"] == 0, url
    assert with_ids >= 10
    assert _snapshot(company_b) == before
    # Whatever the hostile posts created belongs to the caller's company and points at nothing of B.
    assert not TaskDefinition.objects.filter(workflow__company=company_b).exclude(company=company_b).exists()
    assert (
        not WorkflowTransition.objects.filter(workflow__company=company_b)
        .exclude(pk__in=[pk for pk, _ in before["transitions"]])
        .exists()
    )
    assert not TicketDefinition.objects.filter(workflow__company=company_b).exclude(company=company_b).exists()
    assert not WorkflowDefinition.objects.filter(slug="hijack").exclude(company=creator_a.company).exists()
