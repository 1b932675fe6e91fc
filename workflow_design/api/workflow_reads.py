"""Workflow actions that read and change nothing: the dry run, the compare of two versions and
the Mermaid drawing. Same permission as the admin's pages for them: viewing the workflow (and,
for a compare, the other one); a workflow the user may not see is a 404."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from jsonschema import Draft202012Validator
from rest_framework import renderers, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ticketflower.api_errors import ERROR_400
from ticketflower.renderers import FastJSONRenderer
from workflow_design.api.schema import workflow_read_schema
from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused
from workflow_design.models import WorkflowDefinition
from workflow_design.policy import Action
from workflow_design.rules.compare import workflow_compare
from workflow_design.rules.dry_run import workflow_dry_run
from workflow_design.rules.field_schemas import field_to_json_schema, fields_by_name
from workflow_design.rules.mermaid import workflow_mermaid

READ_ACTIONS = {"dry_run": Action.VIEW, "compare": Action.VIEW, "mermaid": Action.VIEW}


# Dry run ----------------------------------------------------------------------------------------


class DryRunRequestSerializer(serializers.Serializer):
    ticket = serializers.DictField(required=False, default=dict, help_text=_("Ticket field values, by field name."))
    workflow = serializers.DictField(required=False, default=dict, help_text=_("Workflow field values, by field name."))
    outputs = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "By task slug: the output its worker gives (field values by name), or a list of outputs, "
            "one per visit (the last repeats), to try a loop that exits on a later visit."
        ),
    )
    max_steps = serializers.IntegerField(required=False, default=50, min_value=1, help_text=_("Step limit."))

    def validate_max_steps(self, value: int) -> int:
        if value > limits.dry_run_max_steps():
            raise serializers.ValidationError(
                gettext("At most %(max)d steps.") % {"max": limits.dry_run_max_steps()}, code="max_value"
            )
        return value

    def validate(self, attrs):
        try:
            limits.ensure_json_value_depth([attrs["ticket"], attrs["workflow"], attrs["outputs"]])
        except UploadRefused as exc:
            raise serializers.ValidationError(exc.message)
        workflow: WorkflowDefinition = self.context["workflow"]
        ticket_fields: dict[str, dict] = {}
        for ticket in workflow.ticket_definitions.all():
            ticket_fields = {**fields_by_name(ticket.fields), **ticket_fields}
        outputs = {task.slug: fields_by_name(task.output_schema) for task in workflow.tasks.all()}
        errors: dict[str, list[str]] = {}
        _check_values(errors, "ticket", attrs["ticket"], ticket_fields)
        _check_values(errors, "workflow", attrs["workflow"], fields_by_name(workflow.fields))
        for slug, given in attrs["outputs"].items():
            where = f"outputs.{slug}"
            if slug not in outputs:
                errors.setdefault("outputs", []).append(
                    _("%(where)s: the workflow has no such task.") % {"where": where}
                )
                continue
            visits = given if isinstance(given, list) else [given]
            for number, values in enumerate(visits, start=1):
                place = f"{where}[{number - 1}]" if isinstance(given, list) else where
                _check_values(errors, "outputs", values, outputs[slug], place)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _check_values(errors: dict, key: str, values: Any, fields: dict[str, dict], where: str | None = None) -> None:
    """Each value must be a value of its field (by the field's JSON Schema); unknown names are refused."""
    where = where or key
    if not isinstance(values, dict):
        errors.setdefault(key, []).append(gettext("%(where)s: an object of field values, by name.") % {"where": where})
        return
    for name, value in values.items():
        if name not in fields:
            errors.setdefault(key, []).append(
                gettext("%(where)s.%(name)s: no such field.") % {"where": where, "name": name}
            )
        elif value is not None and value != "":
            validator = Draft202012Validator(
                field_to_json_schema(fields[name]), format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            errors.setdefault(key, []).extend(
                f"{where}.{name}: {problem.message}" for problem in validator.iter_errors(value)
            )
    if not errors.get(key):
        errors.pop(key, None)


class ConditionCheckSerializer(serializers.Serializer):
    transition_slug = serializers.CharField()
    target = serializers.CharField(help_text=_("The task title, or end."))
    priority = serializers.IntegerField()
    condition = serializers.CharField(allow_blank=True)
    result = serializers.BooleanField(allow_null=True, help_text=_("null: could not be evaluated (not taken)."))
    reason = serializers.CharField()


class DryRunStepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    task_slug = serializers.CharField(allow_null=True, help_text=_("null: the start (ticket creation)."))
    task_title = serializers.CharField()
    output = serializers.DictField()
    checks = ConditionCheckSerializer(many=True)
    taken = serializers.CharField(allow_null=True, help_text=_("Slug of the transition taken."))
    next_task_slug = serializers.CharField(allow_null=True)
    next_title = serializers.CharField(allow_blank=True)


class DryRunResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["ended", "stuck", "loop", "stopped"])
    message = serializers.CharField()
    path = serializers.ListField(child=serializers.CharField(), help_text=_("Task slugs in visiting order."))
    steps = DryRunStepSerializer(many=True)


# Compare ----------------------------------------------------------------------------------------


class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed"])
    object_type = serializers.CharField(help_text=_("workflow, task, transition or field"))
    slug = serializers.CharField()
    message = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class CompareSerializer(serializers.Serializer):
    old = VersionRefSerializer()
    new = VersionRefSerializer()
    changes = ChangeSerializer(many=True)


def _version(workflow: WorkflowDefinition) -> dict[str, Any]:
    return {"id": workflow.pk, "slug": workflow.slug, "version": workflow.version, "status": workflow.status}


# Mermaid ----------------------------------------------------------------------------------------


class MermaidRenderer(renderers.BaseRenderer):
    """Mermaid text as it is; an error's body (an object) as JSON text."""

    media_type = "text/plain"
    format = "mermaid"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, str) else json.dumps(data)


