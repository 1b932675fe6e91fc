"""django-guardian direct foreign-key object permissions: one joinable table per model and
kind, so access filtering is a plain join instead of a cast of a generic object_pk."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from workflow_design.models.tasks import TaskDefinition
from workflow_design.models.tickets import TicketDefinition
from workflow_design.models.transitions import WorkflowTransition
from workflow_design.models.workflows import WorkflowDefinition


class WorkflowDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE)


class WorkflowDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE)


class TaskDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TaskDefinition, on_delete=models.CASCADE)


class TaskDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TaskDefinition, on_delete=models.CASCADE)


class WorkflowTransitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowTransition, on_delete=models.CASCADE)


class WorkflowTransitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowTransition, on_delete=models.CASCADE)


class TicketDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TicketDefinition, on_delete=models.CASCADE)


class TicketDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TicketDefinition, on_delete=models.CASCADE)
