"""The admin's side of the permission policy: a base class every design-model admin uses.

Its querysets, object lookups, foreign-key choice lists and autocomplete read what
`workflow_design.policy` lets the user view, and every `has_*_permission` hook asks the policy;
objects outside the user's reach answer 404, and the guardian object-permissions page keeps to
the object's own company.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from users import access as user_access
from users.models import Company, CompanyRole, User
from workflow_design.access import audit_entries_of, audit_entries_of_workflow
from workflow_design.admin.widgets import FORM_PREVIEW_MEDIA, field_summary, form_preview_html
from workflow_design.fast.admin_request_memo import ObjectOncePerRequestMixin, policy_allows
from workflow_design.models import (
    AuditAction,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
    definition_company_id,
)
from workflow_design.policy import DENIED, POLICIES, Action, DefinitionPolicy, policy_for


def _admin_link(obj) -> str:
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return format_html("{}: {}", capfirst(opts.verbose_name), obj)
    return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)


def _deletion_cascade(model, pks: list) -> tuple[dict, list]:
    """What goes with the objects `pks` of `model`, by parent pk, and what protects them.

    The design models' cascades are known (a workflow takes its tasks and transitions, a task
    the transitions from and to it; ticket types protect their workflow), so each is one query.
    Guardian's permission rows go too; they are not the user's to review.
    """
    children: dict = {pk: [] for pk in pks}
    protected: list = []
    if model is WorkflowDefinition:
        for task in TaskDefinition.objects.filter(workflow__in=pks).order_by("workflow_id", "position", "pk"):
            children[task.workflow_id].append(task)
        transitions = WorkflowTransition.objects.filter(workflow__in=pks).select_related("from_task", "to_task")
        for transition in transitions.order_by("workflow_id", "priority", "pk"):
            children[transition.workflow_id].append(transition)
        protected = list(TicketDefinition.objects.filter(workflow__in=pks).order_by("slug", "version"))
    elif model is TaskDefinition:
        transitions = WorkflowTransition.objects.filter(Q(from_task__in=pks) | Q(to_task__in=pks))
        for transition in transitions.select_related("from_task", "to_task").order_by("priority", "pk"):
            for parent in {transition.from_task_id, transition.to_task_id} & children.keys():
                children[parent].append(transition)
    return children, protected


def scoped_choices(request, related_model):
    """The choice list for a foreign key to `related_model`, as seen by the request user."""
    if related_model in POLICIES:
        return policy_for(related_model).instances_user_has_permission_for(request.user, Action.VIEW)
    if related_model is CompanyRole:
        return user_access.company_roles_visible_to(request.user)
    if related_model is Company:
        return user_access.companies_visible_to(request.user)
    if related_model is User:
        return user_access.users_visible_to(request.user)
    return None


class ScopedAdminMixin:
    """Reads what the policy lets the user view, asks it every permission question, and answers
    404 for anything else."""

    @property
    def policy(self) -> DefinitionPolicy:
        return policy_for(self.model)

    def may(self, request, action: Action, obj=None) -> bool:
        """The policy's answer for the request's user (kept for the request)."""
        return policy_allows(request, self.policy, action, obj)

    def get_queryset(self, request):
        return self.policy.instances_user_has_permission_for(request.user, Action.VIEW)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another company's object and a missing one look the same: a plain 404.
        raise Http404(_("Not found."))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def require(self, request, action: Action, obj=None) -> None:
        """Refuse (403, with the policy's one message) unless the policy allows `action`."""
        if not self.may(request, action, obj):
            raise PermissionDenied(str(DENIED[action]))

    def has_module_permission(self, request):
        return self.policy.user_has_permission(request.user, Action.VIEW)

    def has_view_permission(self, request, obj=None):
        return self.may(request, Action.VIEW, obj)

    def has_add_permission(self, request, *args):
        return self.may(request, Action.ADD)

    # A published or archived definition opens read-only: that is its state, not a permission
    # (the services refuse to write it whoever asks).
    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and self.may(request, Action.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and self.may(request, Action.DELETE, obj)


class AsTextMixin:
    """People and roles named as text: their pages are for those who manage users, and a link
    would lead everyone else to a refusal (403)."""

    @admin.display(description=_("created by"))
    def created_by_text(self, obj):
        return str(obj.created_by) if obj.created_by_id else "—"

    @admin.display(description=_("assignee role"))
    def assignee_role_text(self, obj):
        return str(obj.assignee_role) if obj.assignee_role_id else "—"


class FormPreviewAdminMixin(AsTextMixin):
    """Field lists shown read-only as the form the worker fills, people and roles as text (see
    `widgets.shown_fieldsets`)."""

    SHOWN_READ_ONLY = (
        "fields_preview",
        "input_schema_preview",
        "output_schema_preview",
        "created_by_text",
        "assignee_role_text",
    )

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.SHOWN_READ_ONLY)

    @property
    def media(self):
        return super().media + FORM_PREVIEW_MEDIA

    @admin.display(description=_("Form"))
    def fields_preview(self, obj):
        return form_preview_html(obj.fields, obj.title)

    @admin.display(description=_("Input fields (what the worker is shown)"))
    def input_schema_preview(self, obj):
        return form_preview_html(obj.input_schema, f"{obj.title} input")

    @admin.display(description=_("Output form (what the worker fills)"))
    def output_schema_preview(self, obj):
        return form_preview_html(obj.output_schema, f"{obj.title} output")


class ReadOnlyRowsAsTextMixin(AsTextMixin):
    """Read-only rows of a workflow page (a published workflow's tasks): the role as text and the
    output form in a few words (its task's page shows it as the worker sees it), instead of a
    link that answers 403 and raw JSON."""

    SHOWN_AS_TEXT = {"assignee_role": "assignee_role_text", "output_schema": "output_schema_summary"}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [self.SHOWN_AS_TEXT.get(name, name) for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.SHOWN_AS_TEXT.values())

    @admin.display(description=_("output form"))
    def output_schema_summary(self, obj):
        return field_summary(obj.output_schema)


class DesignModelAdmin(ObjectOncePerRequestMixin, FormPreviewAdminMixin, ScopedAdminMixin, GuardedModelAdmin):
    """Base for the four design-model admins."""

    # Guardian's template links "Object permissions" for everyone; ours only when allowed.
    change_form_template = "admin/workflow_design/design_change_form.html"

    # The guardian object-permissions page ("<id>/permissions/") is for whom the policy lets
    # grant; it never offers or accepts a user or group of another company.
    def _may_manage_object_permissions(self, request, obj) -> bool:
        return self.may(request, Action.GRANT, obj)

    def _object_to_grant_on(self, request, object_pk):
        """The object of a permissions page, asked in the policy's order: refused before any row
        is looked up, then not found, then refused for this row."""
        self.require(request, Action.GRANT)
        obj = self.get_object(request, object_pk)
        if obj is None:
            raise Http404(_("Not found."))
        self.require(request, Action.GRANT, obj)
        return obj

    def obj_perms_manage_view(self, request, object_pk):
        obj = self._object_to_grant_on(request, object_pk)
        # The select forms below are built by guardian without the object; they read it here.
        request.permissions_object = obj
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        obj = self._object_to_grant_on(request, object_pk)
        if not user_access.users_of_same_company(request.user, definition_company_id(obj)).filter(pk=user_id).exists():
            raise Http404(_("Not found."))
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        obj = self._object_to_grant_on(request, object_pk)
        if not self._groups_for(request, obj).filter(pk=group_id).exists():
            raise Http404(_("Not found."))
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def _groups_for(self, request, obj):
        if request.user.is_superuser:
            return Group.objects.all()
        return user_access.groups_of_company(definition_company_id(obj))

    def get_obj_perms_user_select_form(self, request):
        base = super().get_obj_perms_user_select_form(request)

        class SameCompanyUserForm(base):
            def clean_user(self):
                email = self.cleaned_data["user"]
                obj = request.permissions_object
                user = (
                    user_access.users_of_same_company(request.user, definition_company_id(obj))
                    .filter(email__iexact=email)
                    .first()
                )
                if user is None:
                    raise forms.ValidationError(_("No user of this company has this email address."))
                return user

        return SameCompanyUserForm

    def get_obj_perms_group_select_form(self, request):
        admin = self
        base = super().get_obj_perms_group_select_form(request)

        class SameCompanyGroupForm(base):
            def clean_group(self):
                name = self.cleaned_data["group"]
                group = admin._groups_for(request, request.permissions_object).filter(name=name).first()
                if group is None:
                    raise forms.ValidationError(_("No group of this company has this name."))
                return group

        return SameCompanyGroupForm

    # The services write the audit trail for every path; the admin's own LogEntry rows would
    # only repeat the admin's share of it.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def log_deletions(self, request, queryset):
        return None

    def get_deleted_objects(self, objs, request):
        """The delete confirmation's list, in a fixed number of queries however large the objects.

        Django's collector walks every cascade (a workflow's tasks, their transitions, each row's
        permission rows) and checks the delete permission of every row it finds: hundreds of
        queries for a large workflow. Here the cascades come from `_deletion_cascade`, and the
        permission that counts is the one the delete service checks: on the selected objects.
        """
        objs = list(objs)
        pks = [obj.pk for obj in objs]
        if self.model in (TaskDefinition, WorkflowTransition):
            prefetch_related_objects(objs, "workflow")  # a part is editable while its workflow is
        allowed = set(
            self.policy.instances_user_has_permission_for(request.user, Action.DELETE)
            .filter(pk__in=pks)
            .values_list("pk", flat=True)
        )
        deletable = {obj.pk for obj in objs if obj.pk in allowed and obj.is_editable}
        perms_needed = set()
        if not deletable.issuperset(pks):
            perms_needed.add(str(self.opts.verbose_name_plural))
        children, protected = _deletion_cascade(self.model, pks)
        to_delete = []
        model_count = {str(self.opts.verbose_name_plural): len(objs)}
        for obj in objs:
            to_delete.append(_admin_link(obj))
            if children[obj.pk]:
                to_delete.append([_admin_link(child) for child in children[obj.pk]])
        # A transition between two selected tasks is listed under both; it is counted once.
        going = {(type(child), child.pk) for rows in children.values() for child in rows}
        for model in (TaskDefinition, WorkflowTransition):
            if count := sum(1 for kind, _pk in going if kind is model):
                model_count[str(model._meta.verbose_name_plural)] = count
        return to_delete, model_count, perms_needed, [_admin_link(obj) for obj in protected]

    def delete_queryset(self, request, queryset):
        # "Delete selected" goes through the same service as the delete page (rules, audit
        # trail), for the whole selection in one transaction: nothing is half deleted.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The object's audit trail: who, when, by which path, what changed."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404(_("Not found."))
        # A workflow's page saves its tasks and transitions too: their entries say what changed.
        entries = audit_entries_of_workflow(obj) if isinstance(obj, WorkflowDefinition) else audit_entries_of(obj)
        # A save that changed nothing of a row (the page sends every row) has nothing to show.
        entries = entries.exclude(action=AuditAction.CHANGED, changes={})
        page = self.get_paginator(request, entries, 100).get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "page_obj": page,
            "entries": page.object_list,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "object_content_type_id": ContentType.objects.get_for_model(obj).pk,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/workflow_design/audit_history.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        extra_context["show_object_permissions"] = obj is not None and self._may_manage_object_permissions(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)


__all__ = ["DesignModelAdmin", "ReadOnlyRowsAsTextMixin", "ScopedAdminMixin", "scoped_choices"]
