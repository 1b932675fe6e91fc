"""The design admin: each module registers its ModelAdmins when Django's autodiscovery imports this package."""

from workflow_design.admin import audit, parts, tickets, workflows  # noqa: F401
