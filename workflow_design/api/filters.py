"""Query filters of the definition lists (django-filter)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


STATUS_FILTER = {"choices": DefinitionStatus.choices, "help_text": _("draft, published or archived")}


class WorkflowFilter(filters.FilterSet):
    status = filters.ChoiceFilter(**STATUS_FILTER)
    slug = filters.CharFilter()
    version = IdFilter()

    class Meta:
        model = WorkflowDefinition
        fields = ["status", "slug", "version"]


class TaskFilter(filters.FilterSet):
    workflow = IdFilter(field_name="workflow_id", help_text=_("Workflow id."))
    status = filters.ChoiceFilter(**STATUS_FILTER)
    slug = filters.CharFilter()

    class Meta:
        model = TaskDefinition
        fields = ["workflow", "status", "slug"]


class TransitionFilter(TaskFilter):
    class Meta:
        model = WorkflowTransition
        fields = ["workflow", "status", "slug"]


class TicketFilter(TaskFilter):
    class Meta:
        model = TicketDefinition
        fields = ["workflow", "status", "slug"]
