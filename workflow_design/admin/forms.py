"""Forms of the designer admin. They parse input; every rule lives in the models and services.

The JSON fields get django-jsonform editors (a form builder for field lists, structured
editors for references, layouts and role access). A transition row names its tasks by slug,
so it can point at a task added in the same save (see `TaskRefs`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _
from django_jsonform.widgets import JSONFormWidget

from ticketflower.forms import ServerScopedModelForm
from workflow_design.admin.widgets import SharedSchemaJSONFormWidget, TaskReferenceInput
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.structured_fields import role_access_editor_schema


class JSONListField(forms.JSONField):
    """A JSON list edited by a structured editor; an emptied editor means an empty list."""

    def clean(self, value):
        cleaned = super().clean(value)
        return [] if cleaned in (None, "") else cleaned


def _editor(schema_name: str) -> SharedSchemaJSONFormWidget:
    return SharedSchemaJSONFormWidget(schema_name)


class SaveErrorsMixin:
    """Shows errors a service raised while saving (after the form was valid) at this form.

    The admin saves in a transaction; when a service refuses a row, everything is rolled back
    and the page is built again from the same POST, with the refusal given to the form at
    fault through `save_errors`.
    """

    def __init__(self, *args, save_errors: list[ValidationError] | None = None, **kwargs):
        self.save_errors = list(save_errors or [])
        super().__init__(*args, **kwargs)

    def _post_clean(self):
        super()._post_clean()
        for error in self.save_errors:
            self.add_service_error(error)

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                # A field the form does not show (a part's workflow) gets it at the top.
                shown = field in self.fields and not self.fields[field].widget.is_hidden
                self.add_error(field if shown else None, errors)
        else:
            self.add_error(None, error.error_list)


class WorkflowDefinitionForm(SaveErrorsMixin, ServerScopedModelForm):
    # The revision the page was opened at: the save is refused if someone saved since.
    opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = WorkflowDefinition
        fields = ("title", "slug", "description", "ext_ref", "fields", "display_layout")
        field_classes = {"ext_ref": JSONListField, "fields": JSONListField, "display_layout": JSONListField}
        widgets = {"ext_ref": _editor("ext_ref"), "fields": _editor("field_list"), "display_layout": _editor("layout")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_revision"].initial = self.instance.revision


class TaskDefinitionForm(SaveErrorsMixin, ServerScopedModelForm):
    """A task on its own page and as a row of the workflow page."""

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
        field_classes = {"input_schema": JSONListField, "output_schema": JSONListField}
        widgets = {
            "input_schema": _editor("field_list"),
            "output_schema": _editor("field_list"),
            "description": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    def __init__(self, *args, role_choices: list[tuple[Any, str]] | None = None, task_refs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task_refs is not None:
            task_refs.task_forms.append(self)
            if not self.is_bound and self.instance.pk is not None:
                close_editors(self)
        field = self.fields.get("assignee_role")
        if field is not None and role_choices is not None:
            # One choice list for every row of the workflow page: no query per task.
            field.choices = role_choices
            inner = getattr(field.widget, "widget", None)
            if inner is not None:
                inner.choices = field.choices
                field.widget.choices = field.choices


def close_editors(form: forms.BaseForm) -> None:
    """A saved task's editors on the workflow page open on demand (see SharedSchemaJSONFormWidget.closed).

    Shown again after a refused save, the rows are bound and their editors open, errors and all.
    """
    for field in form.fields.values():
        if isinstance(field.widget, SharedSchemaJSONFormWidget):
            field.widget = field.widget.closed()


class TaskRefs:
    """The tasks a transition row may name: this workflow's, and the ones added in the same save.

    Built once per request (one query) and shared by every row, so rows cost no queries. Task
    rows of the same page register here; a slug typed in a new task row is accepted by the
    transition rows and bound to that task once the task row is saved.
    """

    def __init__(self, tasks: list[TaskDefinition]) -> None:
        self.tasks = tasks
        self.slug_by_pk = {task.pk: task.slug for task in tasks}
        self.task_forms: list[forms.ModelForm] = []
        self._current: dict[str, TaskDefinition] | None = None

    def options(self) -> list[tuple[str, str]]:
        return [(task.slug, task.title) for task in self.tasks]

    def current(self) -> dict[str, TaskDefinition]:
        if self._current is not None:
            return self._current
        current = {task.slug: task for task in self.tasks}
        for form in self.task_forms:
            if not form.is_bound:
                continue
            original = self.slug_by_pk.get(form.instance.pk) if form.instance.pk else None
            valid = form.is_valid()
            deleting = valid and form.cleaned_data.get("DELETE")
            if original is not None:
                if valid:
                    current.pop(original, None)
                    if not deleting:
                        current[form.instance.slug] = form.instance
            elif form.has_changed() and not deleting:
                slug = form.instance.slug if valid else (form["slug"].value() or "").strip()
                if slug:
                    current[slug] = form.instance
        self._current = current
        return current

    def resolve(self, slug: str) -> TaskDefinition | None:
        return self.current().get(slug)


class TaskReferenceField(forms.CharField):
    """A task of this workflow, named by its slug; empty means start (from) or end (to)."""

    def __init__(self, *, placeholder: str, empty_label: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 80)
        widget = TaskReferenceInput(placeholder=placeholder, empty_label=empty_label, label=kwargs.get("label", ""))
        super().__init__(widget=widget, **kwargs)
        self.task_refs: TaskRefs | None = None

    def prepare_value(self, value):
        if isinstance(value, TaskDefinition):
            return value.slug
        if isinstance(value, int) and self.task_refs is not None:
            return self.task_refs.slug_by_pk.get(value, "")
        return value

    def has_changed(self, initial, data):
        return (self.prepare_value(initial) or "") != (data or "").strip()


class WorkflowTransitionForm(SaveErrorsMixin, forms.ModelForm):
    """A transition on its own page (tasks chosen from lists)."""

    class Meta:
        model = WorkflowTransition
        fields = ("workflow", "slug", "from_task", "to_task", "condition", "priority")
        widgets = {"condition": forms.Textarea(attrs={"rows": 2, "cols": 50})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from_task", "to_task"):
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.label_from_instance = lambda task: f"{task.workflow.title} › {task.title} ({task.slug})"
                field.queryset = field.queryset.select_related("workflow")
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leave empty to name it after its tasks.")


class TransitionRowForm(SaveErrorsMixin, forms.ModelForm):
    """A transition row of the workflow page: tasks named by slug, start and end left empty."""

    from_task = TaskReferenceField(
        label=_("from task"),
        placeholder=_("start"),
        empty_label=_("— start —"),
        help_text=_("Slug of a task of this workflow; empty = start (taken when a ticket is created)."),
    )
    to_task = TaskReferenceField(
        label=_("to task"),
        placeholder=_("end"),
        empty_label=_("— end —"),
        help_text=_("Slug of a task of this workflow; empty = end of the workflow."),
    )

    class Meta:
        model = WorkflowTransition
        fields = ("from_task", "to_task", "priority", "condition", "slug")
        widgets = {"condition": forms.Textarea(attrs={"rows": 1, "placeholder": _("always")})}

    def __init__(self, *args, task_refs: TaskRefs | None = None, **kwargs):
        self.task_refs = task_refs or TaskRefs([])
        super().__init__(*args, **kwargs)
        for name in ("from_task", "to_task"):
            self.fields[name].task_refs = self.task_refs
            self.fields[name].widget.task_refs = self.task_refs
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leave empty to name it after its tasks.")

    def _task(self, name: str) -> TaskDefinition | None:
        slug = (self.cleaned_data.get(name) or "").strip()
        if not slug:
            return None
        task = self.task_refs.resolve(slug)
        if task is None:
            known = ", ".join(sorted(self.task_refs.current())) or _("none yet")
            raise ValidationError(
                _("This workflow has no task with the slug “%(slug)s”. Its tasks: %(known)s."),
                code="unknown_task",
                params={"slug": slug, "known": known},
            )
        return task

    def clean_from_task(self):
        return self._task("from_task")

    def clean_to_task(self):
        return self._task("to_task")

    def _post_clean(self):
        pending = [
            name
            for name in ("from_task", "to_task")
            if isinstance(self.cleaned_data.get(name), TaskDefinition) and self.cleaned_data[name].pk is None
        ]
        if not pending:
            return super()._post_clean()
        # A task added in this same save has no row yet, so the model's rules cannot run now:
        # the service checks the transition right after creating the task, and any refusal is
        # shown at this row (see SaveErrorsMixin).
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        for error in self.save_errors:
            self.add_service_error(error)

    def pending_tasks(self) -> dict[str, TaskDefinition]:
        """The tasks this row names, to be bound to their saved rows before the row is saved."""
        return {
            name: self.cleaned_data[name]
            for name in ("from_task", "to_task")
            if isinstance(self.cleaned_data.get(name), TaskDefinition)
        }


class TicketDefinitionForm(SaveErrorsMixin, ServerScopedModelForm):
    # The revision the page was opened at: the save is refused if someone saved since.
    opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
        field_classes = {
            "ext_ref": JSONListField,
            "fields": JSONListField,
            "company_role_access": JSONListField,
            "edit_layout": JSONListField,
            "display_layout": JSONListField,
        }
        widgets = {
            "ext_ref": _editor("ext_ref"),
            "fields": _editor("field_list"),
            "edit_layout": _editor("layout"),
            "display_layout": _editor("layout"),
        }

    def __init__(self, *args, role_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_revision"].initial = self.instance.revision
        field = self.fields.get("company_role_access")
        if field is not None:
            field.widget = JSONFormWidget(schema=role_access_editor_schema(role_choices or []))
