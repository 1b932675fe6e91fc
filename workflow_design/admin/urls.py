"""The extra pages of the design admins, declared once: each wrapped by `admin_site.admin_view`
(login, staff, CSRF) and named `<app>_<model>_<name>` like the admin's own."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path


def admin_routes(model_admin, *routes: tuple[str, Callable, str]) -> list[URLPattern]:
    """`(route, view, name)` triples as the admin's URL patterns."""
    app_label, model_name = model_admin.opts.app_label, model_admin.opts.model_name
    wrap = model_admin.admin_site.admin_view
    return [path(route, wrap(view), name=f"{app_label}_{model_name}_{name}") for route, view, name in routes]
