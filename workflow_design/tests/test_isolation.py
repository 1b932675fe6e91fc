"""The isolation matrix: every registered admin URL, two companies, the other company's ids.

Generated from the admin site's registry and each ModelAdmin's URL patterns, so a view added
later is covered without editing this file; a URL parameter the matrix cannot fill fails the
test, asking for it to be taught here.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse

from ticketflower.testing.factories import CompanyRoleFactory, TicketFactory, UserFactory, simple_workflow
from users.models import Company, CompanyRole, User
from workflow_design.models import AuditEntry, TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

OUR_APPS = {"users", "workflow_design"}
DESIGN_MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, User, CompanyRole)
MISSING_ID = 987654321


@pytest.fixture
def world(company_a, company_b, creator_a):
    """Company A's users and definitions, and company B's, each with distinctive titles."""
    workflow_a = simple_workflow(company_a, tasks=2)
    workflow_b = simple_workflow(company_b, tasks=2)
    WorkflowDefinition.objects.filter(pk=workflow_b.pk).update(title="Zebra secret workflow")
    TaskDefinition.objects.filter(workflow=workflow_b).update(title="Zebra hidden task")
    ticket_a = TicketFactory(workflow=workflow_a, title="Alpha ticket type")
    ticket_b = TicketFactory(workflow=workflow_b, title="Zebra ticket type", slug="zebra-ticket")
    role_b = CompanyRoleFactory(company=company_b, name="Zebra role", slug="zebra-role")
    user_b = UserFactory(company=company_b, email="zebra.person@beta.example", full_name="Zebra Person", creator=True)
    workflow_b.refresh_from_db()
    return {
        "objects": {
            WorkflowDefinition: workflow_b,
            TaskDefinition: workflow_b.tasks.first(),
            WorkflowTransition: workflow_b.transitions.first(),
            TicketDefinition: ticket_b,
            Company: company_b,
            CompanyRole: role_b,
            User: user_b,
            AuditEntry: AuditEntry.objects.filter(company=company_b).first(),
        },
        "user_b": user_b,
        "group_b": company_b.creators_group,
        # The actor's own company's rows, to tell a refusal for the role from one for the row.
        "own": {
            "objects": {
                WorkflowDefinition: workflow_a,
                TaskDefinition: workflow_a.tasks.first(),
                WorkflowTransition: workflow_a.transitions.first(),
                TicketDefinition: ticket_a,
            },
            "user_b": creator_a,
            "group_b": company_a.creators_group,
        },
        "secrets": ["Zebra", "zebra.person@beta.example", "Beta GmbH", "zebra-ticket"],
    }


def _url_kwargs(pattern, model, world) -> dict | None:
    """Fill each URL parameter with an id of the other company; None if the route has none."""
    params = list(pattern.pattern.converters)
    if not params:
        return {}
    obj = world["objects"].get(model)
    kwargs = {}
    for name in params:
        if name == "user_id":
            kwargs[name] = world["user_b"].pk
        elif name == "group_id":
            kwargs[name] = world["group_b"].pk
        elif name in {"object_id", "object_pk", "pk", "id"} or name.endswith("_id") or name.endswith("_pk"):
            if obj is None:
                return None
            kwargs[name] = obj.pk
        else:
            pytest.fail(f"The isolation matrix cannot fill URL parameter {name!r} of {pattern.name}; teach it here.")
    return kwargs


def admin_routes():
    routes = []
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            if getattr(pattern, "name", None) is None:
                continue
            routes.append((model, pattern))
    return routes


def _route_id(route):
    model, pattern = route
    return f"{model._meta.label_lower}:{pattern.name}"


ROUTES = admin_routes()


@pytest.fixture(params=["creator", "company_admin"])
def actor(request, creator_a, company_admin_a):
    return creator_a if request.param == "creator" else company_admin_a


@pytest.mark.parametrize("route", ROUTES, ids=[_route_id(r) for r in ROUTES])
def test_admin_route_hides_other_company(route, world, actor, client):
    model, pattern = route
    kwargs = _url_kwargs(pattern, model, world)
    if kwargs is None:
        # A route with an object id on a model without company data (e.g. axes' logs):
        # the actor must simply not reach it.
        kwargs = dict.fromkeys(pattern.pattern.converters, 1)
    url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
    missing_url = reverse(f"admin:{pattern.name}", kwargs=dict.fromkeys(kwargs, MISSING_ID))
    client.force_login(actor)
    reaches_section = admin.site._registry[model].has_module_permission(SimpleNamespace(user=actor))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        body = response.content.decode(errors="replace")
        for secret in world["secrets"]:
            assert secret not in body, f"{method.upper()} {url} shows {secret!r}"
        answer = f"{method.upper()} {url} answered {response.status_code}"
        if kwargs:
            # Another company's id must look exactly like an id that does not exist.
            assert response.status_code == getattr(client, method)(missing_url).status_code, answer
        if kwargs and model in DESIGN_MODELS and reaches_section and response.status_code == 403:
            # Refused for the role, before any object is looked up (docs/permissions.md): the
            # actor's own company's object is refused alike, so the answer tells nothing.
            own = _url_kwargs(pattern, model, world["own"])
            assert own is not None, f"{answer}; teach the matrix an own {model.__name__} to compare with"
            own_answer = getattr(client, method)(reverse(f"admin:{pattern.name}", kwargs=own)).status_code
            assert own_answer == 403, f"{answer}, but {own_answer} for the own company's object"
        elif kwargs and model in DESIGN_MODELS and reaches_section:
            # Inside a section the actor works in, another company's object does not exist.
            assert response.status_code in (404, 405), answer
        else:
            # 400: a page or check that refuses an empty form (an upload without a file).
            assert response.status_code in (200, 302, 400, 403, 404, 405), answer
    # Nothing of company B changed.
    assert WorkflowDefinition.objects.filter(pk=world["objects"][WorkflowDefinition].pk).exists()
    assert User.objects.filter(pk=world["user_b"].pk, company=world["objects"][Company]).exists()


def test_autocomplete_hides_other_company(world, creator_a, client):
    client.force_login(creator_a)
    for model in (TaskDefinition, TicketDefinition):
        for field in model._meta.get_fields():
            if not getattr(field, "many_to_one", False):
                continue
            related_admin = admin.site._registry.get(field.related_model)
            if related_admin is None or not related_admin.search_fields:
                continue
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field.name},
            )
            body = response.content.decode()
            for secret in world["secrets"]:
                assert secret not in body, f"autocomplete {model.__name__}.{field.name} shows {secret!r}"


def test_changelists_show_own_company_rows(world, creator_a, client):
    client.force_login(creator_a)
    body = client.get(reverse("admin:workflow_design_ticketdefinition_changelist")).content.decode()
    assert "Alpha ticket type" in body
    assert "Zebra" not in body


def test_matrix_covers_every_design_and_users_admin():
    covered = {model for model, _ in ROUTES}
    for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, User, CompanyRole, Company):
        assert model in covered
    names = {pattern.name for _, pattern in ROUTES}
    assert "workflow_design_workflowdefinition_permissions" in names
    assert "workflow_design_workflowdefinition_history" in names
