from workflow_design.models import AuditChannel
from workflow_design.services.audit import audit_channel


def channel_for_path(path: str) -> str:
    """Which path a request's changes came by, for the audit trail."""
    if "bundle" in path and "import" in path:
        return AuditChannel.BUNDLE
    if path.rstrip("/").endswith(("/import", "/process_import")):
        return AuditChannel.IMPORT
    if path.startswith("/api/"):
        return AuditChannel.API
    if path.startswith("/admin/"):
        return AuditChannel.ADMIN
    return AuditChannel.CODE


class AuditChannelMiddleware:
    """Tags every change a request makes with the path it came by (admin, API, import…)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_channel(channel_for_path(request.path_info)):
            return self.get_response(request)
