"""Each API action asks the permission policy: its role and model permission, then the row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.urls import get_resolver
from guardian.shortcuts import remove_perm
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from ticketflower.testing.factories import UserFactory, WorkflowFactory, simple_workflow
from users.roles import WORKFLOW_CREATOR
from workflow_design.api.permissions import PolicyPermission
from workflow_design.api.workflows import WorkflowViewSet
from workflow_design.models import DefinitionStatus, TaskDefinition, WorkflowDefinition
from workflow_design.tests.api.samples import T, W, exported_bundle, publish


def _without_model_permission(codename: str) -> None:
    """The workflow_creator role loses one model permission (for this test's transaction)."""
    permission = Permission.objects.get(content_type__app_label="workflow_design", codename=codename)
    Group.objects.get(name=WORKFLOW_CREATOR).permissions.remove(permission)


def _fresh_client(user) -> APIClient:
    # A user object read again: Django keeps a user's model permissions on the object.
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    return client


def test_bundle_export_needs_the_export_permission(creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    _without_model_permission("export_workflowdefinition")
    api = _fresh_client(creator_a)
    refused = api.get(f"{W}{workflow.pk}/bundle/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You do not have permission to export definitions."}
    assert api.get(f"{W}{workflow.pk}/").json()["slug"] == workflow.slug


def test_publish_needs_the_publish_permission(creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    _without_model_permission("publish_workflowdefinition")
    refused = _fresh_client(creator_a).post(f"{W}{workflow.pk}/publish/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may not publish workflows."}
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_new_version_needs_change_on_the_published_workflow(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    publish(workflow)
    remove_perm("change_workflowdefinition", creator_a.company.creators_group, workflow)
    refused = api.post(f"{W}{workflow.pk}/new-version/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may not create new versions of this workflow."}
    assert WorkflowDefinition.objects.filter(slug=workflow.slug).count() == 1


def test_part_added_only_to_a_workflow_the_user_may_change(api, workflow, creator_a):
    remove_perm("change_workflowdefinition", creator_a.company.creators_group, workflow)
    nested = api.post(f"{W}{workflow.pk}/tasks/", {"title": "Step", "slug": "step"}, format="json")
    assert nested.status_code == 403
    assert nested.json() == {"detail": "You may view this workflow but not change it."}
    transition = api.post(f"{W}{workflow.pk}/transitions/", {"to_task": None}, format="json")
    assert transition.status_code == 403
    # The flat route offers only workflows the user may change: this one "does not exist" there.
    flat = api.post(T, {"workflow": workflow.pk, "title": "Step", "slug": "step"}, format="json")
    assert flat.json() == {"workflow": [f'Invalid pk "{workflow.pk}" - object does not exist.']}
    assert not TaskDefinition.objects.filter(workflow=workflow).exists()


def test_delete_needs_delete_on_the_row(api, workflow, creator_a):
    remove_perm("delete_workflowdefinition", creator_a.company.creators_group, workflow)
    refused = api.delete(f"{W}{workflow.pk}/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may view this definition but not delete it."}
    assert WorkflowDefinition.objects.filter(pk=workflow.pk).exists()


@pytest.mark.parametrize("role", ["plain", "company_admin", "inactive_creator"])
def test_reads_need_the_designer_role(company_a, role):
    workflow = WorkflowFactory(company=company_a)
    user = {
        "plain": lambda: UserFactory(company=company_a, email="plain@alpha.example"),
        "company_admin": lambda: UserFactory(company=company_a, email="boss@alpha.example", company_admin=True),
        "inactive_creator": lambda: UserFactory(
            company=company_a, email="gone@alpha.example", creator=True, is_active=False
        ),
    }[role]()
    client = APIClient()
    client.force_authenticate(user)
    # A list, a row, its lint, its tasks and its bundle are refused with the policy's message,
    # before any row is looked up.
    for url in (W, f"{W}{workflow.pk}/", f"{W}{workflow.pk}/lint/", f"{W}{workflow.pk}/tasks/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["detail"].startswith("You may not view"), url
    assert client.get(f"{W}{workflow.pk}/bundle/").json() == {
        "detail": "You do not have permission to export definitions."
    }


def test_import_bundle_refused_for_non_creators_with_the_policys_message(plain_api):
    response = plain_api.post(f"{W}import-bundle/", {"format": "x"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to import definitions."}


def test_superuser_imports_a_bundle_into_the_company_they_name(root_api, creator_a, company_b):
    document = exported_bundle(root_api, simple_workflow(creator_a.company, tasks=1), slug="for-beta")
    unnamed = root_api.post(f"{W}import-bundle/", document, format="json")
    assert unnamed.status_code == 400
    assert list(unnamed.json()) == ["company"]
    imported = root_api.post(f"{W}import-bundle/?company={company_b.pk}", document, format="json")
    assert imported.status_code == 201, imported.json()
    assert WorkflowDefinition.objects.get(slug="for-beta").company == company_b


def test_creator_company_in_the_import_query_is_ignored(api, creator_a, company_b):
    document = exported_bundle(api, simple_workflow(creator_a.company, tasks=1), slug="mine")
    imported = api.post(f"{W}import-bundle/?company={company_b.pk}", document, format="json")
    assert imported.status_code == 201
    assert WorkflowDefinition.objects.get(slug="mine").company == creator_a.company


def test_browsable_list_page_offers_the_create_form_only_to_those_who_may_add(creator_a, company_a):
    client = APIClient()
    client.force_authenticate(creator_a)
    assert 'id="post-object-form"' in client.get(W, HTTP_ACCEPT="text/html").content.decode()
    client.force_authenticate(UserFactory(company=company_a, email="plain@alpha.example"))
    page = client.get(W, HTTP_ACCEPT="text/html")
    assert page.status_code == 403
    assert "You may not view workflow definitions." in page.content.decode()
    assert 'id="post-object-form"' not in page.content.decode()


def test_every_routed_action_has_a_policy_rule():
    routed = [
        (pattern.name, pattern.callback.cls, action)
        for pattern in get_resolver("workflow_design.api.urls").url_patterns
        if getattr(pattern.callback, "actions", None)
        for action in pattern.callback.actions.values()
    ]
    assert len(routed) >= 20
    missing = [(name, action) for name, view, action in routed if action not in view.policy_actions]
    assert missing == []


def test_an_action_without_a_rule_is_refused_as_a_code_error(creator_a):
    request = Request(APIRequestFactory().post(W))
    request.user = creator_a
    view = WorkflowViewSet(action="frobnicate", action_map={"post": "frobnicate"}, request=request)
    with pytest.raises(ImproperlyConfigured, match="no rule for 'frobnicate'"):
        PolicyPermission().has_permission(request, view)
