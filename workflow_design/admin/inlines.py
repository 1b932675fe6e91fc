"""The workflow page's task and transition rows: the inlines, and their save through the batch services.

Rows follow their workflow: editable while it is a draft, read-only after. A transition row names
its tasks by slug, so it can point at a task added in the same save (`forms.TaskRefs`); the
tasks are therefore saved first. Each table is saved as batches (deleted rows, changed rows,
new rows), and each refusal comes back to the row it belongs to.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.forms import BoundField
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from workflow_design import services
from workflow_design.admin.designer import changed_fields, save_errors, take_saved
from workflow_design.admin.forms import TaskDefinitionForm, TransitionRowForm
from workflow_design.admin.scoping import ReadOnlyRowsAsTextMixin, scoped_choices
from workflow_design.fast.admin_request_memo import part_may_be_added_to, policy_allows
from workflow_design.fast.designer_rows import EmptyFormAnswersMixin, translated_now
from workflow_design.fast.designer_widgets import PYTHON_WIDGETS, RowSelect
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.policy import Action, policy_for

# Task columns a page opened for editing does not show outside the task's own row.
HEAVY_TASK_COLUMNS = ("description", "input_schema", "output_schema")


class DesignerInlineFormSet(EmptyFormAnswersMixin, BaseInlineFormSet):
    """Rows get the page's shared extras (choices, task lookup) and the refusals of their index."""

    row_errors: dict[int, list[ValidationError]] = {}

    def validate_unique(self):
        # The save services refuse a slug taken twice at the row that takes it, and fill in
        # the slug of a row left empty; the formset's own check would call every empty slug
        # of new rows a duplicate.
        return

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index in self.row_errors:
            kwargs = {**kwargs, "save_errors": self.row_errors[index]}
        return kwargs


class TableCellBoundField(BoundField):
    """A field written in a table cell, whose help text is in its column's header.

    The header (read out with each of the column's cells) carries the help, so a cell names no
    help element of its own; Django's default reference would name one the table does not have.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if attrs.get("aria-describedby") == f"{self.auto_id}_helptext":
            del attrs["aria-describedby"]
        return attrs


class DesignerInline:
    """Inline rows follow their workflow: editable while it is a draft, read-only after."""

    formset = DesignerInlineFormSet
    extra = 0

    @property
    def policy(self):
        return policy_for(self.model)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        if db_field.name not in (*self.raw_id_fields, *self.autocomplete_fields, *self.radio_fields):
            kwargs.setdefault("widget", RowSelect)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        errors = save_errors(request, formset.get_default_prefix())
        # The form class is made for this request: its fields may be replaced without
        # touching the shared declared fields.
        formset.form.base_fields = {name: translated_now(field) for name, field in formset.form.base_fields.items()}
        formset.form.bound_field_class = TableCellBoundField
        # A 200-task page has some 5,000 row widgets: they are written in Python, not by
        # templates (the factory sets the formset's renderer, so it is replaced here).
        return type(formset.__name__, (formset,), {"row_errors": errors, "renderer": PYTHON_WIDGETS})

    # `obj` is the workflow of the page (None on the add page, where it is made in the same save).
    def has_view_permission(self, request, obj=None):
        return policy_allows(request, self.policy, Action.VIEW)

    def has_add_permission(self, request, obj=None):
        if obj is None:
            return policy_allows(request, self.policy, Action.ADD)
        return obj.is_editable and part_may_be_added_to(request, self.policy, obj)

    def has_change_permission(self, request, obj=None):
        return self._rows_writable(request, obj, Action.CHANGE)

    def has_delete_permission(self, request, obj=None):
        return self._rows_writable(request, obj, Action.DELETE)

    def _rows_writable(self, request, workflow: WorkflowDefinition | None, action: Action) -> bool:
        # The rows are changed with their workflow's page: the part's permission and `change`
        # on the workflow (a grant asked of each row would be a query per row).
        if not policy_allows(request, self.policy, action):
            return False
        if workflow is None:
            return True
        return workflow.is_editable and policy_allows(request, policy_for(WorkflowDefinition), Action.CHANGE, workflow)


class TaskInline(ReadOnlyRowsAsTextMixin, DesignerInline, admin.TabularInline):
    model = TaskDefinition
    form = TaskDefinitionForm
    # The output form is edited in the row (conditions read it); input fields and the
    # description are on the task's own page ("Change" link), which keeps 200 rows readable.
    fields = ("position", "title", "slug", "task_type", "assignee_role", "output_schema")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True
    template = "admin/workflow_design/edit_inline/tabular.html"
    row_height_estimate = 78  # pixels of a row at 1280 px, before the table is laid out
    verbose_name_plural = _("Tasks (in their designed order; output form = the fields the worker fills)")

    def get_queryset(self, request):
        return (
            self.policy.instances_user_has_permission_for(request.user, Action.VIEW)
            .select_related("assignee_role")
            .order_by("position", "id")
        )


class TransitionInline(DesignerInline, admin.TabularInline):
    model = WorkflowTransition
    form = TransitionRowForm
    fk_name = "workflow"
    fields = ("from_task", "to_task", "priority", "condition", "slug")
    template = "admin/workflow_design/edit_inline/tabular.html"
    row_height_estimate = 64  # pixels of a row at 1280 px, before the table is laid out
    verbose_name_plural = _("Transitions (by source task, then priority)")

    def get_queryset(self, request):
        # Start transitions (no source task) first, then by the source task's order and priority.
        transitions = (
            self.policy.instances_user_has_permission_for(request.user, Action.VIEW)
            .select_related("from_task", "to_task")
            .order_by(F("from_task__position").asc(nulls_first=True), "from_task_id", "priority", "id")
        )
        if request.method == "GET":
            # A row shows its tasks by title: the rest of the tasks (read twice for each of
            # 600 rows, forms and dates included) stays in the database. A save checks
            # conditions against the output forms, so it reads the whole tasks.
            shown = {"id", "title"}
            transitions = transitions.defer(
                *(
                    f"{side}__{field.name}"
                    for side in ("from_task", "to_task")
                    for field in TaskDefinition._meta.concrete_fields
                    if field.name not in shown
                )
            )
        return transitions


# Saving -------------------------------------------------------------------------------------

BATCHES = {
    TaskDefinition: (services.task_delete, "task", services.tasks_update_many, services.tasks_create_many),
    WorkflowTransition: (
        services.transition_delete,
        "transition",
        services.transitions_update_many,
        services.transitions_create_many,
    ),
}


def _refusals_by_row(exc: ValidationError, indexes: list[int]) -> dict[int, list[ValidationError]]:
    """A batch's refusal at the rows it names (`RowErrors`), or at every row of the batch."""
    rows = getattr(exc, "rows", None)
    if rows is None:
        return {index: [exc] for index in indexes}
    return {indexes[position]: [error] for position, error in rows.items()}


