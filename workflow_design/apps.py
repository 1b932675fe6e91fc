from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowDesignConfig(AppConfig):
    name = "workflow_design"
    verbose_name = _("Workflow design")
    # Its admins answer a hidden object and a missing one alike (`users.admin_hardening`
    # wraps the admins of apps that do not).
    admin_refuses_uniformly = True

    def ready(self) -> None:
        from workflow_design import signals

        # Sent for this app after its permissions are made: the creator role gets them, and
        # rows a data migration made get their grants.
        post_migrate.connect(signals.after_migrate, sender=self, dispatch_uid="workflow_design_after_migrate")
