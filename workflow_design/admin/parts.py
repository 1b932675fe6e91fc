"""The task and transition admins: a part on its own page, and the changelists of all parts.

A part belongs to its workflow: it is added to a workflow the user may change, stays in it, and
its page remembers the workflow's revision, so a save over someone else's is refused.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from workflow_design.admin.designer import (
    DesignerAdminMixin,
    WorkflowListFilter,
    json_schema_html,
)
from workflow_design.admin.forms import TaskDefinitionForm, WorkflowTransitionForm
from workflow_design.admin.scoping import DesignModelAdmin
from workflow_design.admin.transfer import TaskTransferAdminMixin, TransitionTransferAdminMixin
from workflow_design.models import TaskDefinition, WorkflowTransition


class PartAdminMixin:
    """A part page remembers its workflow's revision; a part stays in its workflow."""

    company_field = False  # a part belongs to its workflow's company
    not_written = ("workflow", "opened_revision")  # a part's workflow is where it goes, not data

    def get_form(self, request, obj=None, change=False, **kwargs):
        if kwargs.get("fields"):
            # Not model fields the form may change: a form-only field, and the part's workflow.
            dropped = ("opened_revision", "workflow") if obj is not None else ("opened_revision",)
            kwargs["fields"] = [name for name in kwargs["fields"] if name not in dropped]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        revision = obj.workflow.revision

        class OpenedRevisionForm(form):
            # The revision the page was opened at: the save is refused if someone saved since.
            opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=revision)

        return OpenedRevisionForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and fieldsets:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": (*options["fields"], "opened_revision")})
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A part stays in its workflow; copying it elsewhere is done by new versions or bundles.
        return [*fields, "workflow"] if obj is not None else fields

    def create_row(self, request, form, data):
        workflow = form.cleaned_data["workflow"]
        try:
            self.policy.require_add_to(request.user, workflow)
        except PermissionDenied as exc:
            raise ValidationError({"workflow": [str(exc)]}) from None
        return self.writes.create(user=request.user, workflow=workflow, **data)


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(TaskTransferAdminMixin, PartAdminMixin, DesignerAdminMixin, DesignModelAdmin):
    form = TaskDefinitionForm
    list_display = (
        "title",
        "slug",
        "workflow",
        "position",
        "task_type",
        "assignee_role",
        "version",
        "status",
        "updated_at",
    )
    list_filter = ("status", WorkflowListFilter, "task_type")
    list_select_related = ("workflow", "assignee_role")
    search_fields = ("title", "slug", "workflow__title", "workflow__slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("output_json_schema", "input_json_schema", "version", "status", "created_at", "updated_at")

    def designer_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {"fields": ("workflow", ("title", "slug"), ("position", "task_type"), "assignee_role", "description")},
            ),
            (_("Output form (what the worker fills)"), {"fields": ("output_schema", "output_json_schema")}),
            (_("Input fields (what the worker is shown)"), {"fields": ("input_schema", "input_json_schema")}),
        ]
        if obj is not None:
            fieldsets.append((_("Version"), {"fields": (("version", "status"), ("created_at", "updated_at"))}))
        return fieldsets

    @admin.display(description=_("JSON Schema of the output form"))
    def output_json_schema(self, obj):
        return json_schema_html(obj.output_schema, f"{obj.title} output") if obj and obj.pk else "—"

    @admin.display(description=_("JSON Schema of the input fields"))
    def input_json_schema(self, obj):
        return json_schema_html(obj.input_schema, f"{obj.title} input") if obj and obj.pk else "—"


@admin.register(WorkflowTransition)
class WorkflowTransitionAdmin(TransitionTransferAdminMixin, PartAdminMixin, DesignerAdminMixin, DesignModelAdmin):
    form = WorkflowTransitionForm
    list_display = ("__str__", "workflow", "priority", "condition", "slug", "status", "updated_at")
    list_filter = ("status", WorkflowListFilter)
    list_select_related = ("workflow", "from_task", "to_task")
    search_fields = ("slug", "condition", "workflow__title", "from_task__title", "to_task__title")
