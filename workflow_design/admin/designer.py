"""What the four designer admins share: the designer template, the company of a new definition,
refusals shown at their row, and the generated JSON Schema of a field list.

The admins are thin: they ask `workflow_design.policy` (through `DesignModelAdmin`), read what
it lets the user see, and write through `workflow_design.services` only. A save is one
transaction: when a service refuses a row, nothing is kept and the page is shown again with
the refusal at that row (see `DesignerAdminMixin.changeform_view`). The admins themselves are in
`workflows`, `parts` (tasks and transitions) and `tickets`; the workflow page's rows in `inlines`.
"""

from __future__ import annotations

import json
from functools import partialmethod
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users.models import Company
from workflow_design.admin.widgets import EDITOR_SCHEMAS, shown_fieldsets
from workflow_design.fast.admin_request_memo import forget_all
from workflow_design.models import WorkflowDefinition
from workflow_design.policy import Action, policy_for
from workflow_design.rules.field_schemas import field_list_errors, field_list_to_json_schema
from workflow_design.writes import ModelWrites, writes_for

SAVE_ERRORS = "designer_save_errors"


class DesignerSaveError(Exception):
    """Services refused parts of a valid form: {formset prefix or None: {row index: [errors]}}."""

    def __init__(self, errors: dict[str | None, dict[int, list[ValidationError]]]) -> None:
        super().__init__("refused by a service")
        self.errors = errors


def save_errors(request, prefix: str | None) -> dict[int, list[ValidationError]]:
    """The refusals of the save being shown again, by row, for the form (None) or one formset."""
    return getattr(request, SAVE_ERRORS, {}).get(prefix, {})


def with_kwargs(form_class, **extra):
    """The form class, constructed with `extra` keyword arguments (the admin builds forms bare)."""
    return type(form_class.__name__, (form_class,), {"__init__": partialmethod(form_class.__init__, **extra)})


