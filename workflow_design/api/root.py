"""`/api/`: the index of the API, so that a client (or a person in the browsable API) starting at
the top finds every endpoint: login, the design resources, the schemas and their docs."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.api_errors import ERROR_401
from users.apis import API_AUTHENTICATION

# (key in the answer, URL name). A name the project does not route is left out of the answer.
ENDPOINTS = [
    ("login", "api-login"),
    ("token_refresh", "api-token-refresh"),
    ("logout", "api-logout"),
    ("create_company", "api-create-company"),
    ("workflows", "workflow-list"),
    ("tasks", "task-list"),
    ("transitions", "transition-list"),
    ("tickets", "ticket-list"),
    ("import_bundle", "workflow-import-bundle"),
    ("schema", "api-schema"),
    ("bundle_schema", "api-bundle-schema"),
    ("docs", "api-docs"),
    ("redoc", "api-redoc"),
    ("browsable_api_login", "rest_framework:login"),
]


INDEX_SCHEMA = {
    "type": "object",
    "description": "Absolute address of each endpoint, by name.",
    "additionalProperties": {"type": "string", "format": "uri"},
}


class ApiIndexView(APIView):
    """Where everything is: open to anyone, as it names addresses and holds no data."""

    # Nobody needs to log in to read addresses; a token sent is still checked (401 if invalid).
    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["api"],
        responses={200: OpenApiResponse(INDEX_SCHEMA, description=_("The endpoints of the API.")), 401: ERROR_401},
        description=_("The endpoints of the API by name: login, design resources, schemas, docs."),
    )
    def get(self, request):
        endpoints = {}
        for key, name in ENDPOINTS:
            try:
                endpoints[key] = request.build_absolute_uri(reverse(name))
            except NoReverseMatch:
                continue
        return Response(endpoints)
