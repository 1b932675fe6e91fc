"""Lifecycle parts of the workflow admin: lint findings, publish, new version, archive, dry run, compare.

The change page gets the linter's findings (and the ids of the tasks at fault, which the
diagram marks). Publish, new version and archive are changelist actions and, on the change
page, links to a confirmation page that lists the findings first, as Django's own delete does.
Each step asks the permission policy (publish, archive, new version; view for the dry run and
the comparison); a workflow the user may not see is a plain 404, as another company's id is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.admin.dry_run_form import DryRunForm, initial_from_link
from workflow_design.admin.widgets import form_preview_data
from workflow_design.fast.admin_request_memo import policy_allows
from workflow_design.files.limits import UploadRefused, form_preview_max_bytes
from workflow_design.files.uploads import safe_json_loads
from workflow_design.models import DefinitionStatus, TaskDefinition, TicketDefinition, WorkflowDefinition
from workflow_design.policy import Action, policy_for, workflow_policy
from workflow_design.rules.compare import workflow_compare
from workflow_design.rules.diagram import diagram_marks
from workflow_design.rules.dry_run import workflow_dry_run
from workflow_design.rules.linting import ERROR, WARNING, highlighted_task_ids, lint_workflow
from workflow_design.services import lifecycle

TEMPLATES = "admin/workflow_design/lifecycle/"


def _refusal_text(workflow: WorkflowDefinition, exc: ValidationError) -> str:
    return _("%(workflow)s: %(reasons)s") % {"workflow": workflow, "reasons": " ".join(exc.messages)}


@dataclass(frozen=True)
class Step:
    """A lifecycle step: the policy's action it needs, the service that takes it, its words."""

    name: str
    action: Action
    service: Callable[..., WorkflowDefinition]  # (workflow=, user=) -> the workflow it leaves
    title: str  # of the confirmation page
    done: str  # after the step, on one workflow
    done_list: str  # after the changelist action, on the workflows it went through for
    action_description: str

    @property
    def route(self) -> str:
        """The last part of the address of its confirmation page: `<id>/new-version/`."""
        return self.name.replace("_", "-")


STEPS = {
    step.name: step
    for step in (
        Step(
            "publish",
            Action.PUBLISH,
            lifecycle.workflow_publish,
            title=gettext_lazy("Publish %(workflow)s"),
            done=gettext_lazy("%(workflow)s is published."),
            done_list=gettext_lazy("Published: %(list)s."),
            action_description=gettext_lazy("Publish selected draft workflows"),
        ),
        Step(
            "new_version",
            Action.NEW_VERSION,
            lifecycle.workflow_new_version,
            title=gettext_lazy("Create a new version of %(workflow)s"),
            done=gettext_lazy("%(workflow)s is a new draft."),
            done_list=gettext_lazy("New draft versions: %(list)s."),
            action_description=gettext_lazy("Create a new draft version of the selected workflows"),
        ),
        Step(
            "archive",
            Action.ARCHIVE,
            lifecycle.workflow_archive,
            title=gettext_lazy("Archive %(workflow)s"),
            done=gettext_lazy("%(workflow)s is archived."),
            done_list=gettext_lazy("Archived: %(list)s."),
            action_description=gettext_lazy("Archive selected published workflows"),
        ),
    )
}


def _changelist_action(step: Step):
    """The changelist action `<step>_selected`: the step on each selected workflow the policy
    allows; reports what went through and what not."""

    def run_on_each(modeladmin, request, queryset) -> None:
        done, refused = [], []
        for workflow in modeladmin.lifecycle_targets(request, queryset, step.action):
            try:
                result = step.service(workflow=workflow, user=request.user)
            except ValidationError as exc:
                refused.append(_refusal_text(workflow, exc))
            else:
                done.append(str(result))
        modeladmin.report_lifecycle(request, step.done_list, done, refused)

    run_on_each.__name__ = f"{step.name}_selected"
    return admin.action(description=step.action_description)(run_on_each)


# The changelist actions (`publish_selected`, `new_version_selected`, `archive_selected`), each
# with its step.
LIFECYCLE_ACTIONS = [(_changelist_action(step), step) for step in STEPS.values()]