def save_rows(*, user, workflow: WorkflowDefinition, formset) -> dict[int, list[ValidationError]]:
    """Save one table of the workflow page through the services; return the refusals by row index.

    Deleted rows go first, then changed rows, then new ones, so a slug freed by a deletion or a
    rename can be taken by a new row of the same save.
    """
    model = formset.model
    delete, name, update_many, create_many = BATCHES[model]
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    model_fields = {field.name for field in model._meta.fields}
    names = [n for n in formset.form.base_fields if n in model_fields and n not in ("id", "workflow")]
    deleted, changed, new = [], [], []
    for index, row in enumerate(formset.forms):
        is_new = row.instance.pk is None
        if not row.has_changed() or (is_new and row.cleaned_data.get("DELETE")):
            continue
        if row.cleaned_data.get("DELETE"):
            deleted.append((index, row))
        elif model is WorkflowTransition and any(task.pk is None for task in row.pending_tasks().values()):
            continue  # its task row was refused; that row shows why
        elif is_new:
            new.append((index, row))
        else:
            changed.append((index, row))

    refused: dict[int, list[ValidationError]] = {}
    for index, row in deleted:
        try:
            delete(user=user, **{name: row.instance})
        except ValidationError as exc:
            refused[index] = [exc]
        else:
            formset.deleted_objects.append(row.instance)
    if changed:
        changes = [(row.instance, _changed_columns(row, names)) for _index, row in changed]
        try:
            update_many(user=user, changes=changes)
        except ValidationError as exc:
            refused.update(_refusals_by_row(exc, [index for index, _row in changed]))
        else:
            formset.changed_objects.extend((row.instance, row.changed_data) for _index, row in changed)
    if new:
        rows = [{n: row.cleaned_data[n] for n in names if n in row.cleaned_data} for _index, row in new]
        try:
            created = create_many(user=user, rows=rows, workflow=workflow)
        except ValidationError as exc:
            refused.update(_refusals_by_row(exc, [index for index, _row in new]))
        else:
            for (_index, row), saved in zip(new, created, strict=True):
                # Transition rows of this save may name this task: they hold this instance.
                take_saved(row.instance, saved)
            formset.new_objects.extend(created)
    return refused


def _changed_columns(row, names: list[str]) -> dict[str, Any]:
    # What the user changed in the row's columns (not the deletion box, the pk or the workflow).
    return {name: value for name, value in changed_fields(row).items() if name in names}
