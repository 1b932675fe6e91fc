"""The design models, one module per concern; every name is importable from here.

Imported in this order (not sorted), the models register with Django in the order they
always had, which is the order of their content types and permissions in a new database.
"""

# ruff: noqa: I001

from workflow_design.models.choices import DefinitionStatus, TaskType
from workflow_design.models.common import _empty_list, definition_company_id
from workflow_design.models.slugs import SluggedDefinition, free_slug
from workflow_design.models.workflows import WorkflowDefinition, WorkflowDefinitionManager, WorkflowDefinitionQuerySet
from workflow_design.models.tasks import TaskDefinition, TaskDefinitionManager
from workflow_design.models.transitions import WorkflowTransition, WorkflowTransitionManager
from workflow_design.models.tickets import TicketDefinition, TicketDefinitionManager
from workflow_design.models.object_permissions import (
    TaskDefinitionGroupObjectPermission,
    TaskDefinitionUserObjectPermission,
    TicketDefinitionGroupObjectPermission,
    TicketDefinitionUserObjectPermission,
    WorkflowDefinitionGroupObjectPermission,
    WorkflowDefinitionUserObjectPermission,
    WorkflowTransitionGroupObjectPermission,
    WorkflowTransitionUserObjectPermission,
)
from workflow_design.models.audit import AuditAction, AuditChannel, AuditEntry

__all__ = [
    "AuditAction",
    "AuditChannel",
    "AuditEntry",
    "DefinitionStatus",
    "SluggedDefinition",
    "TaskDefinition",
    "TaskDefinitionGroupObjectPermission",
    "TaskDefinitionManager",
    "TaskDefinitionUserObjectPermission",
    "TaskType",
    "TicketDefinition",
    "TicketDefinitionGroupObjectPermission",
    "TicketDefinitionManager",
    "TicketDefinitionUserObjectPermission",
    "WorkflowDefinition",
    "WorkflowDefinitionGroupObjectPermission",
    "WorkflowDefinitionManager",
    "WorkflowDefinitionQuerySet",
    "WorkflowDefinitionUserObjectPermission",
    "WorkflowTransition",
    "WorkflowTransitionGroupObjectPermission",
    "WorkflowTransitionManager",
    "WorkflowTransitionUserObjectPermission",
    # The historical migrations name the JSON fields' default here.
    "_empty_list",
    "definition_company_id",
    "free_slug",
]
