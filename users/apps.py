from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("Users and companies")
    # Its admins answer a hidden object and a missing one alike (see `admin_hardening`).
    admin_refuses_uniformly = True

    def ready(self) -> None:
        from users import signals

        # Sent for this app after its permissions are made (`migrate`, and `flush` in tests).
        post_migrate.connect(signals.system_roles_after_migrate, sender=self, dispatch_uid="users_ensure_system_roles")