class WorkflowLifecycleAdminMixin:
    """Mixed into WorkflowDefinitionAdmin; adds lifecycle actions and pages."""

    extra_pages = (
        ("form-preview/", "form_preview_view", "form_preview"),
        ("<path:object_id>/dry-run/", "dry_run_view", "dry_run"),
        ("<path:object_id>/compare/<path:other_id>/", "compare_view", "compare"),
        # Each step's confirmation page, named as the step, shown by its `<step>_view`.
        *((f"<path:object_id>/{step.route}/", f"{step.name}_view", step.name) for step in STEPS.values()),
    )

    # Actions ---------------------------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.is_lifecycle_popup(request):
            return actions
        for func, step in LIFECYCLE_ACTIONS:
            if workflow_policy.user_has_permission(request.user, step.action):
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
        in_state = {
            "publish": obj.status == DefinitionStatus.DRAFT,
            "new_version": obj.status != DefinitionStatus.DRAFT,
            "archive": obj.status == DefinitionStatus.PUBLISHED,
        }
        for step in STEPS.values():
            if in_state[step.name] and policy_allows(request, workflow_policy, step.action, obj):
                links[step.name] = self.lifecycle_url(step.name, obj.pk)
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
                diagram_marks=diagram_marks(findings),
                lifecycle_links=self.lifecycle_links(request, obj),
                other_versions=[
                    {"version": other, "compare_url": self.lifecycle_url("compare", obj.pk, other.pk)}
                    for other in others
                ],
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # Publish, new version, archive -----------------------------------------------------------
    def _confirm_or_run(self, request, object_id, step: Step):
        obj = self.lifecycle_object(request, object_id, step.action)
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        if request.method == "POST" and "confirm" in request.POST:
            try:
                # The workflow the step leaves: the same one, or (new version) the new draft.
                result = step.service(workflow=obj, user=request.user)
            except lifecycle.LintRefused as exc:
                self.message_user(
                    request,
                    _("%(workflow)s was not published; fix these errors first: %(list)s")
                    % {"workflow": obj, "list": " ".join(f.message for f in exc.findings)},
                    messages.ERROR,
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, step.done % {"workflow": result}, messages.SUCCESS)
                change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[result.pk])
            return HttpResponseRedirect(change_url)
        findings = lint_workflow(obj) if step.action == Action.PUBLISH else []
        context = self.lifecycle_context(
            request,
            obj,
            step.title % {"workflow": obj},
            step=step.name,
            findings=findings,
            errors=[f for f in findings if f.level == ERROR],
            warnings=[f for f in findings if f.level == WARNING],
        )
        return TemplateResponse(request, f"{TEMPLATES}confirm.html", context)

    def publish_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, STEPS["publish"])

    def new_version_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, STEPS["new_version"])

    def archive_view(self, request, object_id):
        return self._confirm_or_run(request, object_id, STEPS["archive"])

    # Dry run and compare ---------------------------------------------------------------------
    def dry_run_view(self, request, object_id):
        obj = self.lifecycle_object(request, object_id)
        tasks = self._visible(request, TaskDefinition).filter(workflow=obj).order_by("position", "id")
        tickets = self._visible(request, TicketDefinition).filter(workflow=obj).order_by("slug", "version")
        data = request.POST if request.method == "POST" else None
        form = DryRunForm(data, workflow=obj, tasks=list(tasks), tickets=list(tickets))
        if data is None and "values" in request.GET:
            # A link that carries sample values (a counterexample, say) fills the form in.
            initial, problems = initial_from_link(request.GET["values"], form.fields)
            form.initial.update(initial)
            for problem in problems:
                self.message_user(request, problem, messages.WARNING)
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

    def form_preview_view(self, request):
        """A field list's problems and generated JSON Schema, for the form builder's preview.
        Any creator may ask (the list is the one they are typing); nothing is read or saved."""
        workflow_policy.require(request.user, Action.VIEW)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        limit = form_preview_max_bytes()
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            refusal = _("The form is larger than %(limit)d bytes: the preview is not drawn.") % {"limit": limit}
            return JsonResponse({"errors": [refusal], "schema": None}, status=413)
        try:
            body = safe_json_loads(request.body or b"null")
        except UploadRefused as exc:
            return JsonResponse({"errors": [exc.message], "schema": None}, status=400)
        fields = body.get("fields") if isinstance(body, dict) else None
        return JsonResponse(form_preview_data(fields), encoder=DjangoJSONEncoder)

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
