"""The access layer for definitions: what a user may view, change or delete.

Built on django-guardian object permissions (direct foreign-key tables), with an explicit
superuser bypass. The admin's querysets and choice lists, the REST API and the import
resources all read from here; nothing else filters definitions by company.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import QuerySet, Subquery
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from .models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

DESIGN_MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition)
ACTIONS = ("view", "change", "delete")

M = TypeVar("M", bound=models.Model)


def can_design(user) -> bool:
    """Active staff with the workflow_creator system role, or an active superuser."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or (user.is_staff and user.is_workflow_creator))
    )


def can_design_via_api(user) -> bool:
    """The API needs no staff flag: an active workflow creator (or superuser) may write."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_workflow_creator))


def definitions_for(user, model: type[M], action: str = "view") -> QuerySet[M]:
    """Rows of `model` on which `user` holds the object permission `<action>_<model>`."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    if user.is_superuser:
        return model._default_manager.all()
    if not user.is_workflow_creator:
        return model._default_manager.none()
    codename = f"{action}_{model._meta.model_name}"
    # Only object permissions count (the creator role's model permissions would otherwise widen
    # the result to every company's rows). One `pk IN (group rows UNION user rows)` over the
    # direct foreign-key tables: cheaper than guardian's OR of two subqueries that each join
    # the definitions table again.
    #
    # The permission is named by its id (a one-row subquery the database runs first), not by a
    # join through the permission and content-type tables: with the join PostgreSQL guessed a
    # handful of granted rows where there were thousands and chose its plan by that guess; with
    # the id it reads the (group, permission, object) index directly.
    permission_id = Permission.objects.filter(
        codename=codename,
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
    ).values("pk")[:1]
    granted = {"permission_id": Subquery(permission_id)}
    # The user's groups are already loaded (the role check above read them): naming their ids
    # spares the database two joins per query, a third of the access filter's time on PostgreSQL.
    group_ids = [group.pk for group in user.groups.all()]
    by_group = (
        get_group_obj_perms_model(model).objects.filter(group_id__in=group_ids, **granted).values("content_object_id")
    )
    by_user = get_user_obj_perms_model(model).objects.filter(user=user, **granted).values("content_object_id")
    return model._default_manager.filter(pk__in=by_group.union(by_user))


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


def company_for_new_definition(user, requested_company=None):
    """The company a new definition of `user` belongs to: their own unless they are a superuser."""
    if user.is_superuser and requested_company is not None:
        return requested_company
    return user.company


def audit_entries_of(obj: models.Model) -> QuerySet:
    """The audit trail of one object the caller has already been allowed to see."""
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def audit_entries_for(user) -> QuerySet:
    """The company-wide audit trail (deleted definitions included): company admins and superusers."""
    from .models import AuditEntry

    entries = AuditEntry.objects.select_related("actor", "content_type")
    if not user.is_authenticated or not user.is_active:
        return entries.none()
    if user.is_superuser:
        return entries
    if user.is_company_admin and user.company_id is not None:
        return entries.filter(company_id=user.company_id)
    return entries.none()
