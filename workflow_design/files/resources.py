"""django-import-export resources of the four design models, and the file formats they use.

Files name other objects by slug (never by id); `company` and `created_by` come from the
importing user. Resources only parse cells: the rules live in the models (run through
`clean_model_instances`) and the services, which every row is saved through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import Format
from import_export.results import RowResult

from users import access as user_access
from workflow_design import access, services
from workflow_design.files import uploads
from workflow_design.files.bundles import TASK_KEYS, TRANSITION_KEYS, of_company
from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)

# Columns that hold a JSON value: JSON text in CSV/XLSX cells, native JSON in JSON files.
JSON_COLUMNS = frozenset(
    {"ext_ref", "fields", "display_layout", "edit_layout", "input_schema", "output_schema", "company_role_access"}
)


# File formats ------------------------------------------------------------------------


class _SafeFormat(Format):
    """Reads bytes through `workflow_design.files.uploads` (size caps, encodings, messages), never text.

    Each format defines `read_rows(data: bytes) -> (headers, rows)` with its reader.
    """

    title = ""
    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return self.title

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return self.content_type

    def is_binary(self):
        # Always bytes: the encoding is detected here, not assumed by the admin.
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        headers, rows = self.read_rows(in_stream)
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            dataset.append(row)
        return dataset


class SafeCSV(_SafeFormat):
    title = "csv"
    extension = "csv"
    content_type = "text/csv"

    def read_rows(self, data):
        return uploads.read_csv(data)

    def export_data(self, dataset, **kwargs):
        import csv
        import io

        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(dataset.headers)
        writer.writerows(uploads.neutralise_rows(_as_text_rows(dataset)))
        return out.getvalue()


class SafeXLSX(_SafeFormat):
    title = "xlsx"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def read_rows(self, data):
        return uploads.read_xlsx(data)

    def export_data(self, dataset, **kwargs):
        import io

        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = (dataset.title or "export")[:31]
        sheet.append(list(dataset.headers))
        for row in uploads.neutralise_rows(dataset):
            sheet.append([cell if isinstance(cell, int | float) else _text(cell) for cell in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class SafeJSON(_SafeFormat):
    title = "json"
    extension = "json"
    content_type = "application/json"

    def read_rows(self, data):
        return uploads.read_json_rows(data)

    def export_data(self, dataset, **kwargs):
        # JSON is never opened as a spreadsheet: no neutralising, and JSON columns stay native.
        records = []
        for row in dataset:
            record = {}
            for header, cell in zip(dataset.headers, row, strict=True):
                if header in JSON_COLUMNS and isinstance(cell, str) and cell:
                    cell = json.loads(cell)
                record[header] = cell
            records.append(record)
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


FILE_FORMATS = [SafeCSV, SafeXLSX, SafeJSON]
FORMATS_BY_EXTENSION = {fmt.extension: fmt for fmt in FILE_FORMATS}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_text_rows(dataset) -> list[list[str]]:
    return [[_text(cell) for cell in row] for row in dataset]


# Cell widgets -----------------------------------------------------------------------


class TextCell(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, list | dict):
            raise ValueError(_("Expected text, not a JSON value."))
        return super().clean(value, row, **kwargs)


class WholeNumberCell(widgets.Widget):
    """A whole number; an empty cell means the model's default."""

    def __init__(self, default: int):
        super().__init__(coerce_to_string=False)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.default
        if isinstance(value, bool):
            raise ValueError(_("Expected a whole number."))
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise ValueError(_('Expected a whole number, not "%(value)s".') % {"value": text[:40]})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class JSONCell(widgets.Widget):
    """A JSON value: native in JSON files, JSON text in CSV and XLSX cells; empty means []."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return []
        if isinstance(value, list | dict):
            return value
        try:
            return uploads.safe_json_loads(str(value))
        except uploads.UploadRefused as exc:
            raise ValueError(str(exc).replace(_("The file"), _("The cell")))

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value if value is not None else [], ensure_ascii=False)


class SlugReference(widgets.Widget):
    """A reference by slug, resolved by the resource from the rows it prefetched."""

    def __init__(self, resolve, *, allow_empty: bool = False):
        super().__init__(coerce_to_string=True)
        self.resolve = resolve
        self.allow_empty = allow_empty

    def clean(self, value, row=None, **kwargs):
        slug = "" if value is None else str(value).strip()
        if not slug:
            if self.allow_empty:
                return None
            raise ValueError(_("A slug is required."))
        return self.resolve(slug, row or {})

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.slug


# Resources ---------------------------------------------------------------------------


def _widget_for(django_field):
    """Cell widgets by model field kind; None lets import-export choose."""
    from django.db import models

    if isinstance(django_field, models.JSONField):
        return JSONCell
    if isinstance(django_field, models.PositiveIntegerField):
        return lambda **kw: WholeNumberCell(default=django_field.default)
    if isinstance(django_field, models.CharField | models.TextField):
        return TextCell
    return None


@dataclass
class _PendingRow:
    """A read row waiting for the file's batch: its number, cells, instance and import result."""

    number: int
    row: dict
    instance: Any
    is_create: bool
    result: RowResult | None = None


