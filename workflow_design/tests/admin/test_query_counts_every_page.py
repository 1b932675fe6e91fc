"""Every admin page of our apps, read at two data sizes: none may issue more queries at the
larger size, and none more than the ceiling.

Generated from the admin site's registry and each ModelAdmin's URL patterns (as the isolation
matrix is), so a page added later is measured without editing this file. Object pages are
read once on a small object (a 2-task workflow, a company with few users) and once on a
large one (a 25-task workflow with its transitions and audit history, a company with many
more users, roles, tickets and trail entries).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ticketflower.testing.factories import (
    CompanyRoleFactory,
    TicketFactory,
    TransitionFactory,
    UserFactory,
    simple_workflow,
)
from users.models import Company, CompanyRole, User
from workflow_design.models import AuditEntry, TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services import workflow_update

pytestmark = pytest.mark.django_db

OUR_APPS = {"users", "workflow_design"}
ADMIN_PAGE_MAX_QUERIES = 30
SMALL_TASKS, LARGE_TASKS = 2, 25
EXTRA_ROWS = 25


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _objects(company, workflow, user) -> dict:
    return {
        WorkflowDefinition: workflow,
        TaskDefinition: workflow.tasks.order_by("pk").last(),
        # A transition between two tasks at both sizes (a start or end transition names one).
        WorkflowTransition: workflow.transitions.filter(from_task__isnull=False, to_task__isnull=False)
        .order_by("pk")
        .last(),
        TicketDefinition: workflow.ticket_definitions.order_by("pk").last(),
        Company: company,
        CompanyRole: CompanyRole.objects.filter(company=company).order_by("pk").last(),
        User: user,
        AuditEntry: AuditEntry.objects.filter(company=company).order_by("pk").last(),
    }


def _designed(company, admin_user, tasks: int) -> WorkflowDefinition:
    """start → t1 → … → tN → end, and a way back to t1 from every later task: the same shape
    (and so the same kinds of lint findings) at every size."""
    workflow = simple_workflow(company, tasks=tasks, user=admin_user)
    made = list(workflow.tasks.order_by("position"))
    for task in made[1:]:
        TransitionFactory(workflow=workflow, from_task=task, to_task=made[0], slug=f"back-{task.slug}")
    return workflow


def _grow(company, admin_user) -> dict:
    """Adds rows to every list of the company and returns a large object of each kind."""
    workflow = _designed(company, admin_user, LARGE_TASKS)
    for n in range(EXTRA_ROWS):
        TicketFactory(workflow=workflow, slug=f"extra-ticket-{n}", title=f"Extra ticket {n}")
        CompanyRoleFactory(company=company, slug=f"extra-role-{n}", name=f"Extra role {n}")
        UserFactory(company=company, email=f"person{n}@alpha.example", creator=n % 2 == 0)
        simple_workflow(company, tasks=1)
    for n in range(EXTRA_ROWS):
        workflow.refresh_from_db()
        workflow_update(workflow=workflow, user=admin_user, description=f"change {n}")
    workflow.refresh_from_db()
    return _objects(company, workflow, UserFactory(company=company, email="large@alpha.example", creator=True))


def _admin_routes_by_model() -> dict:
    routes: dict = {}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        # Deletion pages are measured too: they list what would go.
        routes[model] = [pattern for pattern in model_admin.get_urls() if getattr(pattern, "name", None)]
    return routes


ROUTES = _admin_routes_by_model()


def _url(model, pattern, objects: dict, group) -> str:
    kwargs = {}
    for name in pattern.pattern.converters:
        if name in {"user_id", "id"}:
            kwargs[name] = objects[User].pk
        elif name == "group_id":
            kwargs[name] = group.pk
        elif name in {"object_id", "object_pk", "other_id"}:
            # `other_id` (the compare page's second version): the object itself, a valid pair.
            kwargs[name] = objects[model].pk
        else:
            pytest.fail(f"This test cannot fill URL parameter {name!r} of {pattern.name}; teach it here.")
    return reverse(f"admin:{pattern.name}", kwargs=kwargs)


def _count(client, url) -> tuple[int, int]:
    client.get(url)  # warm caches (content types, permissions) as a running server has them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response.status_code


# One test per admin (its pages share the two data sizes, built once): a failure names every
# page of the admin that grew.
@pytest.mark.parametrize("model", list(ROUTES), ids=[model._meta.label_lower for model in ROUTES])
def test_admin_pages_queries_do_not_grow(model, client, company_a, company_admin_a):
    # Given a company admin (who is also a workflow creator, so every page is open to them)
    small_workflow = _designed(company_a, company_admin_a, SMALL_TASKS)
    TicketFactory(workflow=small_workflow)
    CompanyRoleFactory(company=company_a)
    workflow_update(workflow=small_workflow, user=company_admin_a, description="first")
    small_workflow.refresh_from_db()
    small = _objects(company_a, small_workflow, UserFactory(company=company_a, email="small@alpha.example"))
    group = company_a.creators_group
    client.force_login(company_admin_a)

    # When each page is read on a small object, and on a large one after the lists have grown
    small_counts = {p.name: _count(client, _url(model, p, small, group)) for p in ROUTES[model]}
    large = _grow(company_a, company_admin_a)
    large_counts = {p.name: _count(client, _url(model, p, large, group)) for p in ROUTES[model]}

    # Then each page answers the same way and its queries do not grow with the data
    # (403: a page nobody may open, such as adding to the audit trail; 405: a POST-only URL).
    problems = []
    for name, (small_count, small_status) in small_counts.items():
        large_count, large_status = large_counts[name]
        if small_status != large_status or small_status not in (200, 302, 403, 405):
            problems.append(f"{name}: answered {small_status} small, {large_status} large")
        if large_count > small_count or small_count > ADMIN_PAGE_MAX_QUERIES:
            problems.append(f"{name}: {small_count} queries small, {large_count} large")
    assert not problems, problems
    assert len(small_counts) >= 5  # changelist, add, change, history, delete at least
