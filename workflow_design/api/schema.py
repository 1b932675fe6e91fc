"""The OpenAPI description of the definition viewsets: tags, path parameters and every error."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from ticketflower.api_errors import ERROR_400, ERROR_401, ERROR_403, ERROR_404, ERROR_409

# The answers of any change to a definition: refused input, role, visibility and state.
WRITE_ERRORS = {400: ERROR_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409}


def crud_schema(tag: str, serializer, *, nested: bool = False, create_request=None):
    """The documented responses of one definition viewset, errors included."""
    path = (
        [OpenApiParameter("workflow_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Workflow id.")]
        if nested
        else []
    )
    return extend_schema_view(
        list=extend_schema(
            tags=[tag],
            parameters=path,
            responses={
                200: serializer(many=True),
                400: ERROR_400,
                401: ERROR_401,
                **({404: ERROR_404} if nested else {}),
            },
        ),
        retrieve=extend_schema(
            tags=[tag], parameters=path, responses={200: serializer, 401: ERROR_401, 404: ERROR_404}
        ),
        create=extend_schema(
            tags=[tag],
            parameters=path,
            request=create_request or serializer,
            responses={201: serializer, **WRITE_ERRORS},
        ),
        update=extend_schema(tags=[tag], parameters=path, responses={200: serializer, **WRITE_ERRORS}),
        partial_update=extend_schema(tags=[tag], parameters=path, responses={200: serializer, **WRITE_ERRORS}),
        destroy=extend_schema(
            tags=[tag],
            parameters=path,
            responses={204: OpenApiResponse(description=_("Deleted.")), **WRITE_ERRORS},
        ),
    )


def workflow_read_schema(ok, description, *, errors=None, **extra):
    """The OpenAPI description of a workflow action that changes nothing: its answer, the errors
    of a workflow the user may not see (404) or an unknown user (401), and any `errors` more."""
    responses = {200: ok, 401: ERROR_401, 404: ERROR_404, **(errors or {})}
    return extend_schema(tags=["workflows"], responses=responses, description=description, **extra)
