"""The designer admin: workflows with their tasks and transitions on one page, form-builder
editors for every JSON field, the workflow diagram, and changelists for the four models.

Writes go through `services`; reads through `access` (via `DesignModelAdmin`). A save is one
transaction: when a service refuses a row, nothing is kept and the page is shown again with
the refusal at that row (see `DesignerAdminMixin.changeform_view`).
"""

from __future__ import annotations

import copy
import json
from functools import partialmethod

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet, model_to_dict
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.functional import Promise, cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users import access as user_access
from users.models import Company
from workflow_design import access, services
from workflow_design.admin.forms import (
    TaskDefinitionForm,
    TaskRefs,
    TicketDefinitionForm,
    TransitionRowForm,
    WorkflowDefinitionForm,
    WorkflowTransitionForm,
)
from workflow_design.admin.lifecycle import WorkflowLifecycleAdminMixin
from workflow_design.admin.scoping import DesignModelAdmin, scoped_choices
from workflow_design.admin.transfer import (
    TaskTransferAdminMixin,
    TicketTransferAdminMixin,
    TransitionTransferAdminMixin,
    WorkflowTransferAdminMixin,
)
from workflow_design.admin.widgets import (
    EDITOR_SCHEMAS,
    PYTHON_WIDGETS,
    RowSelect,
    SharedSchemaJSONFormWidget,
    column_renderer,
)
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.diagram import workflow_diagram_svg
from workflow_design.rules.field_schemas import field_list_errors, field_list_to_json_schema

SAVE_ERRORS = "designer_save_errors"
# Task columns a page opened for editing does not show outside the task's own row.
HEAVY_TASK_COLUMNS = ("description", "input_schema", "output_schema")


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

    # Every row has the empty form's fields and widgets: asking it spares building 800 forms
    # for these two questions (the admin asks them of every inline on every page).
    def is_multipart(self):
        return self.empty_form.is_multipart()

    @property
    def media(self):
        return self.empty_form.media

    def __getitem__(self, index):
        # A template looks `formset.prefix` up as a key first; a formset answers a key by
        # building all its forms, which the saved rows of a page opened for editing skip.
        if not isinstance(index, (int, slice)):
            raise TypeError("formset rows are looked up by position")
        return super().__getitem__(index)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index in self.row_errors:
            kwargs = {**kwargs, "save_errors": self.row_errors[index]}
        return kwargs


def _translated_now(field: forms.Field) -> forms.Field:
    """The field with its help text and widget attributes translated once for the page.

    Lazy translations are looked up again at each use: every row asks whether its fields have
    help text (for aria-describedby) and writes their placeholders, 10,000 look-ups on a
    large workflow page.
    """
    inner = getattr(field.widget, "widget", None)  # the admin's related-widget wrapper
    widgets = [field.widget] if inner is None else [field.widget, inner]
    lazy = isinstance(field.help_text, Promise) or any(
        isinstance(value, Promise) for widget in widgets for value in widget.attrs.values()
    )
    if not lazy:
        return field
    field = copy.deepcopy(field)
    field.help_text = str(field.help_text)
    inner = getattr(field.widget, "widget", None)
    for widget in [field.widget] if inner is None else [field.widget, inner]:
        widget.attrs = {key: str(value) if isinstance(value, Promise) else value for key, value in widget.attrs.items()}
    return field


class DesignerInline:
    """Inline rows follow their workflow: editable while it is a draft, read-only after."""

    formset = DesignerInlineFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        if db_field.name not in (*self.raw_id_fields, *self.autocomplete_fields, *self.radio_fields):
            kwargs.setdefault("widget", RowSelect)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        errors = _save_errors(request, formset.get_default_prefix())
        # The form class is made for this request: its fields may be replaced without
        # touching the shared declared fields.
        formset.form.base_fields = {name: _translated_now(field) for name, field in formset.form.base_fields.items()}
        # A 200-task page has some 5,000 row widgets: they are written in Python, not by
        # templates (the factory sets the formset's renderer, so it is replaced here).
        return type(formset.__name__, (formset,), {"row_errors": errors, "renderer": PYTHON_WIDGETS})

    def has_view_permission(self, request, obj=None):
        return access.can_design(request.user)

    def has_add_permission(self, request, obj=None):
        return _designable(request, obj)

    def has_change_permission(self, request, obj=None):
        return _designable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _designable(request, obj)


