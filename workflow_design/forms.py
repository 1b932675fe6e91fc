from django import forms

from ticketflower.forms import ServerScopedModelForm

from .models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition


class WorkflowDefinitionForm(ServerScopedModelForm):
    class Meta:
        model = WorkflowDefinition
        fields = ("title", "slug", "description", "ext_ref", "fields", "display_layout")


class TaskDefinitionForm(ServerScopedModelForm):
    class Meta:
        model = TaskDefinition
        fields = (
            "workflow",
            "title",
            "slug",
            "position",
            "description",
            "task_type",
            "assignee_role",
            "input_schema",
            "output_schema",
        )


class WorkflowTransitionForm(forms.ModelForm):
    class Meta:
        model = WorkflowTransition
        fields = ("workflow", "slug", "from_task", "to_task", "condition", "priority")
        widgets = {"condition": forms.Textarea(attrs={"rows": 2, "cols": 50})}


class TicketDefinitionForm(ServerScopedModelForm):
    class Meta:
        model = TicketDefinition
        fields = (
            "title",
            "slug",
            "description",
            "workflow",
            "ext_ref",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
        )
