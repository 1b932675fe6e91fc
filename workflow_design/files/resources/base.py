"""What every per-model file resource shares: who imports, into which company, and how rows are written.

A resource only parses cells. The policy decides whether the user may import or export and
which company new rows go to; each row read becomes a call of the services with the data it
sets: a new row's fields, or a changed row's `(stored row, fields its columns set)`. The rules
live in the models and the services, which name the row and the field they refuse.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.results import RowResult

from workflow_design import access, services
from workflow_design.fast.files_import_fields import ImportFieldsOnceMixin
from workflow_design.files import cells
from workflow_design.files.bundles import of_company
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.policy import Action, policy_for
from workflow_design.writes import ModelWrites, writes_for


@dataclass
class RowWrite:
    """A read row waiting for its batch: its number and cells, its instance, what it writes."""

    number: int
    row: dict
    instance: Any
    data: dict[str, Any]
    stored: Any = None  # the stored row a change applies to; None for a new row
    result: RowResult | None = None


def _unsaved(reason: str) -> ValidationError:
    return ValidationError(_("This row could not be saved: %(reason)s") % {"reason": reason})


class SlugVersions:
    """Stored workflows or ticket types by slug: each version, the slug's draft, its newest version."""

    def __init__(self, rows) -> None:
        self.rows: dict[tuple[str, int], Any] = {}
        self.draft: dict[str, Any] = {}
        self.latest: dict[str, int] = {}
        for row in rows:
            self.rows[(row.slug, row.version)] = row
            self.latest[row.slug] = max(self.latest.get(row.slug, 0), row.version)
            if row.status == DefinitionStatus.DRAFT:
                self.draft[row.slug] = row

    def find(self, slug: str, version: int) -> Any:
        """The row of that version; no version (0) means the slug's draft. None if there is none."""
        return self.rows.get((slug, version)) if version else self.draft.get(slug)