ROW_PREFIX = "__prefix__"  # the index slot of a formset's empty form


class _SavedRow:
    """A saved row of a page opened for editing, written from `_RowPlan` without a form."""

    form = None

    def __init__(self, original, index: int, view_on_site_url: str | None) -> None:
        self.original = original
        self.index = index
        self.show_url = original and view_on_site_url is not None
        self.absolute_url = view_on_site_url


class _RowPlan:
    """What every saved row of an unbound inline shares, taken once from its empty form.

    A page opened for editing shows each saved row with its stored values and no errors, so
    a row differs from the empty form only in its index and values. Each widget's attributes
    (classes, bounds, aria-describedby, placeholders) are worked out once by the empty form's
    own bound fields; a row puts in its index and renders the widgets with its values. This
    spares building a form for each of 800 rows. Bound forms (a refused save) and read-only
    rows are built and rendered by the admin as usual.
    """

    def __init__(self, inline_admin_formset: helpers.InlineAdminFormSet) -> None:
        formset = inline_admin_formset.formset
        self.form = form = formset.empty_form
        self.template = helpers.InlineAdminForm(
            formset,
            form,
            inline_admin_formset.fieldsets,
            inline_admin_formset.prepopulated_fields,
            None,
            inline_admin_formset.readonly_fields,
            model_admin=inline_admin_formset.opts,
        )
        self.pk_name = formset._pk_field.name
        self.hidden = [self.pk_name] if self.template.needs_explicit_pk_field() else []
        fk = getattr(formset, "fk", None)
        if fk is not None:
            self.hidden.append(fk.name)
        self.columns = [field for fieldset in self.template for line in fieldset for field in line]
        self.usable = all(not field.is_readonly for field in self.columns)
        self.widgets = {}
        for name in [*self.hidden, *(field.field.name for field in self.columns), DELETION_FIELD_NAME]:
            if name in form.fields:
                self.widgets[name] = self._widget_plan(form[name])

    def _widget_plan(self, bound) -> dict:
        widget = bound.field.widget
        if isinstance(widget, SharedSchemaJSONFormWidget):
            widget = widget.closed()  # as a saved task's form writes it (forms.close_editors)
        if bound.field.localize:
            widget.is_localized = True
        # The attributes BoundField.as_widget gives the widget, with the empty form's index.
        attrs = bound.build_widget_attrs({}, widget)
        if bound.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound.auto_id)
        indexed = {key for key, value in attrs.items() if isinstance(value, str) and ROW_PREFIX in value}
        if indexed - {"id", "aria-describedby"}:
            self.usable = False  # an attribute this plan does not know how to index
        hidden_initial = None
        if bound.field.show_hidden_initial:
            hidden = bound.field.hidden_widget()
            hidden_attrs = {**bound.build_widget_attrs({}, hidden), "id": bound.html_initial_id}
            hidden_initial = column_renderer(hidden, hidden_attrs, ROW_PREFIX)
            if hidden_initial is None:
                self.usable = False
        return {
            "field": bound.field,
            "widget": widget,
            "attrs": attrs,
            "indexed": indexed,
            "name": bound.html_name,
            "initial_name": bound.html_initial_name,
            "column": column_renderer(widget, attrs, ROW_PREFIX),
            "hidden_initial": hidden_initial,
        }

    def values(self, original) -> dict:
        """The row's initial values, as its ModelForm would take them from the instance."""
        values = model_to_dict(original, self.form._meta.fields, self.form._meta.exclude)
        values[self.pk_name] = original.pk
        return values

    def widget_html(self, name: str, index: int, values: dict) -> str:
        plan = self.widgets[name]
        field, slot = plan["field"], str(index)
        value = values.get(name, field.initial)
        value = field.prepare_value(value() if callable(value) else value)
        name = plan["name"].replace(ROW_PREFIX, slot)
        if plan["column"] is not None:
            html = plan["column"](name, value, slot)
        else:
            attrs = dict(plan["attrs"])
            for key in plan["indexed"]:
                attrs[key] = attrs[key].replace(ROW_PREFIX, slot)
            html = plan["widget"].render(name, value, attrs, PYTHON_WIDGETS)
        if plan["hidden_initial"] is not None:
            html += plan["hidden_initial"](plan["initial_name"].replace(ROW_PREFIX, slot), value, slot)
        return html


