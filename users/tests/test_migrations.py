import pytest
from django.contrib.auth.models import Group

from users.roles import COMPANY_ADMIN, WORKFLOW_CREATOR


@pytest.mark.django_db
def test_workflow_creator_group_has_design_model_permissions():
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    for model in ("workflowdefinition", "taskdefinition", "workflowtransition", "ticketdefinition"):
        for action in ("add", "change", "delete", "view", "import", "export"):
            assert ("workflow_design", f"{action}_{model}") in codenames
    assert ("workflow_design", "publish_workflowdefinition") in codenames
    assert not any(app == "users" for app, _ in codenames)


@pytest.mark.django_db
def test_company_admin_group_manages_users_and_roles_only():
    group = Group.objects.get(name=COMPANY_ADMIN)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("users", "change_user") in codenames
    assert ("users", "add_companyrole") in codenames
    assert ("users", "change_company") not in codenames
    assert not any(app == "workflow_design" for app, _ in codenames)
