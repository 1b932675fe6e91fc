"""The extra pages of the design admins, declared once.

A mixin lists its pages in `extra_pages` as `(route, view method name, url name)`;
`ExtraPagesAdmin` gathers them from every class of the admin and puts them before the admin's
own URLs (whose `<path:object_id>/` would catch them otherwise), each wrapped by
`admin_site.admin_view` (login, staff, CSRF) and named `<app>_<model>_<name>` like the admin's own.
"""

from __future__ import annotations

from django.urls import path


class ExtraPagesAdmin:
    def get_urls(self):
        pages = [page for cls in type(self).__mro__ for page in vars(cls).get("extra_pages", ())]
        app_label, model_name = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        own = [
            path(route, wrap(getattr(self, view)), name=f"{app_label}_{model_name}_{name}")
            for route, view, name in pages
        ]
        return [*own, *super().get_urls()]
