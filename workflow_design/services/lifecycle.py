"""The lifecycle operations, draft → published → archived and new versions, under one name for
the adapters that offer them together (admin pages and actions, API actions)."""

from workflow_design.rules.compare import Change, workflow_compare
from workflow_design.services.archive import workflow_archive
from workflow_design.services.new_version import workflow_new_version
from workflow_design.services.publish import LintRefused, workflow_publish
from workflow_design.services.versions import workflow_other_versions

__all__ = [
    "Change",
    "LintRefused",
    "workflow_archive",
    "workflow_compare",
    "workflow_new_version",
    "workflow_other_versions",
    "workflow_publish",
]