def _unsaved(reason: str) -> ValidationError:
    return ValidationError(_("This row could not be saved: %(reason)s") % {"reason": reason})


class _Diff(resources.Diff):
    """import-export's preview diff, made only for a preview, and for new rows once a file.

    Only the preview (a dry run) shows it: a real import is reported by its counts and errors
    (the admin redirects with a message), so there it is not made at all. In a preview, a new
    row's "before" is the resource's empty instance, the same for every new row, so it is read
    once; and a new row's cells are all shown as added or unchanged, so its HTML is built from
    that one-part diff directly, the output import-export's text diff gives for it (a test holds
    the two equal), without running the diff algorithm ten times a row.
    """

    def __init__(self, resource, instance, new):
        self.shown = resource._previewing
        self.left, self.right, self.new = [], [], new
        if not self.shown:
            return
        if not new:
            super().__init__(resource, instance, new)
            return
        if resource._new_row_values is None:
            resource._new_row_values = self._read_field_values(resource, instance)
        self.left = list(resource._new_row_values)

    def compare_with(self, resource, instance):
        if self.shown:
            super().compare_with(resource, instance)

    def as_html(self):
        if not self.shown:
            return []
        if not self.new:
            return super().as_html()
        from diff_match_patch import diff_match_patch
        from django.utils.encoding import force_str
        from django.utils.safestring import mark_safe

        dmp = diff_match_patch()
        html = []
        for before, after in zip(self.left, self.right, strict=False):
            # As import-export does: a new row's differing cell is compared with nothing.
            old, text = (force_str(before) if before == after else ""), force_str(after)
            parts = [(dmp.DIFF_EQUAL if old == text else dmp.DIFF_INSERT, text)] if text else []
            html.append(mark_safe(dmp.diff_prettyHtml(parts)))  # noqa: S308 - escaped by diff_prettyHtml
        return html


