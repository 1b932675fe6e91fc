"""django-guardian direct foreign-key object permissions: one joinable table per model and
kind, so access filtering is a plain join instead of a cast of a generic object_pk."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from workflow_design.models.tasks import TaskDefinition
from workflow_design.models.tickets import TicketDefinition
from workflow_design.models.transitions import WorkflowTransition
from workflow_design.models.workflows import WorkflowDefinition


def _direct_tables(model: type[models.Model]) -> tuple[type[models.Model], type[models.Model]]:
    """The users' and the groups' table of one model, named as guardian looks them up
    (`<Model>UserObjectPermission`, `<Model>GroupObjectPermission`)."""
    return tuple(  # type: ignore[return-value]
        type(
            f"{model.__name__}{kind}ObjectPermission",
            (base,),
            {"__module__": __name__, "content_object": models.ForeignKey(model, on_delete=models.CASCADE)},
        )
        for kind, base in (("User", UserObjectPermissionBase), ("Group", GroupObjectPermissionBase))
    )


WorkflowDefinitionUserObjectPermission, WorkflowDefinitionGroupObjectPermission = _direct_tables(WorkflowDefinition)
TaskDefinitionUserObjectPermission, TaskDefinitionGroupObjectPermission = _direct_tables(TaskDefinition)
WorkflowTransitionUserObjectPermission, WorkflowTransitionGroupObjectPermission = _direct_tables(WorkflowTransition)
TicketDefinitionUserObjectPermission, TicketDefinitionGroupObjectPermission = _direct_tables(TicketDefinition)
