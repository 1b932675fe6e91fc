"""The two kinds of per-model file: versioned definitions (workflows, ticket types), whose rows
name a version, and workflow parts (tasks, transitions), whose rows name their workflow."""

from __future__ import annotations

from typing import Any

from import_export import fields

from workflow_design.fast.files_preview_diff import PreviewDiffMixin
from workflow_design.files.cells import SlugReference, WholeNumberCell
from workflow_design.files.resources.base import DesignResource, SlugVersions
from workflow_design.policy import PART_REFUSAL


def _version(row) -> int:
    return WholeNumberCell(default=0).clean(row.get("version"))


def _slug(row) -> str:
    return str(row.get("slug") or "").strip()


class VersionedResource(DesignResource):
    """A row names its slug and version; with no version, the slug's draft, or else a new
    version after the newest. Rows are the importing company's."""

    version = fields.Field(attribute="version", column_name="version", widget=WholeNumberCell(default=0))

    identity_fields = ("slug", "version")

    # The company's stored rows with the file's slugs, read by `prefetch`.
    versions: SlugVersions

    def find_stored(self, row):
        return self.versions.find(_slug(row), _version(row))

    def init_instance(self, row=None):
        return self._meta.model(company=self.company)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and not _version(row):
            # No version named and no draft: the next version after the newest one.
            instance.version = self.versions.latest.get(_slug(row), 0) + 1
            row["version"] = instance.version

    def create_row(self, data: dict[str, Any]) -> Any:
        return self.writes.create(user=self.user, company=self.company, **data)


class PartResource(PreviewDiffMixin, DesignResource):
    """A row names its workflow by slug (and version, when not the draft), then itself by slug.

    Parts are imported in import-export's bulk mode: rows are collected and written by
    `bulk_create` and `bulk_update`, through the batch services, `batch_size` rows at a time.
    """

    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)

    extra_columns = ("workflow_version",)
    identity_fields = ("workflow", "slug")

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["workflow"].widget = SlugReference(self.resolve_workflow)

    def row_workflow(self, row):
        """The workflow the row names; ValueError (reported on its column) if there is none."""
        return self.resolve_workflow(str(row.get("workflow") or "").strip(), row)

    def prefetch_workflows(self, slugs: set[str]) -> None:
        # Adding or changing a part changes its workflow: the policy's rows the user may change,
        # read once for the file, as the admin and the API ask `require_add_to` for one row.
        super().prefetch_workflows(slugs)
        visible = [workflow.pk for workflow in self.workflows.values()]
        self.changeable = set(
            self.policy.workflows_user_may_change(self.user).filter(pk__in=visible).values_list("pk", flat=True)
        )

    def resolve_workflow(self, slug: str, row: dict):
        workflow = super().resolve_workflow(slug, row)
        if workflow.pk not in self.changeable:
            raise ValueError(str(PART_REFUSAL))
        return workflow

    def create_row(self, data: dict[str, Any]) -> Any:
        data = dict(data)
        return self.writes.create(user=self.user, workflow=data.pop("workflow"), **data)