class DesignResource(resources.ModelResource):
    """Shared import logic: the importing user, their company and slug look-ups in batches."""

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        return _widget_for(f) or super().widget_from_django_field(f, default)

    def __init__(self, *, user=None, company=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.company = company
        self._pending: list[_PendingRow] = []
        self._refused: list[tuple[_PendingRow, ValidationError]] = []
        self._import_fields: list | None = None
        self._new_row_values: list | None = None
        self._previewing = True

    def get_import_fields(self):
        # Asked four times a row by import-export, and rebuilt from the field order each time;
        # the fields do not change during an import.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    # True where every new row starts from the same empty instance (no `after_init_instance`
    # that fills it from the row), so the preview diff may read that instance once a file.
    new_rows_start_alike = False

    def get_diff_class(self):
        return _Diff if self.new_rows_start_alike else super().get_diff_class()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A new row always differs from the empty instance it started as (it names its
        # workflow), so it is never "unchanged": not compared field by field.
        if self.new_rows_start_alike and original is not None and original.pk is None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    # Import ------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user") or self.user
        if self.user is None:
            raise ValidationError(_("An import needs the importing user."))
        if not access.can_design_via_api(self.user):
            raise ValidationError(_("Only workflow creators may import definitions."))
        if self.company is None or not self.user.is_superuser:
            self.company = access.company_for_new_definition(self.user, self.company)
        if self.company is None:
            raise ValidationError(_("Choose the company to import into."))
        known = {f.column_name for f in self.get_import_fields()} | set(self.extra_columns)
        unknown = [h for h in dataset.headers if h and h not in known]
        if unknown:
            raise ValidationError(
                _("Unknown column(s): %(unknown)s. The columns are: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(self._meta.fields)}
            )
        self.prefetch(dataset)

    extra_columns: tuple[str, ...] = ()

    def column_values(self, dataset, name: str) -> set[str]:
        if name not in (dataset.headers or []):
            return set()
        return {str(v).strip() for v in dataset[name] if v not in (None, "")}

    def prefetch_workflows(self, slugs: set[str]) -> None:
        """One query: the company's workflows with these slugs, as the user sees them."""
        self.workflows: dict[tuple[str, int], WorkflowDefinition] = {}
        self.newest_draft: dict[str, WorkflowDefinition] = {}
        self.latest_version: dict[str, int] = {}
        visible = of_company(visible=access.workflows_for(self.user), company=self.company)
        for workflow in visible.filter(slug__in=slugs).select_related("company"):
            self.workflows[(workflow.slug, workflow.version)] = workflow
            self.latest_version[workflow.slug] = max(self.latest_version.get(workflow.slug, 0), workflow.version)
            if workflow.status == DefinitionStatus.DRAFT:
                self.newest_draft[workflow.slug] = workflow

    def find_workflow(self, slug: str, version: Any) -> WorkflowDefinition:
        """A workflow by slug and version; an empty version means its newest draft."""
        number = WholeNumberCell(default=0).clean(version)
        workflow = self.workflows.get((slug, number)) if number else self.newest_draft.get(slug)
        if workflow is None:
            if number:
                raise ValueError(_('Workflow "%(slug)s" version %(v)d was not found.') % {"slug": slug, "v": number})
            if slug in self.latest_version:
                raise ValueError(
                    _('Workflow "%(slug)s" has no draft; name the version or create a new version first.')
                    % {"slug": slug}
                )
            raise ValueError(_('Workflow "%(slug)s" was not found.') % {"slug": slug})
        return workflow

    def resolve_workflow(self, slug: str, row: dict) -> WorkflowDefinition:
        return self.find_workflow(slug, row.get("workflow_version"))

    def dehydrate_workflow_version(self, obj) -> int:
        return obj.workflow.version

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A cell that could not be read (unknown slug, bad JSON) is reported alone: the model
        # rules would only add consequences of it, such as "a transition needs a task".
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        if self.save_many is not None:
            # The batch service runs every rule on each row and names the row it refuses.
            return
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        # Dry runs save too, inside the transaction import-export rolls back, so the preview
        # runs exactly the rules the real import runs.
        self.before_save_instance(instance, row, **kwargs)
        if self.save_many is not None:
            # Checked and written with the file's other rows at the end of the file.
            self._pending.append(
                _PendingRow(number=kwargs["row_number"], row=row, instance=instance, is_create=is_create)
            )
            return
        self.do_instance_save(instance, is_create)
        self.after_save_instance(instance, row, **kwargs)

    def field_data(self, instance, names) -> dict[str, Any]:
        return {name: getattr(instance, name) for name in names}

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        # A database error is shown to the creator as the row's reason, never as a traceback.
        if result.errors:
            messages = "; ".join(str(error.error) for error in result.errors)
            result.errors = []
            result.import_type = result.IMPORT_TYPE_INVALID
            result.validation_error = _unsaved(messages)
        pending = self._pending[-1] if self._pending else None
        if pending is not None and pending.number == kwargs.get("row_number") and pending.result is None:
            if result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
                pending.result = result
            else:
                self._pending.pop()
        if len(self._pending) >= self.rows_a_batch:
            self.save_pending()
        return result

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        self._previewing = dry_run
        # All or nothing: one invalid row rolls back every row of the file.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs)

    # The file's rows in batches -------------------------------------------------------

    # A batch service `(user=, new=[row data], changed=[instances])` that creates and updates
    # rows of any number of workflows with every rule and raises `services.RowErrors` (new rows
    # first, then changed ones); None saves each row on its own.
    save_many = None
    # The cells a new row passes to the batch service (besides its workflow).
    create_fields: tuple[str, ...] = ()
    # Rows written a batch: the queries of a batch are a fixed few whatever its size, and a
    # batch of this size keeps the rows held in memory and the statements' size bounded
    # whatever the file's size. Each batch is one save of the workflows it touches (a revision).
    rows_a_batch = 1000

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        self._pending, self._refused = [], []
        result = super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
        )
        # Inside the import's transaction: a dry run writes them too and is rolled back.
        self.save_pending()
        # Refused rows are counted once every row is: a batch can be written mid-file, before
        # import-export has counted the row that filled it.
        for entry, error in self._refused:
            self.refuse_row(result, entry, error)
        self._refused = []
        result.invalid_rows.sort(key=lambda invalid: invalid.number)
        return result

    def save_pending(self) -> None:
        """Write the rows read since the last batch; a refused row is kept as that row's error.

        A refused batch writes nothing; later batches are still checked, so one import reports
        the errors of every row (a whole import is refused if any row is).
        """
        pending, self._pending = self._pending, []
        if not pending:
            return
        new = [entry for entry in pending if entry.is_create]
        changed = [entry for entry in pending if not entry.is_create]
        entries = new + changed  # the order `RowErrors` counts rows in
        rows = [{"workflow": e.instance.workflow, **self.field_data(e.instance, self.create_fields)} for e in new]
        try:
            created, _updated = type(self).save_many(user=self.user, new=rows, changed=[e.instance for e in changed])
        except services.RowErrors as exc:
            self._refused += [(entries[index], error) for index, error in exc.rows.items()]
            return
        except ValidationError as exc:
            self._refused += [(entry, exc) for entry in entries]
            return
        except DatabaseError as exc:
            self._refused += [(entry, _unsaved(str(exc))) for entry in entries]
            return
        for entry, obj in zip(new, created, strict=True):
            entry.instance.pk = obj.pk
            entry.instance.slug = obj.slug
            if hasattr(obj, "created_by_id"):
                entry.instance.created_by = obj.created_by
            if entry.result is not None:
                entry.result.object_id = obj.pk

    def refuse_row(self, result, entry: _PendingRow, error: ValidationError) -> None:
        row_result = entry.result
        if row_result is not None:
            if row_result.import_type in result.totals:
                result.totals[row_result.import_type] -= 1
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = error
        result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        result.append_invalid_row(entry.number, entry.row, error)


class WorkflowResource(DesignResource):
    version = fields.Field(attribute="version", column_name="version", widget=WholeNumberCell(default=0))

    class Meta:
        model = WorkflowDefinition
        fields = ("slug", "version", "title", "description", "ext_ref", "fields", "display_layout")
        export_order = fields
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        import_permission_code = "import"
        export_permission_code = "export"

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "slug"))

    def get_instance(self, instance_loader, row):
        slug = str(row.get("slug") or "").strip()
        version = WholeNumberCell(default=0).clean(row.get("version"))
        if version:
            return self.workflows.get((slug, version))
        return self.newest_draft.get(slug)

    def init_instance(self, row=None):
        return WorkflowDefinition(company=self.company)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and not WholeNumberCell(default=0).clean(row.get("version")):
            # No version named and no draft: the next version after the newest one.
            instance.version = self.latest_version.get(str(row.get("slug") or "").strip(), 0) + 1
            row["version"] = instance.version

    def do_instance_save(self, instance, is_create):
        names = ("slug", "version", "title", "description", "ext_ref", "fields", "display_layout")
        if is_create:
            created = services.workflow_create(user=self.user, company=self.company, **self.field_data(instance, names))
            instance.pk = created.pk
            self.workflows[(created.slug, created.version)] = created
        else:
            services.workflow_update(workflow=instance, user=self.user)


