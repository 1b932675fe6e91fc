from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from workflow_design.access import audit_entries_for
from workflow_design.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The company-wide audit trail, read-only; deleted definitions keep their entries here."""

    list_display = ("created_at", "actor_email", "channel", "action", "content_type", "object_repr")
    list_filter = ("channel", "action", "content_type")
    search_fields = ("object_repr", "actor_email")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)
    readonly_fields = (
        "created_at",
        "actor_email",
        "channel",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "changes",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return audit_entries_for(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Not found."))

    def has_module_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or user.is_company_admin))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    # The trail is written by the services only; nobody edits or deletes it here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
