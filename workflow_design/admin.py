"""The designer admin: workflows with their tasks and transitions on one page, form-builder
editors for every JSON field, the workflow diagram, and changelists for the four models.

Writes go through `services`; reads through `access` (via `DesignModelAdmin`). A save is one
transaction: when a service refuses a row, nothing is kept and the page is shown again with
the refusal at that row (see `DesignerAdminMixin.changeform_view`).
"""

from __future__ import annotations

import json
from functools import partialmethod

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users import access as user_access
from users.models import Company

from . import access, services
from .admin_access import DesignModelAdmin, scoped_choices
from .admin_lifecycle import WorkflowLifecycleAdminMixin
from .admin_transfer import (
    TaskTransferAdminMixin,
    TicketTransferAdminMixin,
    TransitionTransferAdminMixin,
    WorkflowTransferAdminMixin,
)
from .diagram import workflow_diagram_svg
from .field_schemas import field_list_errors, field_list_to_json_schema
from .forms import (
    TaskDefinitionForm,
    TaskRefs,
    TicketDefinitionForm,
    TransitionRowForm,
    WorkflowDefinitionForm,
    WorkflowTransitionForm,
)
from .models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from .widgets import EDITOR_SCHEMAS

SAVE_ERRORS = "designer_save_errors"


class DesignerSaveError(Exception):
    """Services refused parts of a valid form: {formset prefix or None: {row index: [errors]}}."""

    def __init__(self, errors: dict[str | None, dict[int, list[ValidationError]]]) -> None:
        super().__init__("refused by a service")
        self.errors = errors


def _save_errors(request, prefix: str | None) -> dict[int, list[ValidationError]]:
    return getattr(request, SAVE_ERRORS, {}).get(prefix, {})


def _with_kwargs(form_class, **extra):
    """The form class, constructed with `extra` keyword arguments (the admin builds forms bare)."""
    return type(form_class.__name__, (form_class,), {"__init__": partialmethod(form_class.__init__, **extra)})


def _json_schema_html(fields, title: str):
    """The generated JSON Schema of a field list, read-only, for integrators to copy."""
    if field_list_errors(fields):
        return gettext("Fix the fields above first; the JSON Schema is generated from valid fields.")
    schema = json.dumps(field_list_to_json_schema(fields, title=title), indent=2, ensure_ascii=False)
    return format_html(
        '<details class="wd-json-schema"><summary>{}</summary><pre>{}</pre></details>',
        gettext("Show the generated JSON Schema (draft 2020-12)"),
        schema,
    )


def _role_choices(request, company_id: int | None) -> list[tuple[str, str]]:
    roles = (
        user_access.company_roles_of(company_id)
        if company_id is not None
        else user_access.company_roles_visible_to(request.user)
    )
    seen: dict[str, str] = {}
    for role in roles.order_by("name"):
        seen.setdefault(role.slug, role.name)
    return list(seen.items())


