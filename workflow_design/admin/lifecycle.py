"""Lifecycle parts of the workflow admin: lint findings, publish, new version, archive, dry run, compare.

The change page gets the linter's findings (and the ids of the tasks at fault, which the
diagram marks). Publish, new version and archive are changelist actions and, on the change
page, links to a confirmation page that lists the findings first, as Django's own delete does.
Each step asks the permission policy (publish, archive, new version; view for the dry run and
the comparison); a workflow the user may not see is a plain 404, as another company's id is.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.admin.dry_run_form import DryRunForm
from workflow_design.fast.admin_request_memo import policy_allows
from workflow_design.models import DefinitionStatus, TaskDefinition, TicketDefinition, WorkflowDefinition
from workflow_design.policy import Action, policy_for, workflow_policy
from workflow_design.rules.compare import workflow_compare
from workflow_design.rules.dry_run import workflow_dry_run
from workflow_design.rules.linting import ERROR, WARNING, highlighted_task_ids, lint_workflow
from workflow_design.services import lifecycle

TEMPLATES = "admin/workflow_design/lifecycle/"


def _refusal_text(workflow: WorkflowDefinition, exc: ValidationError) -> str:
    return _("%(workflow)s: %(reasons)s") % {"workflow": workflow, "reasons": " ".join(exc.messages)}


def _run_on_each(modeladmin, request, queryset, *, need: Action, service, done_message) -> None:
    """Run one lifecycle service per selected workflow the policy allows; report what went through and what not."""
    done, refused = [], []
    for workflow in modeladmin.lifecycle_targets(request, queryset, need):
        try:
            result = service(workflow=workflow, user=request.user)
        except ValidationError as exc:
            refused.append(_refusal_text(workflow, exc))
        else:
            done.append(str(result))
    modeladmin.report_lifecycle(request, done_message, done, refused)


@admin.action(description=gettext_lazy("Publish selected draft workflows"))
def publish_selected(modeladmin, request, queryset):
    _run_on_each(
        modeladmin,
        request,
        queryset,
        need=Action.PUBLISH,
        service=lifecycle.workflow_publish,
        done_message=_("Published: %(list)s."),
    )


@admin.action(description=gettext_lazy("Create a new draft version of the selected workflows"))
def new_version_selected(modeladmin, request, queryset):
    _run_on_each(
        modeladmin,
        request,
        queryset,
        need=Action.NEW_VERSION,
        service=lifecycle.workflow_new_version,
        done_message=_("New draft versions: %(list)s."),
    )


@admin.action(description=gettext_lazy("Archive selected published workflows"))
def archive_selected(modeladmin, request, queryset):
    _run_on_each(
        modeladmin,
        request,
        queryset,
        need=Action.ARCHIVE,
        service=lifecycle.workflow_archive,
        done_message=_("Archived: %(list)s."),
    )


# Each action, with the policy's action it needs.
LIFECYCLE_ACTIONS = (
    (publish_selected, Action.PUBLISH),
    (new_version_selected, Action.NEW_VERSION),
    (archive_selected, Action.ARCHIVE),
)


class WorkflowLifecycleAdminMixin:
    """Mixed into WorkflowDefinitionAdmin; adds lifecycle actions and pages."""

    # Actions ---------------------------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.is_lifecycle_popup(request):
            return actions
        for func, action in LIFECYCLE_ACTIONS:
            if workflow_policy.user_has_permission(request.user, action):
                actions[func.__name__] = (func, func.__name__, func.short_description)
        return actions

    def is_lifecycle_popup(self, request) -> bool:
        return "_popup" in request.GET or "_popup" in request.POST

    def lifecycle_targets(self, request, queryset, action: Action):
        """The selected workflows the policy lets the user do `action` on."""
        ids = list(queryset.values_list("pk", flat=True))
        allowed = workflow_policy.instances_user_has_permission_for(request.user, action)
        return list(allowed.filter(pk__in=ids).order_by("slug", "version"))

    def report_lifecycle(self, request, success: str, done: list[str], refused: list[str]) -> None:
        if done:
            self.message_user(request, success % {"list": ", ".join(done)}, messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    # URLs ------------------------------------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/dry-run/", view(self.dry_run_view), name="{}_{}_dry_run".format(*info)),
            path(
                "<path:object_id>/compare/<path:other_id>/",
                view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path("<path:object_id>/publish/", view(self.publish_view), name="{}_{}_publish".format(*info)),
            path("<path:object_id>/new-version/", view(self.new_version_view), name="{}_{}_new_version".format(*info)),
            path("<path:object_id>/archive/", view(self.archive_view), name="{}_{}_archive".format(*info)),
            *super().get_urls(),
        ]

    def lifecycle_url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def lifecycle_object(self, request, object_id, action: Action = Action.VIEW) -> WorkflowDefinition:
        """The workflow, if the policy lets the user do `action` on it.

        Asked in the policy's order: a user who may not do `action` at all is refused before
        any row is looked up; a workflow they may not see is a plain 404; one they see but may
        not do `action` on is refused.
        """
        user = request.user
        workflow_policy.require(user, action)
        try:
            pk = int(unquote(str(object_id)))
        except (TypeError, ValueError):
            raise Http404(_("Not found.")) from None
        obj = workflow_policy.instances_user_has_permission_for(user, action).filter(pk=pk).first()
        if obj is not None:
            return obj
        seen = workflow_policy.instances_user_has_permission_for(user, Action.VIEW).filter(pk=pk).first()
        if seen is None:
            raise Http404(_("Not found."))
        workflow_policy.require(user, action, seen)
        raise Http404(_("Not found."))  # the policy allowed it after all: the row changed meanwhile

    def lifecycle_context(self, request, obj: WorkflowDefinition, title: str, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": obj,
            "title": title,
            "change_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]),
            **extra,
        }

    def lifecycle_links(self, request, obj: WorkflowDefinition) -> dict:
        """Which lifecycle steps the change page offers for this workflow, with their URLs."""
        links = {"dry_run": self.lifecycle_url("dry_run", obj.pk)}
        steps = {
            "publish": (obj.status == DefinitionStatus.DRAFT, Action.PUBLISH),
            "new_version": (obj.status != DefinitionStatus.DRAFT, Action.NEW_VERSION),
            "archive": (obj.status == DefinitionStatus.PUBLISHED, Action.ARCHIVE),
        }
        for step, (in_state, action) in steps.items():
            if in_state and policy_allows(request, workflow_policy, action, obj):
                links[step] = self.lifecycle_url(step, obj.pk)
        return links

    # Change page -----------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None:
            findings = lint_workflow(obj)
            visible = workflow_policy.instances_user_has_permission_for(request.user, Action.VIEW)
            others = lifecycle.workflow_other_versions(workflow=obj, visible=visible)
            extra_context.update(
                lint_findings=findings,
                lint_error_count=sum(1 for f in findings if f.level == ERROR),
                lint_warning_count=sum(1 for f in findings if f.level == WARNING),
                diagram_highlight_ids=highlighted_task_ids(findings, obj),
                lifecycle_links=self.lifecycle_links(request, obj),
                other_versions=[
                    {"version": other, "compare_url": self.lifecycle_url("compare", obj.pk, other.pk)}
                    for other in others
                ],
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # Publish, new version, archive -----------------------------------------------------------
    def _confirm_or_run(self, request, object_id, *, step: str, action: Action):
        obj = self.lifecycle_object(request, object_id, action)
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        if request.method == "POST" and "confirm" in request.POST:
            try:
                if step == "publish":
                    lifecycle.workflow_publish(workflow=obj, user=request.user)
                    self.message_user(request, _("%(workflow)s is published.") % {"workflow": obj}, messages.SUCCESS)
                elif step == "new_version":
                    created = lifecycle.workflow_new_version(workflow=obj, user=request.user)
                    self.message_user(
                        request, _("%(workflow)s is a new draft.") % {"workflow": created}, messages.SUCCESS
                    )
                    change_url = reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[created.pk]
                    )
                else:
                    lifecycle.workflow_archive(workflow=obj, user=request.user)
                    self.message_user(request, _("%(workflow)s is archived.") % {"workflow": obj}, messages.SUCCESS)
            except lifecycle.LintRefused as exc:
                self.message_user(
                    request,
                    _("%(workflow)s was not published; fix these errors first: %(list)s")
                    % {"workflow": obj, "list": " ".join(f.message for f in exc.findings)},
                    messages.ERROR,
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(change_url)
        findings = lint_workflow(obj) if step == "publish" else []
        titles = {
            "publish": _("Publish %(workflow)s"),
            "new_version": _("Create a new version of %(workflow)s"),
            "archive": _("Archive %(workflow)s"),
        }
        context = self.lifecycle_context(
            request,
            obj,
            titles[step] % {"workflow": obj},
            step=step,
            findings=findings,
            errors=[f for f in findings if f.level == ERROR],
            warnings=[f for f in findings if f.level == WARNING],
        )
        return TemplateResponse(request, f"{TEMPLATES}confirm.html", context)

    def publish_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, step="publish", action=Action.PUBLISH)

    def new_version_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, step="new_version", action=Action.NEW_VERSION)

    def archive_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, step="archive", action=Action.ARCHIVE)

    # Dry run and compare ---------------------------------------------------------------------
    def dry_run_view(self, request, object_id):
        obj = self.lifecycle_object(request, object_id)
        tasks = self._visible(request, TaskDefinition).filter(workflow=obj).order_by("position", "id")
        tickets = self._visible(request, TicketDefinition).filter(workflow=obj).order_by("slug", "version")
        data = request.POST if request.method == "POST" else None
        form = DryRunForm(data, workflow=obj, tasks=list(tasks), tickets=list(tickets))
        result = None
        if data is not None and form.is_valid():
            result = workflow_dry_run(workflow=obj, **form.sample_values())
        context = self.lifecycle_context(
            request,
            obj,
            _("Dry run of %(workflow)s") % {"workflow": obj},
            form=form,
            result=result,
            media=self.media + form.media,
        )
        return TemplateResponse(request, f"{TEMPLATES}dry_run.html", context)

    def compare_view(self, request, object_id, other_id):
        obj = self.lifecycle_object(request, object_id)
        other = self.lifecycle_object(request, other_id)
        old, new = (other, obj) if (other.version, other.pk) <= (obj.version, obj.pk) else (obj, other)
        changes = workflow_compare(old=old, new=new)
        context = self.lifecycle_context(
            request,
            obj,
            _("Changes from %(old)s to %(new)s") % {"old": old, "new": new},
            old=old,
            new=new,
            changes=changes,
        )
        return TemplateResponse(request, f"{TEMPLATES}compare.html", context)

    @staticmethod
    def _visible(request, model):
        return policy_for(model).instances_user_has_permission_for(request.user, Action.VIEW)