class TaskResource(DesignResource):
    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)
    assignee_role = fields.Field(attribute="assignee_role", column_name="assignee_role")
    position = fields.Field(attribute="position", column_name="position", widget=WholeNumberCell(default=0))

    extra_columns = ("workflow_version",)

    class Meta:
        model = TaskDefinition
        fields = (
            "workflow",
            "workflow_version",
            "slug",
            "title",
            "description",
            "task_type",
            "position",
            "assignee_role",
            "input_schema",
            "output_schema",
        )
        export_order = fields
        import_id_fields = ("workflow", "slug")
        clean_model_instances = True
        # Not import-export's bulk path (which skips the rules): it only drops the savepoint
        # around each row. Rows write nothing until the file's batch service (`save_many`).
        use_bulk = True
        skip_unchanged = True
        report_skipped = True
        import_permission_code = "import"
        export_permission_code = "export"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["workflow"].widget = SlugReference(self.resolve_workflow)
        self.fields["assignee_role"].widget = SlugReference(self.resolve_role, allow_empty=True)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        workflows = {workflow.pk: workflow for workflow in self.workflows.values()}
        self.tasks = {}
        for task in (
            access.tasks_for(self.user)
            .filter(workflow__in=list(workflows.values()), slug__in=self.column_values(dataset, "slug"))
            .select_related("assignee_role")
        ):
            # Its workflow is one read above: the preview diff of a changed row reads it, and
            # would otherwise load it again, row after row.
            task.workflow = workflows[task.workflow_id]
            self.tasks[(task.workflow_id, task.slug)] = task
        self.roles = {
            role.slug: role
            for role in of_company(
                visible=user_access.company_roles_visible_to(self.user), company=self.company
            ).filter(slug__in=self.column_values(dataset, "assignee_role"))
        }

    def resolve_role(self, slug: str, row: dict):
        role = self.roles.get(slug)
        if role is None:
            raise ValueError(_('Your company has no role "%(slug)s".') % {"slug": slug})
        return role

    def get_instance(self, instance_loader, row):
        try:
            workflow = self.resolve_workflow(str(row.get("workflow") or "").strip(), row)
        except ValueError:
            return None  # reported on the workflow column by the field itself
        return self.tasks.get((workflow.pk, str(row.get("slug") or "").strip()))

    def init_instance(self, row=None):
        # The company by id only: import-export deep-copies every row's instance for its
        # preview diff, and a loaded company would be copied with it, row after row.
        return TaskDefinition(company_id=self.company.pk)

    save_many = staticmethod(services.tasks_import_many)
    new_rows_start_alike = True
    create_fields = TASK_KEYS  # a task's own fields: the same a bundle carries

    def before_save_instance(self, instance, row, **kwargs):
        instance.company_id = instance.workflow.company_id

    def do_instance_save(self, instance, is_create):
        if is_create:
            created = services.task_create(
                user=self.user, workflow=instance.workflow, **self.field_data(instance, self.create_fields)
            )
            instance.pk = created.pk
        else:
            services.task_update(task=instance, user=self.user)


