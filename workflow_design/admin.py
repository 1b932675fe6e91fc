from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

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
from .forms import TaskDefinitionForm, TicketDefinitionForm, WorkflowDefinitionForm, WorkflowTransitionForm
from .models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition


def _form_data(form, exclude=()) -> dict:
    return (
        {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in form.cleaned_data and name not in exclude
        }
        if form.instance.pk
        else {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in exclude and name not in ("id", "DELETE")
        }
    )


class CompanyFieldMixin:
    """`company` is chosen only by superusers; everyone else creates in their own company."""

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if request.user.is_superuser and obj is None and "company" not in fields:
            fields.insert(0, "company")
        return fields

    def get_form(self, request, obj=None, **kwargs):
        if request.user.is_superuser and obj is None:
            kwargs["fields"] = ["company", *(kwargs.get("fields") or self.form.Meta.fields)]
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class BoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                if self.instance.pk is None and not user.is_superuser:
                    # Before validation, so per-company rules are checked on the form.
                    self.instance.company = user.company

        return BoundForm

    def _new_company(self, request, form) -> Company:
        requested = form.cleaned_data.get("company") if request.user.is_superuser else None
        return access.company_for_new_definition(request.user, requested)


class TaskInline(admin.TabularInline):
    model = TaskDefinition
    form = TaskDefinitionForm
    fields = ("position", "title", "slug", "task_type", "assignee_role")
    extra = 0
    show_change_link = True
    ordering = ("position", "id")

    def get_queryset(self, request):
        return access.tasks_for(request.user).select_related("assignee_role")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TransitionInline(admin.TabularInline):
    model = WorkflowTransition
    form = WorkflowTransitionForm
    fk_name = "workflow"
    fields = ("from_task", "to_task", "priority", "condition", "slug")
    extra = 0
    ordering = ("from_task__position", "priority", "id")

    def get_queryset(self, request):
        return access.transitions_for(request.user).select_related("from_task", "to_task")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("from_task", "to_task"):
            workflow = getattr(request, "designer_workflow", None)
            tasks = access.tasks_for(request.user)
            kwargs["queryset"] = tasks.filter(workflow=workflow) if workflow else tasks.none()
            kwargs["empty_label"] = "— start —" if db_field.name == "from_task" else "— end —"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(
    WorkflowLifecycleAdminMixin, WorkflowTransferAdminMixin, CompanyFieldMixin, DesignModelAdmin
):
    form = WorkflowDefinitionForm
    inlines = (TaskInline, TransitionInline)
    list_display = ("title", "slug", "version", "status", "task_count", "transition_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("version", "status", "created_by", "created_at", "updated_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(task_total=Count("tasks", distinct=True), transition_total=Count("transitions", distinct=True))
        )

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if obj is not None else [f for f in fields if f not in self.readonly_fields]

    def get_formsets_with_inlines(self, request, obj=None):
        # Inline choice lists (from/to task) need the workflow being edited.
        request.designer_workflow = obj
        if obj is None:
            return
        yield from super().get_formsets_with_inlines(request, obj)

    @admin.display(description="tasks", ordering="task_total")
    def task_count(self, obj):
        return obj.task_total

    @admin.display(description="transitions", ordering="transition_total")
    def transition_count(self, obj):
        return obj.transition_total

    def save_model(self, request, obj, form, change):
        if change:
            services.workflow_update(workflow=obj, user=request.user)
        else:
            created = services.workflow_create(
                user=request.user, company=self._new_company(request, form), **_form_data(form, ("company",))
            )
            obj.pk = created.pk
            obj.company = created.company

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        workflow = form.instance
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, TaskDefinition):
                services.task_delete(task=obj, user=request.user)
            else:
                services.transition_delete(transition=obj, user=request.user)
        for obj in instances:
            data = {
                f.name: getattr(obj, f.name) for f in obj._meta.concrete_fields if f.name in formset.form.base_fields
            }
            if isinstance(obj, TaskDefinition):
                if obj.pk:
                    services.task_update(task=obj, user=request.user, **data)
                else:
                    data.pop("workflow", None)
                    services.task_create(user=request.user, workflow=workflow, **data)
            elif obj.pk:
                services.transition_update(transition=obj, user=request.user, **data)
            else:
                data.pop("workflow", None)
                services.transition_create(user=request.user, workflow=workflow, **data)
        formset.save_m2m()

    def delete_model(self, request, obj):
        services.workflow_delete(workflow=obj, user=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(TaskTransferAdminMixin, CompanyFieldMixin, DesignModelAdmin):
    form = TaskDefinitionForm
    list_display = ("title", "slug", "workflow", "task_type", "assignee_role", "version", "status", "updated_at")
    list_filter = ("status", "task_type")
    list_select_related = ("workflow", "assignee_role")
    search_fields = ("title", "slug", "workflow__title")
    prepopulated_fields = {"slug": ("title",)}

    def get_form(self, request, obj=None, **kwargs):
        return super(CompanyFieldMixin, self).get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        data = _form_data(form, ("workflow", "company"))
        if change:
            services.task_update(task=obj, user=request.user, **data)
        else:
            created = services.task_create(user=request.user, workflow=form.cleaned_data["workflow"], **data)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.task_delete(task=obj, user=request.user)


@admin.register(WorkflowTransition)
class WorkflowTransitionAdmin(TransitionTransferAdminMixin, DesignModelAdmin):
    form = WorkflowTransitionForm
    list_display = ("__str__", "workflow", "priority", "condition", "slug", "status", "updated_at")
    list_filter = ("status",)
    list_select_related = ("workflow", "from_task", "to_task")
    search_fields = ("slug", "condition", "workflow__title")

    def save_model(self, request, obj, form, change):
        data = _form_data(form, ("workflow",))
        if change:
            services.transition_update(transition=obj, user=request.user, **data)
        else:
            created = services.transition_create(user=request.user, workflow=form.cleaned_data["workflow"], **data)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.transition_delete(transition=obj, user=request.user)


@admin.register(TicketDefinition)
class TicketDefinitionAdmin(TicketTransferAdminMixin, CompanyFieldMixin, DesignModelAdmin):
    form = TicketDefinitionForm
    list_display = ("title", "slug", "workflow", "version", "status", "updated_at")
    list_filter = ("status",)
    list_select_related = ("workflow",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}

    def save_model(self, request, obj, form, change):
        data = _form_data(form, ("company",))
        if change:
            services.ticket_update(ticket=obj, user=request.user, **data)
        else:
            created = services.ticket_create(user=request.user, company=self._new_company(request, form), **data)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.ticket_delete(ticket=obj, user=request.user)