def changed_fields(form, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the user changed on `form`, by field name: the data an update service takes."""
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data and name not in exclude
    }


def take_saved(obj: models.Model, saved: models.Model) -> None:
    """The admin goes on with the form's instance (inlines, messages, the redirect): make it the saved row."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


def json_schema_html(fields, title: str):
    """The generated JSON Schema of a field list, read-only, for integrators to copy."""
    if field_list_errors(fields):
        return gettext("Fix the fields above first; the JSON Schema is generated from valid fields.")
    schema = json.dumps(field_list_to_json_schema(fields, title=title), indent=2, ensure_ascii=False)
    return format_html(
        '<details class="wd-json-schema"><summary>{}</summary><pre>{}</pre></details>',
        gettext("Show the generated JSON Schema (draft 2020-12)"),
        schema,
    )


# Refusals no correction on the page can answer: what was opened changed or went meanwhile.
RELOAD_CODES = frozenset({"stale", "missing", "read_only"})


def nothing_saved_message(errors: dict[str | None, dict[int, list[ValidationError]]]) -> str:
    """The save's summary: correct the errors, or, when the page is out of date, reload it."""
    codes = {
        getattr(error, "code", None)
        for rows in errors.values()
        for refusals in rows.values()
        for refusal in refusals
        for error in (
            [e for listed in refusal.error_dict.values() for e in listed]
            if hasattr(refusal, "error_dict")
            else refusal.error_list
        )
    }
    if codes & RELOAD_CODES:
        return gettext(
            "Nothing was saved: this page is out of date. Reload it to see the latest version, then make "
            "your changes again."
        )
    return gettext("Nothing was saved. Correct the errors below and save again.")


class WorkflowListFilter(admin.SimpleListFilter):
    """Filter by workflow, listing only the workflows the user may see."""

    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        workflows = policy_for(WorkflowDefinition).instances_user_has_permission_for(request.user, Action.VIEW)
        workflows = workflows.order_by("title", "-version").only("pk", "title", "version")
        return [(w.pk, f"{w.title} (v{w.version})") for w in workflows]

    def queryset(self, request, queryset):
        value = self.value()
        if value and str(value).isdigit():
            return queryset.filter(workflow_id=int(value))
        return queryset


class DesignerAdminMixin:
    """Shared by the four design admins: designer template, company field, refusals at the row."""

    change_form_template = "admin/workflow_design/change_form.html"
    # Workflows and ticket types belong to a company; tasks and transitions to their workflow's.
    company_field = True
    # Form fields that a write does not take as data: where the row belongs, and the revision marker.
    not_written: tuple[str, ...] = ("company", "opened_revision")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(self.designer_fieldsets(request, obj))
        # Read-only, each field list is shown as the form the worker fills, not as JSON.
        read_only = obj is not None and not self.has_change_permission(request, obj)
        fieldsets = shown_fieldsets(fieldsets, read_only=read_only)
        if request.user.is_superuser and obj is None and self.company_field:
            # Superusers pick the company of a new definition; everyone else creates in their own.
            fieldsets.insert(0, (None, {"fields": ["company"]}))
        return fieldsets

    def designer_fieldsets(self, request, obj=None):
        return super().get_fieldsets(request, obj)

    def designer_form_kwargs(self, request, obj) -> dict:
        return {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user, policy = request.user, self.policy
        extra = {"save_errors": save_errors(request, None).get(0, []), **self.designer_form_kwargs(request, obj)}
        company_field = self.company_field

        class DesignerForm(with_kwargs(form, **extra)):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                if not company_field or self.instance.pk is not None:
                    return
                if not user.is_superuser:
                    # Set before validation, so per-company rules are checked on the form.
                    self.instance.company = policy.company_for_new(user)
                elif "company" in self.fields:
                    # A superuser may leave it to the policy (their own company, if they have one).
                    self.fields["company"].required = False

        DesignerForm.__name__ = form.__name__
        return DesignerForm

    def new_company(self, request, form) -> Company:
        """The company of a new definition, as the policy decides (a superuser's pick, if any)."""
        requested = form.cleaned_data.get("company") if request.user.is_superuser else None
        return self.policy.company_for_new(request.user, requested)

    # Writes: the model's services only ------------------------------------------------------

    @property
    def writes(self) -> ModelWrites:
        return writes_for(self.model)

    def save_model(self, request, obj, form, change):
        if change:
            # Also with no field of its own changed: the revision the page was opened at is
            # checked for the whole save, a workflow's rows included.
            self.writes.update(
                obj,
                user=request.user,
                expected_revision=form.cleaned_data.get("opened_revision"),
                **changed_fields(form, exclude=self.not_written),
            )
            return
        data = {name: value for name, value in form.cleaned_data.items() if name not in self.not_written}
        take_saved(obj, self.create_row(request, form, data))

    def create_row(self, request, form, data: dict[str, Any]) -> models.Model:
        """A new workflow or ticket definition, in the company the policy decides."""
        return self.writes.create(user=request.user, company=self.new_company(request, form), **data)

    def delete_model(self, request, obj):
        self.writes.delete(obj, user=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            # Django runs the view in its own atomic block: a refusal rolls back everything.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DesignerSaveError as exc:
            errors = exc.errors
        except ValidationError as exc:
            errors = {None: {0: [exc]}}
        main = errors.setdefault(None, {}).setdefault(0, [])
        # The page is built again from the same POST with the refusals at their rows; this
        # message keeps the second pass from saving even if a row's error could not be placed.
        main.append(ValidationError(nothing_saved_message(errors)))
        setattr(request, SAVE_ERRORS, errors)
        # The first pass's memo holds the rows it saved before the rollback (task rows with
        # ids that no longer exist): the second pass reads everything afresh.
        forget_all(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["editor_schemas"] = EDITOR_SCHEMAS
        return super().render_change_form(request, context, add, change, form_url, obj)