class DesignResource(ImportFieldsOnceMixin, resources.ModelResource):
    """The importing user and their company, slug look-ups in batches, rows written through the services.

    A resource writes each row with its single-row services (`create_row`, `update_row`), or,
    when its Meta turns on import-export's bulk mode, collects the rows and writes them in
    `bulk_create` and `bulk_update` with its batch services (`create_rows`, `update_rows`),
    `Meta.batch_size` rows at a time: the queries of a batch are a fixed few whatever its size.
    """

    # The fields that name a stored row: matched on, never written by a change.
    identity_fields: tuple[str, ...] = ("slug",)
    # The fields a new row passes to the services.
    create_fields: tuple[str, ...] = ()
    # Columns that are read (to find a row's workflow) but are no field of the model.
    extra_columns: tuple[str, ...] = ()

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        return cells.widget_for(f) or super().widget_from_django_field(f, default)

    def __init__(self, *, user=None, company=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.company = company
        self.stored: dict[int, Any] = {}
        self.refused: list[tuple[RowWrite, ValidationError]] = []

    @property
    def policy(self):
        return policy_for(self._meta.model)

    @property
    def writes(self) -> ModelWrites:
        return writes_for(self._meta.model)

    # Export --------------------------------------------------------------------------

    def get_queryset(self):
        # What `export()` without a queryset writes: the rows the user may export.
        return self.policy.instances_user_has_permission_for(self.user, Action.EXPORT)

    def before_export(self, queryset, **kwargs):
        self.policy.require(self.user, Action.EXPORT)
        super().before_export(queryset, **kwargs)

    def dehydrate_workflow_version(self, obj) -> int:
        return obj.workflow.version

    # Import ------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # All or nothing: one invalid row rolls back every row of the file.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs)

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user") or self.user
        try:
            self.policy.require(self.user, Action.IMPORT)
            self.company = self.policy.company_for_new(self.user, self.company)
            self.refuse_unknown_columns(dataset)
        except (PermissionDenied, ValidationError):
            # A refused file is not read row by row: each row would only repeat the refusal.
            del dataset[:]
            raise
        self.prefetch(dataset)

    def refuse_unknown_columns(self, dataset) -> None:
        columns = [field.column_name for field in self.get_import_fields()]
        known = set(columns) | set(self.extra_columns)
        unknown = [header for header in dataset.headers if header and header not in known]
        if unknown:
            raise ValidationError(
                _("Unknown column(s): %(unknown)s. The columns are: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(columns)}
            )

    def prefetch(self, dataset) -> None:
        """Read, in a fixed few queries, every stored row the file's rows may name."""

    def column_values(self, dataset, name: str) -> set[str]:
        if name not in (dataset.headers or []):
            return set()
        return {str(v).strip() for v in dataset[name] if v not in (None, "")}

    def prefetch_workflows(self, slugs: set[str]) -> None:
        """One query: the company's workflows with these slugs, as the user sees them."""
        visible = of_company(visible=access.workflows_for(self.user), company=self.company)
        self.workflow_versions = SlugVersions(visible.filter(slug__in=slugs).select_related("company"))
        self.workflows: dict[tuple[str, int], WorkflowDefinition] = self.workflow_versions.rows

    def find_workflow(self, slug: str, version: Any) -> WorkflowDefinition:
        """A workflow by slug and version; an empty version means its newest draft."""
        number = cells.WholeNumberCell(default=0).clean(version)
        workflow = self.workflow_versions.find(slug, number)
        if workflow is None:
            if number:
                raise ValueError(_('Workflow "%(slug)s" version %(v)d was not found.') % {"slug": slug, "v": number})
            if slug in self.workflow_versions.latest:
                raise ValueError(
                    _('Workflow "%(slug)s" has no draft; name the version or create a new version first.')
                    % {"slug": slug}
                )
            raise ValueError(_('Workflow "%(slug)s" was not found.') % {"slug": slug})
        return workflow

    def resolve_workflow(self, slug: str, row: dict) -> WorkflowDefinition:
        return self.find_workflow(slug, row.get("workflow_version"))

    # Rows ----------------------------------------------------------------------------

    def find_stored(self, row) -> Any:
        """The stored row this file row names, from the prefetched rows, or None for a new one."""
        raise NotImplementedError

    def get_instance(self, instance_loader, row):
        stored = self.find_stored(row)
        if stored is None:
            return None
        # The cells are read into a copy: the services get the stored row as it was read,
        # with the fields the cells set.
        self.stored[stored.pk] = stored
        return copy.copy(stored)

    def changed_data(self, instance, row) -> dict[str, Any]:
        """The fields a changed row's cells set; a column the file leaves out keeps its value."""
        return {
            field.attribute: getattr(instance, field.attribute)
            for field in self.get_import_fields()
            if field.attribute
            and not field.readonly
            and field.column_name in row
            and field.attribute not in self.identity_fields
        }

    def save_instance(self, instance, is_create, row, **kwargs):
        # Dry runs save too, inside the transaction import-export rolls back, so the preview
        # runs exactly the rules the real import runs.
        self.before_save_instance(instance, row, **kwargs)
        if is_create:
            data, stored = {name: getattr(instance, name) for name in self.create_fields}, None
        else:
            data, stored = self.changed_data(instance, row), self.stored[instance.pk]
        if self._meta.use_bulk:
            write = RowWrite(number=kwargs["row_number"], row=row, instance=instance, data=data, stored=stored)
            (self.create_instances if is_create else self.update_instances).append(write)
        elif is_create:
            created = self.create_row(data)
            instance.pk, instance.slug = created.pk, created.slug
        else:
            self.update_row(stored, data)
        self.after_save_instance(instance, row, **kwargs)

    def create_row(self, data: dict[str, Any]) -> Any:
        """Create one new row through its service; each kind of resource (`kinds.py`) says how."""
        raise NotImplementedError

    def update_row(self, stored, data: dict[str, Any]) -> None:
        self.writes.update(stored, user=self.user, **data)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        # A database error is shown to the creator as the row's reason, never as a traceback.
        if result.errors:
            messages = "; ".join(str(error.error) for error in result.errors)
            result.errors = []
            result.import_type = result.IMPORT_TYPE_INVALID
            result.validation_error = _unsaved(messages)
        if self._meta.use_bulk:
            self.match_write(result, kwargs.get("row_number"))
        return result

    # Rows in batches (import-export's bulk mode) ------------------------------------------

    def create_rows(self, rows: list[dict[str, Any]]) -> list:
        """Create many rows with every rule; raises `services.RowErrors` by row index."""
        return self.writes.create_many(user=self.user, rows=rows)

    def update_rows(self, changes: list[tuple[Any, dict[str, Any]]]) -> list:
        """Apply many `(stored row, data)` changes with every rule; raises `services.RowErrors`."""
        return self.writes.update_many(user=self.user, changes=changes)

    def match_write(self, result: RowResult, number: int | None) -> None:
        """The row's result goes with its waiting write, to be corrected if its batch refuses
        it; a row that failed after it was put in the batch is taken out again."""
        for waiting in (self.create_instances, self.update_instances):
            if not waiting or waiting[-1].number != number:
                continue
            if result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
                waiting[-1].result = result
            else:
                waiting.pop()

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        writes = list(self.create_instances)
        self.create_instances.clear()
        if not writes:
            return
        created = self.write_batch(writes, lambda: self.create_rows([write.data for write in writes]))
        for write, obj in zip(writes, created or (), strict=False):
            write.instance.pk, write.instance.slug = obj.pk, obj.slug
            if hasattr(obj, "created_by_id"):
                write.instance.created_by = obj.created_by
            if write.result is not None:
                write.result.object_id = obj.pk

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        writes = list(self.update_instances)
        self.update_instances.clear()
        if writes:
            self.write_batch(writes, lambda: self.update_rows([(write.stored, write.data) for write in writes]))

    def write_batch(self, writes: list[RowWrite], write) -> list | None:
        """Run one batch; a refused batch writes nothing and keeps each refused row's error.

        Later batches are still checked, so one import reports the errors of every row (the
        whole import is refused if any row is).
        """
        try:
            return write()
        except services.RowErrors as exc:
            self.refused += [(writes[index], error) for index, error in exc.rows.items()]
        except ValidationError as exc:
            self.refused += [(entry, exc) for entry in writes]
        except DatabaseError as exc:
            self.refused += [(entry, _unsaved(str(exc))) for entry in writes]
        return None

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # Refused rows are counted once every row is: a batch can be written mid-file, before
        # import-export has counted the row that filled it.
        for write, error in self.refused:
            self.refuse_row(result, write, error)
        self.refused = []
        result.invalid_rows.sort(key=lambda invalid: invalid.number)

    def refuse_row(self, result, write: RowWrite, error: ValidationError) -> None:
        row_result = write.result
        if row_result is not None:
            if row_result.import_type in result.totals:
                result.totals[row_result.import_type] -= 1
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = error
        result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        result.append_invalid_row(write.number, write.row, error)