class WorkflowReadActions:
    """The dry run, compare and Mermaid actions of the workflow viewset."""

    @workflow_read_schema(
        DryRunResultSerializer,
        _(
            "Walk the workflow with sample values, as the runtime would: the path taken, and at each "
            "step every condition tried with its result and why. Saves nothing."
        ),
        request=DryRunRequestSerializer,
        errors={400: ERROR_400},
    )
    @action(detail=True, methods=["post"], url_path="dry-run", filterset_class=None)
    def dry_run(self, request, pk=None, **kwargs):
        workflow = self.get_object()
        sample = DryRunRequestSerializer(data=request.data, context={"workflow": workflow})
        sample.is_valid(raise_exception=True)
        values = sample.validated_data
        result = workflow_dry_run(
            workflow=workflow,
            ticket_values=values["ticket"],
            workflow_values=values["workflow"],
            outputs=values["outputs"],
            max_steps=values["max_steps"],
        )
        return Response({**asdict(result), "path": result.path})

    @workflow_read_schema(
        CompareSerializer,
        _(
            "What changed between two workflows (usually two versions of one): tasks, transitions, "
            "fields and conditions, from the lower version to the higher."
        ),
        parameters=[OpenApiParameter("other_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Workflow id.")],
    )
    @action(detail=True, methods=["get"], url_path=r"compare/(?P<other_pk>[0-9]+)", filterset_class=None)
    def compare(self, request, pk=None, other_pk=None, **kwargs):
        workflow = self.get_object()
        other = self.get_queryset().filter(pk=int(other_pk)).first() if len(other_pk) <= 18 else None
        if other is None:
            raise NotFound()
        # From the lower version to the higher, as the admin's compare page.
        old, new = sorted((workflow, other), key=lambda row: (row.version, row.pk))
        changes = [change.as_dict() for change in workflow_compare(old=old, new=new)]
        return Response({"old": _version(old), "new": _version(new), "changes": changes})

    @workflow_read_schema(
        OpenApiResponse(OpenApiTypes.STR, description=_("A Mermaid flowchart (text).")),
        _(
            "The workflow as a Mermaid flowchart: tasks, start and end, and each transition with its "
            "priority and condition."
        ),
    )
    @action(detail=True, methods=["get"], renderer_classes=[MermaidRenderer, FastJSONRenderer], filterset_class=None)
    def mermaid(self, request, pk=None, **kwargs):
        return Response(workflow_mermaid(self.get_object()))
