"""django-import-export resources of the four design models, one module each.

Files name other objects by slug (never by id); `company` and `created_by` come from the
importing user. The file formats are in `files.formats`, the cell widgets in `files.cells`.
"""

from __future__ import annotations

from workflow_design.files.resources.tasks import TaskResource
from workflow_design.files.resources.tickets import TicketResource
from workflow_design.files.resources.transitions import TransitionResource
from workflow_design.files.resources.workflows import WorkflowResource
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

RESOURCES = {
    WorkflowDefinition: WorkflowResource,
    TaskDefinition: TaskResource,
    WorkflowTransition: TransitionResource,
    TicketDefinition: TicketResource,
}

__all__ = ["RESOURCES", "TaskResource", "TicketResource", "TransitionResource", "WorkflowResource"]