class TransitionResource(DesignResource):
    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)
    from_task = fields.Field(attribute="from_task", column_name="from_task")
    to_task = fields.Field(attribute="to_task", column_name="to_task")
    priority = fields.Field(attribute="priority", column_name="priority", widget=WholeNumberCell(default=100))

    extra_columns = ("workflow_version",)

    class Meta:
        model = WorkflowTransition
        fields = ("workflow", "workflow_version", "slug", "from_task", "to_task", "condition", "priority")
        export_order = fields
        import_id_fields = ("workflow",)
        clean_model_instances = True
        # As for tasks: no savepoint per row, since rows write nothing until the file's batch.
        use_bulk = True
        skip_unchanged = True
        report_skipped = True
        import_permission_code = "import"
        export_permission_code = "export"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["workflow"].widget = SlugReference(self.resolve_workflow)
        self.fields["from_task"].widget = SlugReference(self.resolve_task, allow_empty=True)
        self.fields["to_task"].widget = SlugReference(self.resolve_task, allow_empty=True)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        workflows = list(self.workflows.values())
        self.tasks = {
            (task.workflow_id, task.slug): task for task in access.tasks_for(self.user).filter(workflow__in=workflows)
        }
        by_pk = {workflow.pk: workflow for workflow in workflows}
        tasks_by_pk = {task.pk: task for task in self.tasks.values()}
        self.transitions = {}
        for transition in access.transitions_for(self.user).filter(
            workflow__in=workflows, slug__in=self.column_values(dataset, "slug")
        ):
            # Its workflow and tasks are read above already (the preview diff reads them).
            transition.workflow = by_pk[transition.workflow_id]
            for end in ("from_task", "to_task"):
                task = tasks_by_pk.get(getattr(transition, f"{end}_id"))
                if task is not None:
                    setattr(transition, end, task)
            self.transitions[(transition.workflow_id, transition.slug)] = transition

    save_many = staticmethod(services.transitions_import_many)
    new_rows_start_alike = True
    create_fields = TRANSITION_KEYS

    def resolve_task(self, slug: str, row: dict):
        try:
            workflow = self.resolve_workflow(str(row.get("workflow") or "").strip(), row)
        except ValueError:
            raise ValueError(_("The workflow of this row was not found."))
        task = self.tasks.get((workflow.pk, slug))
        if task is None:
            raise ValueError(_('Workflow "%(wf)s" has no task "%(slug)s".') % {"wf": workflow.slug, "slug": slug})
        return task

    def get_instance(self, instance_loader, row):
        slug = str(row.get("slug") or "").strip()
        if not slug:
            return None
        try:
            workflow = self.resolve_workflow(str(row.get("workflow") or "").strip(), row)
        except ValueError:
            return None
        return self.transitions.get((workflow.pk, slug))

    def do_instance_save(self, instance, is_create):
        names = ("slug", "from_task", "to_task", "condition", "priority")
        if is_create:
            created = services.transition_create(
                user=self.user, workflow=instance.workflow, **self.field_data(instance, names)
            )
            instance.pk = created.pk
            instance.slug = created.slug
        else:
            services.transition_update(transition=instance, user=self.user)