class DesignerInlineAdminFormSet(helpers.InlineAdminFormSet):
    """The admin's tabular inline with its rows written in Python (`rows_html`).

    Django's tabular template costs some 25 template nodes per cell; with 200 tasks and 600
    transitions that was most of the page's time. The rows keep the template's markup (ids,
    classes, error lists, change links) that the admin's inline script and the tests rely on.
    On a page opened for editing, saved rows are written from one `_RowPlan` instead of a form
    each; `light_rows = False` writes every row from its own form (the tests compare both).
    """

    light_rows = True

    @classmethod
    def wrapping(cls, inline_admin_formset: helpers.InlineAdminFormSet) -> DesignerInlineAdminFormSet:
        # The admin builds its own wrapper; this one takes over its state unchanged.
        wrapper = cls.__new__(cls)
        wrapper.__dict__.update(inline_admin_formset.__dict__)
        return wrapper

    @property
    def media(self):
        # Every row has the same widgets: the formset's media stands for all, where the admin
        # would merge the media of each of 800 rows.
        return self.opts.media + self.formset.media

    @cached_property
    def row_plan(self) -> _RowPlan | None:
        formset = self.formset
        if not self.light_rows or formset.is_bound or not self.has_change_permission:
            return None
        if formset.total_form_count() != formset.initial_form_count():
            return None  # extra rows are built by the admin
        plan = _RowPlan(self)
        return plan if plan.usable else None

    def __iter__(self):
        plan = self.row_plan
        if plan is None:
            yield from super().__iter__()
            return
        for index, original in enumerate(self.formset.get_queryset()):
            yield _SavedRow(original, index, self.opts.get_view_on_site_url(original))
        if self.has_add_permission:
            yield plan.template

    def rows_html(self):
        formset = self.formset
        prefix = formset.prefix
        rows = list(self)
        plan = self.row_plan
        show_delete = formset.can_delete and self.has_delete_permission
        change_link = self._change_link()
        out = []
        for number, row in enumerate(rows):
            form = row.form
            is_template = number == len(rows) - 1 and self.has_add_permission
            if form is not None and form.non_field_errors():
                out.append(
                    f'<tr class="row-form-errors"><td colspan="{cell_count(row)}">{form.non_field_errors()}</td></tr>'
                )
            classes = "form-row"
            if row.original or row.show_url:
                classes += " has_original"
            if is_template:
                classes += " empty-form"
            out.append(
                f'<tr class="{classes}" id="{prefix}-{"empty" if is_template else number}"><td class="original">'
            )
            if row.original or row.show_url:
                out.append("<p>")
                if row.original:
                    out.append(str(conditional_escape(row.original)))
                    if change_link:
                        out.append(" " + change_link.format(pk=conditional_escape(quote(row.original.pk))))
                if row.show_url:
                    out.append(format_html('<a href="{}">{}</a>', row.absolute_url, gettext("View on site")))
                out.append("</p>")
            if form is None:
                values = plan.values(row.original)
                out.extend(plan.widget_html(name, row.index, values) for name in plan.hidden)
                out.append("</td>")
                for field in plan.columns:
                    css = f"field-{field.field.name}" + (" hidden" if field.field.is_hidden else "")
                    out.append(f'<td class="{css}">{plan.widget_html(field.field.name, row.index, values)}</td>')
                deletion = plan.widget_html(DELETION_FIELD_NAME, row.index, values) if show_delete else ""
                out.append(f'<td class="delete">{deletion}</td></tr>')
                continue
            if row.needs_explicit_pk_field():
                out.append(str(row.pk_field().field))
            fk_field = row.fk_field()
            if fk_field:
                out.append(str(fk_field.field))
            out.append("</td>")
            for fieldset in row:
                for line in fieldset:
                    for field in line:
                        out.append(self._cell(field))
            deletion = str(row.deletion_field().field) if show_delete and row.original else ""
            out.append(f'<td class="delete">{deletion}</td></tr>')
        return mark_safe("".join(out))  # noqa: S308 - every part is escaped or rendered HTML

    def _change_link(self) -> str:
        """The rows' "Change" / "View" link with a `{pk}` slot, or "" when there is none."""
        inline = self.opts
        if not (inline.show_change_link and inline.has_registered_model):
            return ""
        url = reverse(
            f"admin:{inline.opts.app_label}_{inline.opts.model_name}_change",
            args=["__pk__"],
            current_app=inline.admin_site.name,
        )
        css, text = (
            ("inlinechangelink", gettext("Change"))
            if self.has_change_permission
            else ("inlineviewlink", gettext("View"))
        )
        link = format_html('<a href="{}" class="{}">{}</a>', url, css, text)
        return link.replace("{", "{{").replace("}", "}}").replace("__pk__", "{pk}")

    @staticmethod
    def _cell(field) -> str:
        bound = field.field
        name = bound.name if not field.is_readonly else bound["name"]
        hidden = bound.is_hidden if not field.is_readonly else bound["is_hidden"]
        css = f"field-{name}" if name else ""
        if hidden:
            css += " hidden"
        if field.is_readonly:
            return f'<td class="{css}"><p>{field.contents()}</p></td>'
        errors = bound.errors.as_ul() if bound.errors else ""
        return f'<td class="{css}">{errors}{bound}</td>'


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
        transitions = (
            access.transitions_for(request.user)
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

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        return [
            DesignerInlineAdminFormSet.wrapping(wrapper)
            for wrapper in super().get_inline_formsets(request, formsets, inline_instances, obj)
        ]

    def get_formsets_with_inlines(self, request, obj=None):
        # The add page shows the inlines too: a workflow, its tasks and transitions in one save.
        yield from super().get_formsets_with_inlines(request, obj)

    def task_refs(self, request, obj) -> TaskRefs:
        """One lookup of the workflow's tasks per request, shared by every transition row."""
        cached = getattr(request, "_wd_task_refs", None)
        if cached is None:
            tasks = []
            if obj is not None and obj.pk is not None:
                saved = access.tasks_for(request.user).filter(workflow=obj).order_by("position", "id")
                if request.method == "GET":
                    # Opened for editing, the list only names the tasks; a save resolves a
                    # row's task to the whole instance, whose output form its condition reads.
                    saved = saved.defer(*HEAVY_TASK_COLUMNS)
                tasks = list(saved)
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
            (
                None,
                {
                    "fields": (
                        ("title", "slug"),
                        "workflow",
                        "description",
                        "company_role_access",
                        *(("opened_at",) if obj is not None else ()),
                    )
                },
            ),
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
        data.pop("opened_at", None)
        if change:
            services.ticket_update(
                ticket=obj, user=request.user, expected_updated_at=form.cleaned_data.get("opened_at"), **data
            )
            return
        data = {name: value for name, value in form.cleaned_data.items() if name not in ("company", "opened_at")}
        created = services.ticket_create(user=request.user, company=self.new_company(request, form), **data)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.ticket_delete(ticket=obj, user=request.user)
