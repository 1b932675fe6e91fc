"""Routes of the workflow design API, under /api/workflow/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from workflow_design.api import views as apis

router = DefaultRouter()
router.register("workflows", apis.WorkflowViewSet, basename="workflow")
router.register("tasks", apis.TaskViewSet, basename="task")
router.register("transitions", apis.TransitionViewSet, basename="transition")
router.register("tickets", apis.TicketViewSet, basename="ticket")

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    *router.urls,
    path(
        "workflows/<int:workflow_pk>/tasks/",
        apis.WorkflowTaskViewSet.as_view(LIST),
        name="workflow-task-list",
    ),
    path(
        "workflows/<int:workflow_pk>/tasks/<int:pk>/",
        apis.WorkflowTaskViewSet.as_view(DETAIL),
        name="workflow-task-detail",
    ),
    path(
        "workflows/<int:workflow_pk>/transitions/",
        apis.WorkflowTransitionViewSet.as_view(LIST),
        name="workflow-transition-list",
    ),
    path(
        "workflows/<int:workflow_pk>/transitions/<int:pk>/",
        apis.WorkflowTransitionViewSet.as_view(DETAIL),
        name="workflow-transition-detail",
    ),
]
