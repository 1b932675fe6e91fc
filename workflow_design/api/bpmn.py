"""BPMN 2.0 in and out of the API: `import-bpmn` (an uploaded file or the XML body) and
`<id>/bpmn/`. The import's options and permission are the bundle import's; both ask the policy."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from ticketflower.api_errors import ERROR_401, ERROR_403, ERROR_404
from ticketflower.renderers import FastJSONRenderer
from workflow_design.files import limits
from workflow_design.files.bpmn import bpmn_export, bpmn_filename
from workflow_design.files.limits import UploadRefused
from workflow_design.policy import Action
from workflow_design.services.bpmn_import import bpmn_import

BPMN_ACTIONS = {"import_bpmn": Action.IMPORT, "bpmn": Action.EXPORT}
BPMN_MEDIA_TYPE = "application/xml"


class XmlBodyParser(BaseParser):
    """The request body as bytes (`application/xml`, `text/xml`), read within the upload limit."""

    media_type = "*/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return limits.read_limited(stream)
        except UploadRefused as exc:
            raise serializers.ValidationError({"file": [exc.message]}) from None


class BpmnXmlRenderer(BaseRenderer):
    """Lets a client ask for the export with `Accept: application/xml`; the view writes the XML."""

    media_type = BPMN_MEDIA_TYPE
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class BpmnImportQuerySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False, help_text=_("1: preview only, save nothing."))
    create_missing_roles = serializers.BooleanField(
        required=False, default=False, help_text=_("1: create the roles its lanes and groups name.")
    )
    as_new_version = serializers.BooleanField(
        required=False, default=False, help_text=_("1: import as the next version of an existing workflow.")
    )
    process = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("The id of the one process to import (default: all executable)."),
    )


class BpmnActions:
    """Mixed into the workflow view set."""

    @extend_schema(
        tags=["workflows"],
        parameters=[BpmnImportQuerySerializer],
        request={"multipart/form-data": OpenApiTypes.OBJECT, BPMN_MEDIA_TYPE: OpenApiTypes.STR},
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Dry run: the report, what would be made, lint.")),
            201: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Imported.")),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Refused: nothing was saved.")),
            401: ERROR_401,
            403: ERROR_403,
        },
        description=_(
            "Import a BPMN 2.0 file (Camunda Modeler, bpmn.io; or a zip with its .form files) as draft workflows, "
            "with a fidelity report of every element; `?dry_run=1` previews."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import-bpmn",
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser, XmlBodyParser],
    )
    def import_bpmn(self, request, **kwargs):
        options = BpmnImportQuerySerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        if "file" in request.FILES:
            source = request.FILES["file"]
        elif isinstance(request.data, bytes):
            source = request.data
        else:
            raise serializers.ValidationError({"file": [_("Upload the BPMN file as `file`, or send it as XML.")]})
        values = options.validated_data
        try:
            result = bpmn_import(
                user=request.user,
                source=source,
                dry_run=values["dry_run"],
                create_missing_roles=values["create_missing_roles"],
                as_new_version=values["as_new_version"],
                process_id=values.get("process"),
            )
        except UploadRefused as exc:
            raise serializers.ValidationError({"file": [exc.message]}) from None
        if not result.ok:
            code = status.HTTP_400_BAD_REQUEST
        else:
            code = status.HTTP_200_OK if result.dry_run else status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)

    @extend_schema(
        tags=["workflows"],
        responses={
            (200, BPMN_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description=_("BPMN 2.0 XML with its diagram.")),
            401: ERROR_401,
            404: ERROR_404,
        },
        description=_("The workflow as BPMN 2.0 XML, with its diagram, for Camunda Modeler and bpmn.io."),
    )
    @action(detail=True, methods=["get"], url_path="bpmn", renderer_classes=[BpmnXmlRenderer, FastJSONRenderer])
    def bpmn(self, request, pk=None, **kwargs):
        workflow = self.get_object()
        response = HttpResponse(bpmn_export(workflow=workflow), content_type=f"{BPMN_MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{bpmn_filename(workflow)}"'
        return response
