"""The bundle contract of the API: the published bundle schema and the validation of a bundle."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.api_errors import ERROR_400, ERROR_401, ERROR_403
from workflow_design.api.serializers import BundleImportQuerySerializer
from workflow_design.files.bundle_schema import bundle_json_schema
from workflow_design.services.bundle_validation import bundle_validate

SCHEMA_MEDIA_TYPE = "application/schema+json"


class BundleSchemaView(APIView):
    """The JSON Schema of a workflow bundle; public, so a client can check a bundle before it logs in."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["bundles"],
        auth=[],  # public: the schema says so (no 401 to describe)
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=_("The bundle's JSON Schema."))},
        description=_("The JSON Schema (draft 2020-12) of the workflow bundle this server reads."),
    )
    def get(self, request):
        return HttpResponse(json.dumps(bundle_json_schema()), content_type=SCHEMA_MEDIA_TYPE)


class PatchOperationSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["add", "remove", "replace"])
    path = serializers.CharField(help_text=_("JSON Pointer (RFC 6901) into the submitted bundle."))
    value = serializers.JSONField(required=False)


class BundleFindingSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["error", "warning"])
    source = serializers.ChoiceField(choices=["import", "lint"])
    code = serializers.CharField(help_text=_("Stable: clients match on it."))
    message = serializers.CharField()
    pointer = serializers.CharField(help_text=_("JSON Pointer (RFC 6901) into the submitted bundle."))
    hint = serializers.CharField()
    patch = PatchOperationSerializer(
        many=True, required=False, help_text=_("A JSON Patch (RFC 6902) that makes the fix, when it is mechanical.")
    )


class BundleValidationSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text=_("True when nothing is an error (warnings allowed)."))
    saved = serializers.BooleanField(help_text=_("Always false: a validation saves nothing."))
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    findings = BundleFindingSerializer(many=True)
    workflow = serializers.DictField(allow_null=True)
    would_create = serializers.DictField(allow_null=True)
    missing_roles = serializers.ListField(child=serializers.CharField())


VALIDATE_BUNDLE_SCHEMA = extend_schema(
    tags=["workflows"],
    parameters=[BundleImportQuerySerializer],
    request={"application/json": OpenApiTypes.OBJECT},
    responses={200: BundleValidationSerializer, 400: ERROR_400, 401: ERROR_401, 403: ERROR_403},
    description=_(
        "Everything an import of the bundle and the linter of its workflow would say, at once, each finding "
        "with a JSON Pointer into the bundle, a code, a hint and, for a mechanical fix, a JSON Patch. Saves nothing."
    ),
)


def validate_bundle_response(user, document, options: dict[str, Any]) -> Response:
    """Everything the import and the linter say about `document`, nothing saved."""
    validation = bundle_validate(
        user=user,
        document=document,
        create_missing_roles=options.get("create_missing_roles", False),
        company=options.get("company"),
    )
    return Response(validation.as_dict())
