from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from users.urls import browsable_api_auth_urlpatterns
from workflow_design.api.bundles import BundleSchemaView
from workflow_design.api.root import ApiIndexView
from workflow_design.mcp.server import DesignMCPView


@require_GET
def healthz(request):
    """Liveness and readiness: answers 200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


admin.site.site_header = "TicketFlower workflow design"
admin.site.site_title = "TicketFlower"
admin.site.index_title = "Design"
# There is no public site to view: the admin's "View site" link would lead to a 404.
admin.site.site_url = None
# The admin's home starts with where to begin: the workflow definitions.
admin.site.index_template = "admin/workflow_design/index.html"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # REST API: JWT login by email, the design endpoints, the OpenAPI schema and its docs.
    path("api/", ApiIndexView.as_view(), name="api-index"),
    path("api/", include("users.urls")),
    path("api/workflow/", include("workflow_design.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema/bundle/", BundleSchemaView.as_view(), name="api-bundle-schema"),
    path("api/mcp/", DesignMCPView.as_view(), name="api-mcp"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # The browsable API's session login (by email) and logout.
    path("api-auth/", include((browsable_api_auth_urlpatterns, "rest_framework"))),
]
