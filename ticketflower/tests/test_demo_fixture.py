import pytest
from django.core.management import call_command

from users.models import Company, User
from workflow_design import access
from workflow_design.models import TicketDefinition, WorkflowDefinition


@pytest.mark.django_db
def test_demo_fixture_loads_on_empty_database_with_object_permissions():
    call_command("loaddata", "demo", verbosity=0)
    assert set(Company.objects.values_list("slug", flat=True)) == {"acme", "globex"}
    acme_creator = User.objects.get(email="creator@acme.example")
    globex_creator = User.objects.get(email="creator@globex.example")
    assert acme_creator.check_password("TicketFlower-demo-2026")
    acme_workflows = list(access.workflows_for(acme_creator))
    assert [w.slug for w in acme_workflows] == ["it-access-request"]
    assert [w.slug for w in access.workflows_for(globex_creator)] == ["purchase-request"]
    workflow = acme_workflows[0]
    assert access.tasks_for(acme_creator).filter(workflow=workflow).count() == workflow.tasks.count() >= 4
    assert access.transitions_for(acme_creator).count() == workflow.transitions.count()
    conditional = workflow.transitions.exclude(condition="")
    assert conditional.exists()
    assert workflow.transitions.filter(from_task__isnull=True).exists()
    assert workflow.transitions.filter(to_task__isnull=True).exists()
    assert TicketDefinition.objects.filter(workflow=workflow).exists()
    for obj in WorkflowDefinition.objects.all():
        obj.full_clean()
