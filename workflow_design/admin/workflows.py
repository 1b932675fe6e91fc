"""The workflow admin: a workflow with its tasks and transitions on one page, its diagram and lint
panel, the lifecycle pages (`lifecycle`) and its files (`transfer`)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from users import access as user_access
from workflow_design.admin.bpmn import WorkflowBpmnAdminMixin
from workflow_design.admin.designer import (
    DesignerAdminMixin,
    DesignerSaveError,
    json_schema_html,
)
from workflow_design.admin.forms import TaskRefs, WorkflowDefinitionForm
from workflow_design.admin.inlines import HEAVY_TASK_COLUMNS, TaskInline, TransitionInline, save_rows
from workflow_design.admin.lifecycle import WorkflowLifecycleAdminMixin
from workflow_design.admin.live_checks import LiveCheckAdminMixin, designer_words_json
from workflow_design.admin.scoping import DesignModelAdmin
from workflow_design.admin.transfer import WorkflowTransferAdminMixin
from workflow_design.admin.urls import ExtraPagesAdmin
from workflow_design.fast.admin_request_memo import once
from workflow_design.fast.designer_rows import DesignerInlineAdminFormSet
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.policy import Action, policy_for
from workflow_design.rules.diagram import workflow_diagram_svg


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(
    LiveCheckAdminMixin,
    WorkflowLifecycleAdminMixin,
    WorkflowBpmnAdminMixin,
    WorkflowTransferAdminMixin,
    DesignerAdminMixin,
    ExtraPagesAdmin,
    DesignModelAdmin,
):
    extra_pages = (
        ("live-check/", "live_check_view", "live_check_new"),
        ("<path:object_id>/live-check/", "live_check_view", "live_check"),
        ("<path:object_id>/diagram.svg", "diagram_view", "diagram"),
    )
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

    # The rows ----------------------------------------------------------------------------------

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

    def task_refs(self, request, obj) -> TaskRefs:
        """One lookup of the workflow's tasks per request, shared by every transition row."""

        def read() -> TaskRefs:
            if obj is None or obj.pk is None:
                return TaskRefs([])
            saved = (
                policy_for(TaskDefinition)
                .instances_user_has_permission_for(request.user, Action.VIEW)
                .filter(workflow=obj)
                .order_by("position", "id")
            )
            if request.method == "GET":
                # Opened for editing, the list only names the tasks; a save resolves a
                # row's task to the whole instance, whose output form its condition reads.
                saved = saved.defer(*HEAVY_TASK_COLUMNS)
            return TaskRefs(list(saved))

        return once(request, ("task_refs",), read)

    def task_role_choices(self, request, obj) -> list[tuple]:
        """The assignable roles (the workflow's company's), built once for every task row."""

        def read() -> list[tuple]:
            company_id = getattr(obj, "company_id", None)
            if company_id is None and not request.user.is_superuser:
                company_id = self.policy.company_for_new(request.user).pk
            roles = (
                user_access.company_roles_of(company_id)
                if company_id is not None
                else user_access.company_roles_visible_to(request.user)
            )
            return [("", "---------")] + [(role.pk, role.name) for role in roles.order_by("name")]

        return once(request, ("task_role_choices",), read)

    # The page ----------------------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            highlight = frozenset(context.get("diagram_highlight_ids", ()))
            marks = context.get("diagram_marks")
            drawing = workflow_diagram_svg(obj, highlight_task_ids=highlight, marks=marks)
            context["diagram_svg"] = mark_safe(drawing)  # noqa: S308 - escaped by diagram.py
        context["task_options"] = self.task_refs(request, obj).options()
        context["workflow_is_editable"] = editable = obj is None or obj.is_editable
        context["designer_words_json"] = designer_words_json()
        if editable:
            info = self.opts.app_label, self.opts.model_name
            context["live_check_url"] = (
                reverse("admin:{}_{}_live_check".format(*info), args=[obj.pk], current_app=self.admin_site.name)
                if obj is not None and obj.pk
                else reverse("admin:{}_{}_live_check_new".format(*info), current_app=self.admin_site.name)
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def diagram_view(self, request, object_id):
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
        return json_schema_html(obj.fields, obj.title) if obj and obj.pk else "—"

    # Writes: the services only (the workflow's own: `DesignerAdminMixin.save_model`) ------------

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields: the rows are all there is to save.
        errors = {}
        for formset in formsets:
            refused = save_rows(user=request.user, workflow=form.instance, formset=formset)
            if refused:
                errors[formset.prefix] = refused
        if errors:
            raise DesignerSaveError(errors)
