"""The MCP server and its endpoint: the official `mcp` SDK's server, served inside the WSGI app by
django-mcp-server (stateless streamable HTTP, JSON responses), behind the API's authentication.

Only workflow designers reach it (a JWT bearer or the API's session, as everywhere in the API);
each tool then asks the same policy, access layer and services as the API and the admin.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from mcp_server.djangomcp import DjangoMCP
from mcp_server.views import MCPServerStreamableHttpView
from rest_framework import exceptions, permissions

from users.apis import API_AUTHENTICATION, SafeJSONParser
from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused
from workflow_design.mcp import tools
from workflow_design.policy import is_designer

INSTRUCTIONS = (
    "TicketFlower workflow design. Read the bundle schema (bundle_schema), read your company's "
    "workflows (list_workflows, get_workflow), check a bundle (validate_bundle: every finding with a "
    "JSON Pointer, a hint and, for mechanical fixes, a JSON Patch), lint or dry-run a stored workflow, "
    "and import a bundle as a draft (import_bundle_as_draft). Publishing is done by a person in the "
    "admin or the API; no tool publishes."
)

server = DjangoMCP(name="ticketflower-workflow-design", instructions=INSTRUCTIONS, stateless=True)
tools.register(server)


class IsDesigner(permissions.BasePermission):
    """A workflow creator (or a superuser), as for every design action of the API."""

    def has_permission(self, request, view) -> bool:
        return is_designer(request.user)


@method_decorator(csrf_exempt, name="dispatch")
class DesignMCPView(MCPServerStreamableHttpView):
    mcp_server = server
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsDesigner]
    parser_classes = [SafeJSONParser]

    def post(self, request, *args, **kwargs):
        # A call carries a whole bundle at most: refused unread when larger than a bundle file may be.
        try:
            limits.ensure_size(int(request.META.get("CONTENT_LENGTH") or 0))
        except (UploadRefused, ValueError) as exc:
            raise exceptions.ParseError(str(exc)) from None
        return super().post(request, *args, **kwargs)

    # JSON-RPC over one URL: described by MCP itself (tools/list), not by the OpenAPI schema.
    schema = None
