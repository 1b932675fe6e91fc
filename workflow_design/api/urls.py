"""Routes of the workflow design API, under /api/workflow/.

A workflow's tasks and transitions are also routed under it (/workflows/<workflow_pk>/tasks/,
names `workflow-task-list` and `workflow-task-detail`, likewise for transitions) by
drf-nested-routers.

Every route also answers to DRF's default name, made from the model's name
(`workflowdefinition-list`, `taskdefinition-detail`, `workflowtransition-list`,
`ticketdefinition-detail`, `workflowdefinition-publish`…), which clients of the original API
look routes up by. Those names reverse to the same addresses; they are left out of the OpenAPI
schema, which lists each address once.
"""

from rest_framework.routers import DefaultRouter, SimpleRouter
from rest_framework_nested.routers import NestedSimpleRouter

from workflow_design.api.parts import TaskViewSet, TransitionViewSet, WorkflowTaskViewSet, WorkflowTransitionViewSet
from workflow_design.api.tickets import TicketViewSet
from workflow_design.api.workflows import WorkflowViewSet

# (address, viewset, today's name); the default name is the viewset's model name.
ROUTES = [
    ("workflows", WorkflowViewSet, "workflow"),
    ("tasks", TaskViewSet, "task"),
    ("transitions", TransitionViewSet, "transition"),
    ("tickets", TicketViewSet, "ticket"),
]

router = DefaultRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

workflow_router = NestedSimpleRouter(router, "workflows", lookup="workflow")
workflow_router.register("tasks", WorkflowTaskViewSet, basename="workflow-task")
workflow_router.register("transitions", WorkflowTransitionViewSet, basename="workflow-transition")


def _unlisted(viewset):
    """The viewset as a route that the OpenAPI schema does not list (its address is listed once)."""
    return type(viewset.__name__, (viewset,), {"schema": None, "__doc__": viewset.__doc__})


# Registered after today's routes: the same addresses match those first; these only add names.
default_name_router = SimpleRouter()
for prefix, viewset, _basename in ROUTES:
    default_name_router.register(
        prefix, _unlisted(viewset), basename=viewset.serializer_class.Meta.model._meta.model_name
    )

urlpatterns = [*router.urls, *workflow_router.urls, *default_name_router.urls]
