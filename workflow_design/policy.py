"""Who may do what with definitions: one permission policy per model, asked by every adapter.

The admin's `has_*` hooks, the API's permission classes, the file resources, the bundle import
and the management commands all ask these classes and decide nothing themselves (the way
Wagtail's permission policies keep its admin, API and code in step). The rules, in one table,
are in docs/permissions.md; `tests/policy/` checks that table on every path.

A rule has three parts, each asked in this order:

1. the **designer role**: an active superuser, or an active user with the `workflow_creator`
   system role. Staff status is not part of it: the admin site asks for it before anything of
   ours runs, the API does not.
2. the **model permission** of the action (`publish_workflowdefinition`, `import_…`), which the
   `workflow_creator` role carries and a superuser has implicitly;
3. the **object permission** on the row (django-guardian, read through `access`), which only
   the row's own company's creators ever hold: another company's row is not seen at all.

Whether a definition's *state* allows a write (a published workflow is read-only) is not a
permission: the services refuse it, with one message, whoever asks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design import access
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

M = TypeVar("M", bound=models.Model)


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    NEW_VERSION = "new_version"
    IMPORT = "import"
    EXPORT = "export"
    GRANT = "grant"


# The object permission (guardian, per row) each action needs on an existing row.
OBJECT_PERMISSION = {
    Action.VIEW: "view",
    Action.CHANGE: "change",
    Action.DELETE: "delete",
    Action.PUBLISH: "change",
    Action.ARCHIVE: "change",
    Action.NEW_VERSION: "change",
    Action.EXPORT: "view",
    Action.GRANT: "view",
}

# Adding or changing a task or transition of a workflow one may only view.
PART_REFUSAL = gettext_lazy("You may view this workflow but not change it.")

# Refusals, worded once. An object the user may not see is not refused: it is not found.
DENIED = {
    Action.VIEW: gettext_lazy("You may not view workflow definitions."),
    Action.ADD: gettext_lazy("Only workflow creators may create definitions."),
    Action.CHANGE: gettext_lazy("You may view this definition but not change it."),
    Action.DELETE: gettext_lazy("You may view this definition but not delete it."),
    Action.PUBLISH: gettext_lazy("You may not publish workflows."),
    Action.ARCHIVE: gettext_lazy("You may not archive workflows."),
    Action.NEW_VERSION: gettext_lazy("You may not create new versions of this workflow."),
    Action.IMPORT: gettext_lazy("You do not have permission to import definitions."),
    Action.EXPORT: gettext_lazy("You do not have permission to export definitions."),
    Action.GRANT: gettext_lazy("Only company admins and platform superusers manage object permissions."),
}


def is_designer(user) -> bool:
    """An active superuser, or an active user with the workflow_creator system role."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.is_workflow_creator)
    )


class DefinitionPolicy(Generic[M]):
    """The rules for one definition model. Subclasses name the model and the actions it has."""

    model: type[M]
    # Model permission codename per action ("{model}" is the model name); an action missing
    # here does not exist for this model.
    model_permissions: dict[Action, str] = {
        Action.VIEW: "view_{model}",
        Action.ADD: "add_{model}",
        Action.CHANGE: "change_{model}",
        Action.DELETE: "delete_{model}",
        Action.IMPORT: "import_{model}",
        Action.EXPORT: "export_{model}",
        Action.GRANT: "view_{model}",
    }

    # Model-wide -------------------------------------------------------------------------

    def actions(self) -> tuple[Action, ...]:
        return tuple(self.model_permissions)

    def permission_codename(self, action: Action) -> str:
        return self.model_permissions[Action(action)].format(model=self.model._meta.model_name)

    def user_has_permission(self, user, action: Action | str) -> bool:
        """May `user` do `action` on some row of this model (the role and the model permission)?"""
        action = Action(action)
        if action not in self.model_permissions or not is_designer(user):
            return False
        if action is Action.GRANT and not (user.is_superuser or user.is_company_admin):
            return False
        if action is Action.IMPORT and not user.has_perm(self._perm(Action.ADD)):
            return False
        return user.has_perm(self._perm(action))

    # One row ----------------------------------------------------------------------------

    def user_has_permission_for_instance(self, user, action: Action | str, obj: M) -> bool:
        """May `user` do `action` on this row? One query (the object permission) when the role allows."""
        action = Action(action)
        if not self.user_has_permission(user, action):
            return False
        needed = OBJECT_PERMISSION.get(action)
        if needed is None:
            return True
        return access.user_may(user, needed, obj)

    def instances_user_has_permission_for(
        self, user, action: Action | str, *, workflow_id: int | None = None
    ) -> QuerySet[M]:
        """The rows on which `user` may do `action`: the access layer's company-scoped rows
        (of a task or transition model, `workflow_id` keeps that workflow's alone)."""
        action = Action(action)
        if not self.user_has_permission(user, action):
            return self.model._default_manager.none()
        return access.definitions_for(user, self.model, OBJECT_PERMISSION.get(action, "view"), workflow_id=workflow_id)

    def require(self, user, action: Action | str, obj: M | None = None) -> None:
        """Raise `PermissionDenied` with the action's one message unless the user may do it."""
        action = Action(action)
        allowed = (
            self.user_has_permission(user, action)
            if obj is None
            else self.user_has_permission_for_instance(user, action, obj)
        )
        if not allowed:
            raise PermissionDenied(str(DENIED[action]))

    # New rows ----------------------------------------------------------------------------

    def company_for_new(self, user, requested=None):
        """The company a new definition of `user` goes to.

        A superuser names one (or gets their own, if they have one); anyone else always gets
        their own company, and naming another is refused without saying whether it exists.
        """
        if user.is_superuser:
            company = requested or user.company
            if company is None:
                raise ValidationError(
                    {"company": _("Choose the company the new definition belongs to.")}, code="company_required"
                )
            return company
        if requested is not None and requested.pk != user.company_id:
            raise PermissionDenied(_("You can create definitions only in your own company."))
        return user.company

    def _perm(self, action: Action) -> str:
        return f"{self.model._meta.app_label}.{self.permission_codename(action)}"


