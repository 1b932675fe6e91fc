"""A workflow's tasks and transitions follow the workflow's object permissions: with `change` on
the workflow withdrawn (view-only), its parts can be seen but not changed or deleted, on the
policy itself, in the admin and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from guardian.shortcuts import remove_perm
from rest_framework.test import APIClient

from workflow_design.models import TaskDefinition, WorkflowTransition
from workflow_design.policy import DENIED, Action, task_policy, transition_policy
from workflow_design.tests.policy.conftest import World

PARTS = {
    "task": (TaskDefinition, task_policy, "/api/workflow/tasks/", {"title": "Renamed"}),
    "transition": (WorkflowTransition, transition_policy, "/api/workflow/transitions/", {"priority": 7}),
}


def view_only(w: World):
    """The ready workflow restricted to view-only for the company's creators."""
    workflow = w.ready()
    remove_perm("change_workflowdefinition", w.alpha.creators_group, workflow)
    return workflow


def part_of(model, workflow):
    return model.objects.filter(workflow=workflow).order_by("pk").first()


@pytest.mark.parametrize("kind", PARTS)
def test_part_of_a_view_only_workflow_is_view_only_in_the_policy(w, kind):
    model, policy, _, _ = PARTS[kind]
    workflow = view_only(w)
    part, creator = part_of(model, workflow), w.user("creator")
    assert policy.user_has_permission_for_instance(creator, Action.VIEW, part)
    for action in (Action.CHANGE, Action.DELETE):
        assert not policy.user_has_permission_for_instance(creator, action, part)
        assert not policy.instances_user_has_permission_for(creator, action).filter(pk=part.pk).exists()
    # Another workflow's parts, and the superuser, are untouched by the restriction.
    other = model.objects.exclude(workflow=workflow).filter(workflow__company=w.alpha)
    assert other.exists()
    assert policy.instances_user_has_permission_for(creator, Action.CHANGE).filter(pk=other[0].pk).exists()
    assert policy.user_has_permission_for_instance(w.user("superuser"), Action.DELETE, part)


@pytest.mark.parametrize("kind", PARTS)
def test_part_of_a_view_only_workflow_is_refused_by_the_api(w, kind):
    model, _, url, change = PARTS[kind]
    workflow = view_only(w)
    part = part_of(model, workflow)
    before = model.objects.filter(pk=part.pk).values().get()
    api = APIClient()
    api.force_authenticate(w.user("creator"))
    nested = f"/api/workflow/workflows/{workflow.pk}/{kind}s/{part.pk}/"
    for path in (f"{url}{part.pk}/", nested):
        assert api.get(path).status_code == 200
        patched = api.patch(path, change, format="json")
        assert patched.status_code == 403, patched.content
        assert patched.json() == {"detail": str(DENIED[Action.CHANGE])}
        deleted = api.delete(path)
        assert deleted.status_code == 403
        assert deleted.json() == {"detail": str(DENIED[Action.DELETE])}
    assert model.objects.filter(pk=part.pk).values().get() == before


@pytest.mark.parametrize("kind", PARTS)
def test_part_of_a_view_only_workflow_is_refused_by_the_admin(w, client, kind):
    model, _, _, change = PARTS[kind]
    workflow = view_only(w)
    part = part_of(model, workflow)
    before = model.objects.filter(pk=part.pk).values().get()
    client.force_login(w.user("creator"))
    name = f"admin:workflow_design_{model._meta.model_name}"
    page = client.get(reverse(f"{name}_change", args=[part.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # opened read-only
    assert client.post(reverse(f"{name}_change", args=[part.pk]), change).status_code == 403
    assert client.post(reverse(f"{name}_delete", args=[part.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse(f"{name}_changelist"), {"action": "delete_selected", "_selected_action": [part.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    assert model.objects.filter(pk=part.pk).values().get() == before
