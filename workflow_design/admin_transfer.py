"""Import and export parts of the design admins: per-model files and workflow bundles."""


class WorkflowTransferAdminMixin:
    """Mixed into WorkflowDefinitionAdmin."""


class TaskTransferAdminMixin:
    """Mixed into TaskDefinitionAdmin."""


class TransitionTransferAdminMixin:
    """Mixed into WorkflowTransitionAdmin."""


class TicketTransferAdminMixin:
    """Mixed into TicketDefinitionAdmin."""
