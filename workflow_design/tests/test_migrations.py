from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from users.roles import WORKFLOW_CREATOR


@pytest.mark.django_db
def test_migrations_match_the_models():
    # A model change without its migration would leave databases behind the code.
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_migrations_leave_nothing_to_apply():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


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
def test_workflow_creator_group_gets_design_permissions_back_after_migrate():
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    group.permissions.clear()
    call_command("migrate", verbosity=0)
    assert group.permissions.filter(codename="change_taskdefinition").exists()
