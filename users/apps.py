from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = _("Users and companies")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_system_roles, dispatch_uid="users_ensure_system_roles")


def _ensure_system_roles(sender, app_config=None, using="default", **kwargs) -> None:
    # After the last app's permissions exist (post_migrate runs per app, workflow_design last).
    if app_config is not None and app_config.label == "workflow_design":
        from .services import system_roles_ensure

        system_roles_ensure()