class WorkflowListFilter(admin.SimpleListFilter):
    """Filter by workflow, listing only the workflows the user may see."""

    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        workflows = access.workflows_for(request.user).order_by("title", "-version")
        return [(w.pk, f"{w.title} (v{w.version})") for w in workflows.only("pk", "title", "version")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and str(value).isdigit():
            return queryset.filter(workflow_id=int(value))
        return queryset


def prefetch_user_roles(request) -> None:
    """Loads the user's groups once: every permission check reads the system roles from them."""
    user = request.user
    if user.is_authenticated and "groups" not in getattr(user, "_prefetched_objects_cache", {}):
        prefetch_related_objects([user], "groups")


class DesignerAdminMixin:
    """Shared by the four design admins: designer template, company field, refusals at the row."""

    change_form_template = "admin/workflow_design/change_form.html"

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(self.designer_fieldsets(request, obj))
        if request.user.is_superuser and obj is None and self.company_field:
            # Superusers pick the company of a new definition; everyone else creates in their own.
            fieldsets.insert(0, (None, {"fields": ["company"]}))
        return fieldsets

    company_field = True

    def designer_fieldsets(self, request, obj=None):
        return super().get_fieldsets(request, obj)

    def designer_form_kwargs(self, request, obj) -> dict:
        return {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user
        extra = {"save_errors": _save_errors(request, None).get(0, []), **self.designer_form_kwargs(request, obj)}
        company_field = self.company_field

        class DesignerForm(_with_kwargs(form, **extra)):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                if company_field and self.instance.pk is None and not user.is_superuser:
                    # Set before validation, so per-company rules are checked on the form.
                    self.instance.company = user.company

        DesignerForm.__name__ = form.__name__
        return DesignerForm

    def new_company(self, request, form) -> Company:
        requested = form.cleaned_data.get("company") if request.user.is_superuser else None
        return access.company_for_new_definition(request.user, requested)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        prefetch_user_roles(request)
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
        main.append(ValidationError(gettext("Nothing was saved. Correct the errors below and save again.")))
        setattr(request, SAVE_ERRORS, errors)
        return super().changeform_view(request, object_id, form_url, extra_context)

    # A change page asks the same permission and object questions many times (the admin, the
    # lifecycle panel, the object-permissions link); answer each once per request so the page's
    # query count stays small and constant.
    def _memo(self, request, key, compute):
        memo = request.__dict__.setdefault("_wd_memo", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def has_change_permission(self, request, obj=None):
        key = ("change", self.model, getattr(obj, "pk", None), getattr(obj, "status", None))
        return self._memo(request, key, lambda: super(DesignerAdminMixin, self).has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        key = ("delete", self.model, getattr(obj, "pk", None), getattr(obj, "status", None))
        return self._memo(request, key, lambda: super(DesignerAdminMixin, self).has_delete_permission(request, obj))

    def get_object(self, request, object_id, from_field=None):
        if request.method != "GET":
            return super().get_object(request, object_id, from_field)
        # GET pages only: a POST gets a fresh object for the form to change.
        key = ("object", self.model, str(object_id), from_field)
        return self._memo(
            request, key, lambda: super(DesignerAdminMixin, self).get_object(request, object_id, from_field)
        )

    def changelist_view(self, request, extra_context=None):
        prefetch_user_roles(request)
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["editor_schemas"] = EDITOR_SCHEMAS
        return super().render_change_form(request, context, add, change, form_url, obj)


def _designable(request, workflow: WorkflowDefinition | None) -> bool:
    return access.can_design(request.user) and (workflow is None or workflow.is_editable)


class DesignerInlineFormSet(BaseInlineFormSet):
    """Rows get the page's shared extras (choices, task lookup) and the refusals of their index."""

    row_errors: dict[int, list[ValidationError]] = {}

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index in self.row_errors:
            kwargs = {**kwargs, "save_errors": self.row_errors[index]}
        return kwargs


class DesignerInline:
    """Inline rows follow their workflow: editable while it is a draft, read-only after."""

    formset = DesignerInlineFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        errors = _save_errors(request, formset.get_default_prefix())
        return type(formset.__name__, (formset,), {"row_errors": errors})

    def has_view_permission(self, request, obj=None):
        return access.can_design(request.user)

    def has_add_permission(self, request, obj=None):
        return _designable(request, obj)

    def has_change_permission(self, request, obj=None):
        return _designable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _designable(request, obj)


class TaskInline(DesignerInline, admin.TabularInline):
    model = TaskDefinition
    form = TaskDefinitionForm
    # The output form is edited in the row (conditions read it); input fields and the
    # description are on the task's own page ("Change" link), which keeps 200 rows readable.
    fields = ("position", "title", "slug", "task_type", "assignee_role", "output_schema")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True
    template = "admin/workflow_design/edit_inline/tabular.html"
    verbose_name_plural = _("Tasks (in their designed order; output form = the fields the worker fills)")

    def get_queryset(self, request):
        return access.tasks_for(request.user).select_related("assignee_role").order_by("position", "id")


class TransitionInline(DesignerInline, admin.TabularInline):
    model = WorkflowTransition
    form = TransitionRowForm
    fk_name = "workflow"
    fields = ("from_task", "to_task", "priority", "condition", "slug")
    template = "admin/workflow_design/edit_inline/tabular.html"
    verbose_name_plural = _("Transitions (by source task, then priority)")

    def get_queryset(self, request):
        # Start transitions (no source task) first, then by the source task's order and priority.
        return (
            access.transitions_for(request.user)
            .select_related("from_task", "to_task")
            .order_by(F("from_task__position").asc(nulls_first=True), "from_task_id", "priority", "id")
        )


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(
    WorkflowLifecycleAdminMixin, WorkflowTransferAdminMixin, DesignerAdminMixin, DesignModelAdmin
):
    form = WorkflowDefinitionForm
    change_form_template = "admin/workflow_design/workflowdefinition/change_form.html"
    inlines = (TaskInline, TransitionInline)
    list_display = ("title", "slug", "version", "status", "task_count", "transition_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("version", "status", "created_by", "created_at", "updated_at", "fields_json_schema")

    def designer_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ("title", "slug", "description", *(("opened_revision",) if obj is not None else ()))}),
            (
                _("Workflow data fields"),
                {"fields": ("fields", "fields_json_schema", "display_layout")},
            ),
            (_("External references"), {"classes": ("collapse",), "fields": ("ext_ref",)}),
        ]
        if obj is not None:
            fieldsets.append(
                (_("Version"), {"fields": (("version", "status"), ("created_by", "created_at", "updated_at"))})
            )
        return fieldsets

    def get_queryset(self, request):
        def count(model):
            rows = model.objects.filter(workflow=OuterRef("pk")).order_by().values("workflow")
            return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField())

        return (
            super()
            .get_queryset(request)
            .annotate(task_total=count(TaskDefinition), transition_total=count(WorkflowTransition))
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/diagram.svg",
                self.admin_site.admin_view(self.diagram_view),
                name="{}_{}_diagram".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        extras = {"task_refs": self.task_refs(request, obj)}
        if isinstance(inline, TaskInline):
            extras["role_choices"] = self.task_role_choices(request, obj)
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), **extras}
        return kwargs

    def get_formsets_with_inlines(self, request, obj=None):
        # The add page shows the inlines too: a workflow, its tasks and transitions in one save.
        yield from super().get_formsets_with_inlines(request, obj)

    def task_refs(self, request, obj) -> TaskRefs:
        """One lookup of the workflow's tasks per request, shared by every transition row."""
        cached = getattr(request, "_wd_task_refs", None)
        if cached is None:
            saved = obj is not None and obj.pk is not None
            tasks = (
                list(access.tasks_for(request.user).filter(workflow=obj).order_by("position", "id")) if saved else []
            )
            cached = request._wd_task_refs = TaskRefs(tasks)
        return cached

    def task_role_choices(self, request, obj):
        """The assignable roles (the workflow's company's), built once for every task row."""
        cached = getattr(request, "_wd_role_choices", None)
        if cached is None:
            company_id = getattr(obj, "company_id", None)
            if company_id is None and not request.user.is_superuser:
                company_id = request.user.company_id
            roles = (
                user_access.company_roles_of(company_id)
                if company_id is not None
                else user_access.company_roles_visible_to(request.user)
            )
            cached = [("", "---------")] + [(role.pk, role.name) for role in roles.order_by("name")]
            request._wd_role_choices = cached
        return cached

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            highlight = frozenset(context.get("diagram_highlight_ids", ()))
            context["diagram_svg"] = mark_safe(workflow_diagram_svg(obj, highlight_task_ids=highlight))  # noqa: S308 - escaped by diagram.py
        context["task_options"] = self.task_refs(request, obj).options()
        context["workflow_is_editable"] = obj is None or obj.is_editable
        return super().render_change_form(request, context, add, change, form_url, obj)

    def diagram_view(self, request, object_id):
        prefetch_user_roles(request)
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(gettext("Not found."))
        response = HttpResponse(workflow_diagram_svg(obj), content_type="image/svg+xml; charset=utf-8")
        # Opened on its own, the SVG may not run anything.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description=_("tasks"), ordering="task_total")
    def task_count(self, obj):
        return obj.task_total

    @admin.display(description=_("transitions"), ordering="transition_total")
    def transition_count(self, obj):
        return obj.transition_total

    @admin.display(description=_("JSON Schema of the workflow data"))
    def fields_json_schema(self, obj):
        return _json_schema_html(obj.fields, obj.title) if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        if change:
            services.workflow_update(
                workflow=obj, user=request.user, expected_revision=form.cleaned_data.get("opened_revision")
            )
            return
        data = {name: value for name, value in form.cleaned_data.items() if name not in ("company", "opened_revision")}
        created = services.workflow_create(user=request.user, company=self.new_company(request, form), **data)
        # The admin keeps using the form's instance (inlines, messages): make it the saved row.
        for field in created._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding, obj._state.db = False, created._state.db

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        errors = {}
        for formset in formsets:
            refused = self.save_rows(request, form.instance, formset)
            if refused:
                errors[formset.prefix] = refused
        if errors:
            raise DesignerSaveError(errors)

    def save_rows(self, request, workflow, formset) -> dict[int, list[ValidationError]]:
        """Saves one inline formset row by row through the services; returns refusals by row."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        is_task = formset.model is TaskDefinition
        names = [
            name
            for name in formset.form.base_fields
            if name not in ("id", "workflow", "DELETE") and name in {f.name for f in formset.model._meta.fields}
        ]
        refused: dict[int, list[ValidationError]] = {}
        for index, row in enumerate(formset.forms):
            obj = row.instance
            is_new = obj.pk is None
            if not row.has_changed() or (is_new and row.cleaned_data.get("DELETE")):
                continue
            try:
                if row.cleaned_data.get("DELETE"):
                    if is_task:
                        services.task_delete(task=obj, user=request.user)
                    else:
                        services.transition_delete(transition=obj, user=request.user)
                    formset.deleted_objects.append(obj)
                    continue
                if not is_task and any(task.pk is None for task in row.pending_tasks().values()):
                    continue  # its task row was refused; that row shows why
                data = {name: row.cleaned_data[name] for name in names if name in row.cleaned_data}
                if is_new:
                    created = (
                        services.task_create(user=request.user, workflow=workflow, **data)
                        if is_task
                        else services.transition_create(user=request.user, workflow=workflow, **data)
                    )
                    # Transition rows of this save may name this task: they hold this instance.
                    for field in created._meta.concrete_fields:
                        setattr(obj, field.attname, getattr(created, field.attname))
                    obj._state.adding, obj._state.db = False, created._state.db
                    formset.new_objects.append(created)
                else:
                    changed = {name: value for name, value in data.items() if name in row.changed_data}
                    if is_task:
                        services.task_update(task=obj, user=request.user, **changed)
                    else:
                        services.transition_update(transition=obj, user=request.user, **changed)
                    formset.changed_objects.append((obj, row.changed_data))
            except ValidationError as exc:
                refused[index] = [exc]
        return refused

    def delete_model(self, request, obj):
        services.workflow_delete(workflow=obj, user=request.user)


class OpenedRevisionAdminMixin:
    """A task or transition page remembers its workflow's revision; a stale save is refused."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if kwargs.get("fields"):
            # A form field, not a model field: the model form must not look for it.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "opened_revision"]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        revision = obj.workflow.revision

        class OpenedRevisionForm(form):
            opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=revision)

        return OpenedRevisionForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and fieldsets:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": (*options["fields"], "opened_revision")})
        return fieldsets

    @staticmethod
    def expected_revision(form) -> int | None:
        return form.cleaned_data.get("opened_revision")


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(TaskTransferAdminMixin, OpenedRevisionAdminMixin, DesignerAdminMixin, DesignModelAdmin):
    form = TaskDefinitionForm
    company_field = False  # a task belongs to its workflow's company
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A task stays in its workflow; copying it elsewhere is done by new versions or bundles.
        return [*fields, "workflow"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = [f for f in kwargs.get("fields") or () if f != "workflow"]
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("JSON Schema of the output form"))
    def output_json_schema(self, obj):
        return _json_schema_html(obj.output_schema, f"{obj.title} output") if obj and obj.pk else "—"

    @admin.display(description=_("JSON Schema of the input fields"))
    def input_json_schema(self, obj):
        return _json_schema_html(obj.input_schema, f"{obj.title} input") if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        data.pop("workflow", None)
        data.pop("opened_revision", None)
        if change:
            services.task_update(task=obj, user=request.user, expected_revision=self.expected_revision(form), **data)
            return
        data = {name: value for name, value in form.cleaned_data.items() if name != "workflow"}
        created = services.task_create(user=request.user, workflow=form.cleaned_data["workflow"], **data)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.task_delete(task=obj, user=request.user)


