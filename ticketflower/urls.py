from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


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

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

try:  # the REST API lives in workflow_design.urls once it exists
    from workflow_design import urls as workflow_design_urls  # noqa: F401
except ImportError:  # pragma: no cover
    workflow_design_urls = None
if workflow_design_urls is not None:
    urlpatterns.append(path("", include("workflow_design.urls")))
