"""Tasks and transitions: flat (/tasks/, /transitions/) and under their workflow
(/workflows/<workflow_pk>/tasks/, /workflows/<workflow_pk>/transitions/)."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS

from workflow_design.api.base import DefinitionViewSet
from workflow_design.api.filters import TaskFilter, TransitionFilter
from workflow_design.api.schema import crud_schema
from workflow_design.api.serializers import (
    NestedTaskSerializer,
    NestedTransitionSerializer,
    TaskSerializer,
    TransitionSerializer,
)
from workflow_design.policy import Action, task_policy, transition_policy, workflow_policy


class PartViewSet(DefinitionViewSet):
    """A part is added to a workflow: the policy decides whether this user may add to that one."""

    def create_via_service(self, data):
        workflow = data.pop("workflow")
        self.policy.require_add_to(self.request.user, workflow)
        return self.writes.create(
            user=self.request.user, workflow=workflow, expected_revision=self.expected_revision(data), **data
        )


@crud_schema("tasks", TaskSerializer)
class TaskViewSet(PartViewSet):
    """Task definitions; each returns the JSON Schemas of its input and output forms."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    policy = task_policy


@crud_schema("transitions", TransitionSerializer)
class TransitionViewSet(PartViewSet):
    """Transitions: empty from_task starts, empty to_task ends; conditions are CEL."""

    serializer_class = TransitionSerializer
    filterset_class = TransitionFilter
    policy = transition_policy

    def get_queryset(self):
        rows = super().get_queryset()
        # A list's page reads them through `page_rows`, so that its count need not join the tasks.
        return rows if self.action == "list" else self.page_rows(rows)

    @staticmethod
    def page_rows(rows):
        # The slugs of the tasks at both ends, read with the rows (`TransitionSerializer`).
        return rows.annotate(from_task_slug=F("from_task__slug"), to_task_slug=F("to_task__slug"))


class NestedMixin:
    """/workflows/<workflow_pk>/…: the parent workflow must be visible (else 404)."""

    def parent(self):
        if not hasattr(self, "_parent"):
            visible = workflow_policy.instances_user_has_permission_for(self.request.user, Action.VIEW)
            if self.request.method in SAFE_METHODS:
                # A read uses only the workflow's id; a write checks and changes the whole row.
                visible = visible.only("pk")
            self._parent = get_object_or_404(visible, pk=self.kwargs["workflow_pk"])
        return self._parent

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.parent()  # 404 for a hidden workflow before the body is even read

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request kwargs
            return self.serializer_class.Meta.model.objects.none()
        return super().get_queryset()

    def row_scope(self) -> dict:
        return {"workflow_id": self.parent().pk}

    def create_via_service(self, data):
        data["workflow"] = self.parent()
        return super().create_via_service(data)


@crud_schema("tasks", NestedTaskSerializer, nested=True)
class WorkflowTaskViewSet(NestedMixin, TaskViewSet):
    """The tasks of one workflow."""

    serializer_class = NestedTaskSerializer


@crud_schema("transitions", NestedTransitionSerializer, nested=True)
class WorkflowTransitionViewSet(NestedMixin, TransitionViewSet):
    """The transitions of one workflow."""

    serializer_class = NestedTransitionSerializer