class WorkflowPolicy(DefinitionPolicy[WorkflowDefinition]):
    model = WorkflowDefinition
    model_permissions = {
        **DefinitionPolicy.model_permissions,
        Action.PUBLISH: "publish_{model}",
        Action.ARCHIVE: "publish_{model}",
        Action.NEW_VERSION: "add_{model}",
    }


# Actions on a stored task or transition that change its workflow: they also need `change` on it.
WORKFLOW_CHANGING = (Action.CHANGE, Action.DELETE)


class PartPolicy(DefinitionPolicy[M]):
    """Tasks and transitions are parts of their workflow and follow its object permissions:
    adding, changing or deleting one changes the workflow, so it also needs `change` on the
    workflow (a workflow restricted to view-only keeps its parts view-only on every path)."""

    def user_has_permission_for_instance(self, user, action: Action | str, obj: M) -> bool:
        if not super().user_has_permission_for_instance(user, action, obj):
            return False
        if Action(action) not in WORKFLOW_CHANGING:
            return True
        return access.definitions_for(user, WorkflowDefinition, "change").filter(pk=obj.workflow_id).exists()

    def instances_user_has_permission_for(
        self, user, action: Action | str, *, workflow_id: int | None = None
    ) -> QuerySet[M]:
        rows = super().instances_user_has_permission_for(user, action, workflow_id=workflow_id)
        if Action(action) not in WORKFLOW_CHANGING or user.is_superuser:
            return rows
        return rows.filter(workflow__in=access.definitions_for(user, WorkflowDefinition, "change"))

    def user_may_add_to(self, user, workflow: WorkflowDefinition) -> bool:
        return self.user_has_permission(user, Action.ADD) and access.user_may(user, "change", workflow)

    def workflows_user_may_change(self, user) -> QuerySet[WorkflowDefinition]:
        """The workflows whose parts `user` may add or change (a file's rows, checked at once)."""
        if not self.user_has_permission(user, Action.ADD):
            return WorkflowDefinition._default_manager.none()
        return access.definitions_for(user, WorkflowDefinition, "change")

    def require_add_to(self, user, workflow: WorkflowDefinition) -> None:
        if not self.user_may_add_to(user, workflow):
            raise PermissionDenied(str(PART_REFUSAL))


class TaskPolicy(PartPolicy[TaskDefinition]):
    model = TaskDefinition


class TransitionPolicy(PartPolicy[WorkflowTransition]):
    model = WorkflowTransition


class TicketPolicy(DefinitionPolicy[TicketDefinition]):
    model = TicketDefinition


workflow_policy = WorkflowPolicy()
task_policy = TaskPolicy()
transition_policy = TransitionPolicy()
ticket_policy = TicketPolicy()

POLICIES: dict[type[models.Model], DefinitionPolicy] = {
    WorkflowDefinition: workflow_policy,
    TaskDefinition: task_policy,
    WorkflowTransition: transition_policy,
    TicketDefinition: ticket_policy,
}


def policy_for(model: type[models.Model]) -> DefinitionPolicy:
    return POLICIES[model]
