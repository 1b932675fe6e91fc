"""Lifecycle parts of the workflow admin: lint findings, publish, new version, dry run."""


class WorkflowLifecycleAdminMixin:
    """Mixed into WorkflowDefinitionAdmin; adds lifecycle actions and pages."""