@admin.register(WorkflowTransition)
class WorkflowTransitionAdmin(
    TransitionTransferAdminMixin, OpenedRevisionAdminMixin, DesignerAdminMixin, DesignModelAdmin
):
    form = WorkflowTransitionForm
    company_field = False  # a transition belongs to its workflow's company
    list_display = ("__str__", "workflow", "priority", "condition", "slug", "status", "updated_at")
    list_filter = ("status", WorkflowListFilter)
    list_select_related = ("workflow", "from_task", "to_task")
    search_fields = ("slug", "condition", "workflow__title", "from_task__title", "to_task__title")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = [f for f in kwargs.get("fields") or () if f != "workflow"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "workflow"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        data.pop("workflow", None)
        data.pop("opened_revision", None)
        if change:
            services.transition_update(
                transition=obj, user=request.user, expected_revision=self.expected_revision(form), **data
            )
            return
        data = {name: value for name, value in form.cleaned_data.items() if name != "workflow"}
        created = services.transition_create(user=request.user, workflow=form.cleaned_data["workflow"], **data)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.transition_delete(transition=obj, user=request.user)


@admin.register(TicketDefinition)
class TicketDefinitionAdmin(TicketTransferAdminMixin, DesignerAdminMixin, DesignModelAdmin):
    form = TicketDefinitionForm
    list_display = ("title", "slug", "workflow", "version", "status", "updated_at")
    list_filter = ("status", WorkflowListFilter)
    list_select_related = ("workflow",)
    search_fields = ("title", "slug", "description", "workflow__title")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("fields_json_schema", "version", "status", "created_by", "created_at", "updated_at")

    def designer_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": (("title", "slug"), "workflow", "description", "company_role_access")}),
            (_("Ticket form"), {"fields": ("fields", "fields_json_schema")}),
            (_("Layouts"), {"fields": ("edit_layout", "display_layout")}),
            (_("External references"), {"classes": ("collapse",), "fields": ("ext_ref",)}),
        ]
        if obj is not None:
            fieldsets.append(
                (_("Version"), {"fields": (("version", "status"), ("created_by", "created_at", "updated_at"))})
            )
        return fieldsets

    def designer_form_kwargs(self, request, obj) -> dict:
        company_id = obj.company_id if obj else (None if request.user.is_superuser else request.user.company_id)
        return {"role_choices": _role_choices(request, company_id)}

    @admin.display(description=_("JSON Schema of the ticket form"))
    def fields_json_schema(self, obj):
        return _json_schema_html(obj.fields, obj.title) if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        data.pop("company", None)
        if change:
            services.ticket_update(ticket=obj, user=request.user, **data)
            return
        data = {name: value for name, value in form.cleaned_data.items() if name != "company"}
        created = services.ticket_create(user=request.user, company=self.new_company(request, form), **data)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.ticket_delete(ticket=obj, user=request.user)
