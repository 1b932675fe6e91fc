"""The access layer for definitions: what a user may view, change or delete.

Built on django-guardian object permissions (direct foreign-key tables), always within the
user's own company, with an explicit superuser bypass. The admin's querysets and choice lists,
the REST API and the import resources all read from here; nothing else filters definitions by
company.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import QuerySet
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from workflow_design.fast.object_permission_filter import ObjectPermissionHeld
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

DESIGN_MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition)
ACTIONS = ("view", "change", "delete")

M = TypeVar("M", bound=models.Model)


def definitions_for(user, model: type[M], action: str = "view", *, workflow_id: int | None = None) -> QuerySet[M]:
    """Rows of `model` in the user's company on which they hold the object permission `<action>_<model>`.

    `workflow_id` narrows tasks or transitions to one workflow's: a few hundred rows at most,
    whose grants are then looked up row by row rather than by reading every grant the user
    holds (`ObjectPermissionHeld`).
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    one_workflow = {} if workflow_id is None else {"workflow_id": workflow_id}
    if not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    if user.is_superuser:
        return model._default_manager.filter(**one_workflow)
    if not user.is_workflow_creator:
        return model._default_manager.none()
    if user.company_id is None:  # only superusers may lack a company (a database constraint)
        return model._default_manager.none()
    permission_id = _permission_id(model, action)
    # The user's groups are already loaded (the role check above read them): naming their ids
    # spares the database two joins per query.
    group_ids = [group.pk for group in user.groups.all()]
    held = ObjectPermissionHeld(
        model, permission_id=permission_id, group_ids=group_ids, user_id=user.pk, few_rows=workflow_id is not None
    )
    # Only object permissions count (the creator role's model permissions would otherwise widen
    # the result to every company's rows), and only within the user's own company: no grant
    # can ever reach another company's row, even one given by mistake.
    return model._default_manager.filter(held, company_id=user.company_id, **one_workflow)


# Permission ids never change while the process runs, except when a database is created or
# flushed (tests): `post_migrate` follows both and empties the cache. Django keeps its content
# types the same way.
_permission_ids: dict[tuple[str, str], int] = {}


def _permission_id(model: type[models.Model], action: str) -> int:
    key = (model._meta.app_label, f"{action}_{model._meta.model_name}")
    permission_id = _permission_ids.get(key)
    if permission_id is None:
        permission_id = Permission.objects.get(content_type__app_label=key[0], codename=key[1]).pk
        _permission_ids[key] = permission_id
    return permission_id


@receiver(post_migrate)
def _forget_permission_ids(**kwargs) -> None:
    _permission_ids.clear()


def workflows_for(user, action: str = "view") -> QuerySet[WorkflowDefinition]:
    return definitions_for(user, WorkflowDefinition, action)


def tasks_for(user, action: str = "view") -> QuerySet[TaskDefinition]:
    return definitions_for(user, TaskDefinition, action)


def transitions_for(user, action: str = "view") -> QuerySet[WorkflowTransition]:
    return definitions_for(user, WorkflowTransition, action)


def tickets_for(user, action: str = "view") -> QuerySet[TicketDefinition]:
    return definitions_for(user, TicketDefinition, action)


def user_may(user, action: str, obj: models.Model) -> bool:
    """Whether `user` holds `<action>` on this one object (one query)."""
    return definitions_for(user, type(obj), action).filter(pk=obj.pk).exists()


def audit_entries_of(obj: models.Model) -> QuerySet:
    """The audit trail of one object the caller has already been allowed to see."""
    from django.contrib.contenttypes.models import ContentType

    from workflow_design.models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def audit_entries_of_workflow(workflow) -> QuerySet:
    """The audit trail of a workflow the caller may see, with its tasks' and transitions' entries
    (a workflow page's save records what changed on each row)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from workflow_design.models import AuditEntry, TaskDefinition, WorkflowTransition

    of_rows = Q(content_type=ContentType.objects.get_for_model(workflow), object_id=workflow.pk)
    for model in (TaskDefinition, WorkflowTransition):
        rows = model._default_manager.filter(workflow=workflow).values("pk")
        of_rows |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=rows)
    return AuditEntry.objects.filter(of_rows).select_related("actor", "content_type")


def audit_entries_for(user) -> QuerySet:
    """The company-wide audit trail (deleted definitions included): company admins and superusers."""
    from workflow_design.models import AuditEntry

    entries = AuditEntry.objects.select_related("actor", "content_type")
    if not user.is_authenticated or not user.is_active:
        return entries.none()
    if user.is_superuser:
        return entries
    if user.is_company_admin and user.company_id is not None:
        return entries.filter(company_id=user.company_id)
    return entries.none()
