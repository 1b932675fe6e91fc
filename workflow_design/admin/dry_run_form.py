"""The dry run's sample-values form: one optional field per ticket, workflow and output field.

The admin's dry-run page shows it; `DryRunForm.sample_values` gives the keyword arguments of
`workflow_design.rules.dry_run.workflow_dry_run`. A value is refused, at its field, when the
field's generated JSON Schema refuses it (limits, lengths, choices, formats): the same check and
the same words as the form preview, which checks the inputs as they are typed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.admin.widgets import value_check_attrs, value_errors
from workflow_design.files.limits import UploadRefused, dry_run_values_max_bytes
from workflow_design.files.uploads import safe_json_loads
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.rules.field_schemas import (
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    EMAIL,
    INTEGER,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    NUMERIC_TYPES,
    coerce_default,
    field_list_errors,
    field_to_json_schema,
    fields_by_name,
)

# What a value is checked against: the field's schema without the words and the default.
_NOT_CHECKED = ("title", "description", "default")


def value_schema(definition: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema one value of this field must satisfy, or None for a field the linter
    refuses (its value is then taken as typed, as before)."""
    if field_list_errors([definition]):
        return None
    return {key: value for key, value in field_to_json_schema(definition).items() if key not in _NOT_CHECKED}


class SchemaValueValidator:
    """Refuses a value its field's JSON Schema refuses, with the preview's words."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def __call__(self, value: Any) -> None:
        messages = value_errors(self.schema, _plain(value))
        if messages:
            raise ValidationError(messages)


def form_field_for(definition: dict[str, Any]) -> forms.Field:
    """A form field for one field definition; every field is optional so missing values can be tried."""
    field_type = definition.get("type")
    label = definition.get("label") or definition.get("name")
    common: dict[str, Any] = {"label": label, "required": False, "help_text": definition.get("help_text", "")}
    schema = value_schema(definition)
    if schema is not None:
        common["validators"] = [SchemaValueValidator(schema)]
    field = _form_field(definition, common)
    if schema is not None and field_type not in (BOOLEAN, MULTIPLE_CHOICE):
        # Checked as typed; a yes/no select and a row of boxes cannot hold a refused value.
        field.widget.attrs.update(value_check_attrs(schema))
        if field_type in NUMERIC_TYPES:
            bounds = {"min": schema.get("minimum"), "max": schema.get("maximum")}
            field.widget.attrs.update({key: bound for key, bound in bounds.items() if bound is not None})
    return field


def _form_field(definition: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    field_type = definition.get("type")
    default = definition.get("default")
    if default not in (None, ""):
        common["initial"] = coerce_default(definition, default)
    choices = [
        (c.get("value"), c.get("label") or c.get("value")) if isinstance(c, dict) else (c, c)
        for c in definition.get("choices") or []
    ]
    if field_type == BOOLEAN:
        return forms.NullBooleanField(**common)
    if field_type == INTEGER:
        return forms.IntegerField(**common)
    if field_type == NUMBER:
        return forms.FloatField(**common)
    if field_type == DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field_type == DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if field_type == EMAIL:
        return forms.EmailField(**common)
    if field_type == CHOICE:
        return forms.ChoiceField(choices=[("", "---------"), *choices], **common)
    if field_type == MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if field_type == LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    return forms.CharField(**common)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def initial_from_link(text: str, fields: dict[str, forms.Field]) -> tuple[dict[str, Any], list[str]]:
    """Initial values from a link's `values` (a JSON object keyed by this form's field names),
    and what was left out of it, in words; a broken or oversized text gives no values."""
    if len(text.encode()) > dry_run_values_max_bytes():
        return {}, [_("The sample values of the link are too long and were ignored.")]
    try:
        values = safe_json_loads(text)
    except UploadRefused:  # not JSON, or nested or sized beyond the limits
        values = None
    if not isinstance(values, dict):
        return {}, [_("The sample values of the link are not a JSON object and were ignored.")]
    known = {key: value for key, value in values.items() if key in fields and key != "max_steps"}
    unknown = sorted(str(key) for key in values if key not in known and key != "max_steps")
    if isinstance(values.get("max_steps"), int):
        known["max_steps"] = values["max_steps"]
    problems = []
    if unknown:
        problems.append(
            _("These sample values of the link name no field of this form and were ignored: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    return known, problems


class DryRunForm(forms.Form):
    """Sample values for the ticket, the workflow and every task's output, built from the field lists.

    Field names are `ticket__<name>`, `workflow__<name>` and `output__<task id>__<name>`.
    """

    max_steps = forms.IntegerField(label=gettext_lazy("Step limit"), min_value=1, max_value=500, initial=50)

    def __init__(self, *args: Any, workflow: WorkflowDefinition, tasks: list[TaskDefinition], tickets: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.workflow = workflow
        self.tasks = tasks
        self.groups: list[tuple[str, list[str]]] = []
        seen: set[str] = set()
        ticket_names: list[str] = []
        for ticket in tickets:
            for definition in ticket.fields or []:
                name = definition.get("name")
                if isinstance(name, str) and name not in seen:
                    seen.add(name)
                    self.fields[f"ticket__{name}"] = form_field_for(definition)
                    ticket_names.append(f"ticket__{name}")
        self.groups.append((_("Ticket"), ticket_names))
        workflow_names = []
        for name, definition in fields_by_name(workflow.fields).items():
            self.fields[f"workflow__{name}"] = form_field_for(definition)
            workflow_names.append(f"workflow__{name}")
        self.groups.append((_("Workflow"), workflow_names))
        for task in tasks:
            names = []
            for name, definition in fields_by_name(task.output_schema).items():
                # The task id, not its slug: slugs and field names may both contain "__".
                key = f"output__{task.pk}__{name}"
                self.fields[key] = form_field_for(definition)
                names.append(key)
            if names:
                self.groups.append((_("Output of %(task)s") % {"task": task.title}, names))

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.groups if names]

    def sample_values(self) -> dict[str, Any]:
        """Keyword arguments for `workflow_dry_run` from the cleaned data."""
        ticket: dict[str, Any] = {}
        workflow: dict[str, Any] = {}
        outputs: dict[str, dict[str, Any]] = defaultdict(dict)
        slugs = {task.pk: task.slug for task in self.tasks}
        for key, value in self.cleaned_data.items():
            if value is None or value == "" or value == []:
                continue
            value = _plain(value)
            if key.startswith("ticket__"):
                ticket[key[len("ticket__") :]] = value
            elif key.startswith("workflow__"):
                workflow[key[len("workflow__") :]] = value
            elif key.startswith("output__"):
                task_id, _sep, name = key[len("output__") :].partition("__")
                outputs[slugs[int(task_id)]][name] = value
        return {
            "ticket_values": ticket,
            "workflow_values": workflow,
            "outputs": dict(outputs),
            "max_steps": self.cleaned_data.get("max_steps") or 50,
        }


__all__ = ["DryRunForm", "form_field_for"]
