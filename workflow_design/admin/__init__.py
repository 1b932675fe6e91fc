"""The design admin: each module registers its ModelAdmins when Django's autodiscovery imports this package."""

from workflow_design.admin import audit, designer  # noqa: F401
