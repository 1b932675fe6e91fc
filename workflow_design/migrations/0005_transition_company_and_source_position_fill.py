from django.db import migrations, models


def copy_company_and_source_position(apps, schema_editor):
    """Each existing transition takes its workflow's company and its source task's position."""
    TaskDefinition = apps.get_model("workflow_design", "TaskDefinition")
    WorkflowDefinition = apps.get_model("workflow_design", "WorkflowDefinition")
    WorkflowTransition = apps.get_model("workflow_design", "WorkflowTransition")
    company = WorkflowDefinition.objects.filter(pk=models.OuterRef("workflow_id")).values("company_id")
    position = TaskDefinition.objects.filter(pk=models.OuterRef("from_task_id")).values("position")
    WorkflowTransition.objects.update(company_id=models.Subquery(company))
    WorkflowTransition.objects.filter(from_task__isnull=False).update(from_position=models.Subquery(position))


class Migration(migrations.Migration):
    dependencies = [
        ("workflow_design", "0004_transition_company_and_source_position"),
    ]

    operations = [
        migrations.RunPython(copy_company_and_source_position, migrations.RunPython.noop),
    ]