class TicketResource(DesignResource):
    version = fields.Field(attribute="version", column_name="version", widget=WholeNumberCell(default=0))
    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)

    extra_columns = ("workflow_version",)

    class Meta:
        model = TicketDefinition
        fields = (
            "slug",
            "version",
            "title",
            "description",
            "ext_ref",
            "workflow",
            "workflow_version",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
        )
        export_order = fields
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        import_permission_code = "import"
        export_permission_code = "export"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["workflow"].widget = SlugReference(self.resolve_workflow)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        self.tickets: dict[tuple[str, int], TicketDefinition] = {}
        self.ticket_drafts: dict[str, TicketDefinition] = {}
        self.ticket_latest: dict[str, int] = {}
        visible = of_company(visible=access.tickets_for(self.user), company=self.company)
        for ticket in visible.filter(slug__in=self.column_values(dataset, "slug")):
            self.ticket_latest[ticket.slug] = max(self.ticket_latest.get(ticket.slug, 0), ticket.version)
            self.tickets[(ticket.slug, ticket.version)] = ticket
            if ticket.status == DefinitionStatus.DRAFT:
                self.ticket_drafts[ticket.slug] = ticket

    def get_instance(self, instance_loader, row):
        slug = str(row.get("slug") or "").strip()
        version = WholeNumberCell(default=0).clean(row.get("version"))
        return self.tickets.get((slug, version)) if version else self.ticket_drafts.get(slug)

    def init_instance(self, row=None):
        return TicketDefinition(company=self.company)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and not WholeNumberCell(default=0).clean(row.get("version")):
            instance.version = self.ticket_latest.get(str(row.get("slug") or "").strip(), 0) + 1
            row["version"] = instance.version

    def do_instance_save(self, instance, is_create):
        names = (
            "slug",
            "version",
            "title",
            "description",
            "ext_ref",
            "workflow",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
        )
        if is_create:
            created = services.ticket_create(user=self.user, company=self.company, **self.field_data(instance, names))
            instance.pk = created.pk
        else:
            services.ticket_update(ticket=instance, user=self.user)


RESOURCES = {
    WorkflowDefinition: WorkflowResource,
    TaskDefinition: TaskResource,
    WorkflowTransition: TransitionResource,
    TicketDefinition: TicketResource,
}
