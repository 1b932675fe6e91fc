"""Workflow definitions of your company, with their lifecycle, lint and bundle actions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ticketflower.api_errors import ERROR_401, ERROR_403, ERROR_404
from workflow_design import services
from workflow_design.api.base import DefinitionViewSet
from workflow_design.api.bpmn import BPMN_ACTIONS, BpmnActions
from workflow_design.api.bundles import VALIDATE_BUNDLE_SCHEMA, validate_bundle_response
from workflow_design.api.filters import WorkflowFilter
from workflow_design.api.schema import WRITE_ERRORS, crud_schema, workflow_read_schema
from workflow_design.api.serializers import (
    BundleImportQuerySerializer,
    BundleImportResultSerializer,
    BundleUploadSerializer,
    LintReportSerializer,
    WorkflowCreateSerializer,
    WorkflowSerializer,
)
from workflow_design.api.workflow_reads import READ_ACTIONS, WorkflowReadActions
from workflow_design.files.bundle_reader import UploadRefused, read_bundle
from workflow_design.files.bundles import bundle_export
from workflow_design.policy import Action, workflow_policy
from workflow_design.services.bundle_import import bundle_import
from workflow_design.services.bundle_validation import workflow_lint_pointed


def _lint_report(workflow):
    findings = [finding.as_dict() for finding in workflow_lint_pointed(workflow)]
    errors = sum(1 for f in findings if f["level"] == "error")
    return {
        "workflow": workflow.pk,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": findings,
    }


def _read_bundle(source, field: str):
    """The bundle's JSON object, read within the product's file limits; refused on `field`."""
    try:
        return read_bundle(source)
    except UploadRefused as exc:
        raise serializers.ValidationError({field: [exc.message]})


@crud_schema("workflows", WorkflowSerializer, create_request=WorkflowCreateSerializer)
class WorkflowViewSet(WorkflowReadActions, BpmnActions, DefinitionViewSet):
    """Workflow definitions of your company, with their lifecycle actions."""

    serializer_class = WorkflowSerializer
    create_serializer_class = WorkflowCreateSerializer
    filterset_class = WorkflowFilter
    policy = workflow_policy
    policy_actions = {
        **DefinitionViewSet.policy_actions,
        "publish": Action.PUBLISH,
        "new_version": Action.NEW_VERSION,
        "lint": Action.VIEW,
        "bundle": Action.EXPORT,
        "import_bundle": Action.IMPORT,
        "validate_bundle": Action.IMPORT,
        **READ_ACTIONS,
        **BPMN_ACTIONS,
    }

    @extend_schema(
        tags=["workflows"],
        request=None,
        responses={200: WorkflowSerializer, **WRITE_ERRORS},
        description=_("Publish a draft: refused (400) while the linter reports errors; 409 if it is not a draft."),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None, **kwargs):
        published = services.workflow_publish(workflow=self.get_object(), user=request.user)
        return Response(WorkflowSerializer(published, context=self.get_serializer_context()).data)

    @extend_schema(
        tags=["workflows"],
        request=None,
        responses={201: WorkflowSerializer, **WRITE_ERRORS},
        description=_("Create the next version (a draft deep copy) of a published workflow."),
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None, **kwargs):
        created = services.workflow_new_version(workflow=self.get_object(), user=request.user)
        body = WorkflowSerializer(created, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @workflow_read_schema(
        LintReportSerializer, _("The linter's findings: level, code, message and the object at fault.")
    )
    @action(detail=True, methods=["get"])
    def lint(self, request, pk=None, **kwargs):
        return Response(_lint_report(self.get_object()))

    @extend_schema(
        tags=["workflows"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=_("The bundle document.")),
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
        },
        description=_("The workflow as a bundle document (tasks, transitions, ticket types, roles; by slug)."),
    )
    @action(detail=True, methods=["get"])
    def bundle(self, request, pk=None, **kwargs):
        return Response(bundle_export(workflow=self.get_object()))

    @extend_schema(
        tags=["workflows"],
        parameters=[BundleImportQuerySerializer],
        request={"application/json": OpenApiTypes.OBJECT, "multipart/form-data": BundleUploadSerializer},
        responses={
            200: OpenApiResponse(BundleImportResultSerializer, description=_("Dry run: what the import would do.")),
            201: OpenApiResponse(BundleImportResultSerializer, description=_("Imported.")),
            400: OpenApiResponse(BundleImportResultSerializer, description=_("Refused: nothing was saved.")),
            401: ERROR_401,
            403: ERROR_403,
        },
        description=_("Import a bundle (JSON body or an uploaded file) into your company; `?dry_run=1` previews."),
    )
    @action(detail=False, methods=["post"], url_path="import-bundle", filterset_class=None)
    def import_bundle(self, request, **kwargs):
        options = BundleImportQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        options.is_valid(raise_exception=True)
        if "file" in request.FILES:
            document = _read_bundle(request.FILES["file"], "file")
        elif hasattr(request.data, "dict"):  # a form post without a file
            raise serializers.ValidationError({"file": [_("Send the bundle as JSON or upload it as `file`.")]})
        else:
            document = _read_bundle(request.data, api_settings.NON_FIELD_ERRORS_KEY)
        result = bundle_import(user=request.user, document=document, **options.validated_data)
        if not result.ok:
            code = status.HTTP_400_BAD_REQUEST
        elif result.dry_run:
            code = status.HTTP_200_OK
        else:
            code = status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)

    @VALIDATE_BUNDLE_SCHEMA
    @action(detail=False, methods=["post"], url_path="validate-bundle", filterset_class=None)
    def validate_bundle(self, request, **kwargs):
        options = BundleImportQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        options.is_valid(raise_exception=True)
        document = _read_bundle(request.data, api_settings.NON_FIELD_ERRORS_KEY)
        return validate_bundle_response(request.user, document, options.validated_data)
