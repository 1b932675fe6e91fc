"""Routes of the workflow design API, under /api/workflow/.

A workflow's tasks and transitions are also routed under it (/workflows/<workflow_pk>/tasks/,
names `workflow-task-list` and `workflow-task-detail`, likewise for transitions) by
drf-nested-routers.
"""

from rest_framework.routers import DefaultRouter
from rest_framework_nested.routers import NestedSimpleRouter

from workflow_design.api.parts import TaskViewSet, TransitionViewSet, WorkflowTaskViewSet, WorkflowTransitionViewSet
from workflow_design.api.tickets import TicketViewSet
from workflow_design.api.workflows import WorkflowViewSet

router = DefaultRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("tasks", TaskViewSet, basename="task")
router.register("transitions", TransitionViewSet, basename="transition")
router.register("tickets", TicketViewSet, basename="ticket")

workflow_router = NestedSimpleRouter(router, "workflows", lookup="workflow")
workflow_router.register("tasks", WorkflowTaskViewSet, basename="workflow-task")
workflow_router.register("transitions", WorkflowTransitionViewSet, basename="workflow-transition")

urlpatterns = [*router.urls, *workflow_router.urls]
