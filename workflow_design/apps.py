from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowDesignConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workflow_design"
    verbose_name = _("Workflow design")

    def ready(self) -> None:
        from workflow_design import signals  # noqa: F401
