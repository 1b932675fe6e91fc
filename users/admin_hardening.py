"""Uniform answers from the admins of other apps (auth groups, django-axes logs).

Django checks an object's existence before the user's permission in some views (history,
change), so a user without access could tell an existing id (403) from a missing one (a
redirect). Wrapped here, a user without access gets the same 403 for every id, and a user
with access gets 404 for a missing one.

An app whose admins already answer this way says so in its AppConfig
(`admin_refuses_uniformly = True`) and is left as it is.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _


def refuses_uniformly(model) -> bool:
    """Whether the model's app declares that its admins refuse uniformly themselves."""
    return bool(getattr(model._meta.app_config, "admin_refuses_uniformly", False))


class UniformRefusalMixin:
    def _refuse_without_access(self, request) -> None:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Not found."))

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_without_access(request)
        return super().history_view(request, object_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_without_access(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_without_access(request)
        return super().delete_view(request, object_id, extra_context)


def harden_other_admins(site: admin.AdminSite) -> None:
    for model, model_admin in list(site._registry.items()):
        if refuses_uniformly(model) or isinstance(model_admin, UniformRefusalMixin):
            continue
        hardened = type(f"Uniform{type(model_admin).__name__}", (UniformRefusalMixin, type(model_admin)), {})
        site.unregister(model)
        site.register(model, hardened)
