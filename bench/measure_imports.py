"""Part 3: a task file imported by our resource and by import-export's stock one, and bundle imports."""

from __future__ import annotations

import time
import tracemalloc

from bench.build_data import Sizes
from bench.measuring import QueryCounter
from bench.report import Report, Row


def stock_task_resource(company):
    """django-import-export's default ModelResource for tasks, reading the same file by slug."""
    from import_export import fields, resources, widgets

    from users.models import CompanyRole
    from workflow_design.files.bundles import TASK_KEYS
    from workflow_design.models import TaskDefinition, WorkflowDefinition

    class CompanyRoleBySlug(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return CompanyRole.objects.filter(company=company)

    class StockTaskResource(resources.ModelResource):
        workflow = fields.Field(
            attribute="workflow", column_name="workflow", widget=widgets.ForeignKeyWidget(WorkflowDefinition, "slug")
        )
        assignee_role = fields.Field(
            attribute="assignee_role", column_name="assignee_role", widget=CompanyRoleBySlug(CompanyRole, "slug")
        )

        class Meta:
            model = TaskDefinition
            fields = ("workflow", *TASK_KEYS)
            import_id_fields = ("workflow", "slug")

        def before_save_instance(self, instance, row, **kwargs):
            # The one thing the file cannot say: the task's company is its workflow's.
            instance.company_id = instance.workflow.company_id

    return StockTaskResource()


def run_import(make_resource, csv_bytes: bytes, user, *, trace_memory: bool = False):
    """One import of the file, rolled back afterwards so every run starts from the same data."""
    from django.db import connection, transaction

    from workflow_design.files.formats import SafeCSV

    dataset = SafeCSV().create_dataset(csv_bytes)
    resource = make_resource()
    counter = QueryCounter(connection)
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    with transaction.atomic(), counter:
        result = resource.import_data(dataset, dry_run=False, user=user)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    peak = 0
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, elapsed, counter.count, peak


def measure_imports(report: Report, data: dict, sizes: Sizes, log) -> None:
    from bench import datasets
    from workflow_design.files.resources import TaskResource

    rows = report.section(f"3. task file import ({sizes.import_rows} rows, CSV)")
    user, company = data["large_creator"], data["large"].company
    workflows = data["large"].workflows[:100]
    csv_bytes = datasets.task_import_csv(workflows, sizes.import_rows)
    memory_rows = min(1000, sizes.import_rows)
    memory_bytes = datasets.task_import_csv(workflows, memory_rows)

    def ours():
        return TaskResource(user=user, company=company)

    def stock():
        return stock_task_resource(company)

    measured = {}
    for name, make in (("ours", ours), ("stock", stock)):
        result, elapsed, queries, _ = run_import(make, csv_bytes, user)
        failed = result.has_errors() or result.has_validation_errors()
        if failed:
            first = (result.invalid_rows[:1] or [None])[0]
            log(f"  {name} import reported errors, e.g. {getattr(first, 'error_dict', first)}")
        new = result.totals.get("new", 0)
        # tracemalloc slows Python down several times: peak memory is taken in a separate run
        # over the file's first 1,000 rows, the same rows for both resources.
        _, _, _, peak = run_import(make, memory_bytes, user, trace_memory=True)
        measured[name] = (sizes.import_rows / elapsed, queries, peak, new, failed)
        log(f"  {name}: {sizes.import_rows / elapsed:.0f} rows/s, {queries} queries")
    ours_rate, ours_queries, ours_peak, ours_new, ours_failed = measured["ours"]
    stock_rate, stock_queries, stock_peak, stock_new, _ = measured["stock"]
    rows.append(Row("rows imported (ours / stock)", f"{ours_new} / {stock_new}", f"{sizes.import_rows} each", None))
    rows.append(Row("rate, our resource (every rule)", f"{ours_rate:.0f} rows/s", "", None))
    rows.append(Row("rate, stock ModelResource (default)", f"{stock_rate:.0f} rows/s", "", None))
    ratio = ours_rate / stock_rate
    rows.append(Row("rate ratio, ours / stock", f"{ratio:.2f}x", ">= 4x", ratio >= 4 and not ours_failed))
    per_row = ours_queries / sizes.import_rows
    rows.append(
        Row(
            "queries, our resource",
            f"{ours_queries} ({per_row:.1f} a row, {per_row * 1000:.0f} a 1,000-row batch)",
            "<= 100 a 1,000-row batch",
            per_row * 1000 <= 100,
        )
    )
    rows.append(
        Row("queries, stock resource", f"{stock_queries} ({stock_queries / sizes.import_rows:.1f} a row)", "", None)
    )
    rows.append(
        Row(
            f"peak Python memory (tracemalloc, {memory_rows} rows), ours / stock",
            f"{ours_peak / 1024 / 1024:.0f} MB / {stock_peak / 1024 / 1024:.0f} MB",
            "",
            None,
        )
    )
    rows.append(row_errors_check(user, company, workflows))


def row_errors_check(user, company, workflows) -> Row:
    """Three bad rows in a 100-row file: each must be reported at its own row number."""
    import csv
    import io

    from bench import datasets
    from workflow_design.files.resources import TaskResource

    text = datasets.task_import_csv(workflows, 100).decode("utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    header = lines[0]
    lines[10][header.index("assignee_role")] = "no-such-role"
    lines[50][header.index("output_schema")] = '[{"name": "x", "type": "no-such-type"}]'
    lines[90][header.index("workflow")] = "no-such-workflow"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    result, _, _, _ = run_import(lambda: TaskResource(user=user, company=company), out.getvalue().encode(), user)
    numbers = sorted(row.number for row in result.invalid_rows)
    return Row(
        "errors tied to their rows (bad rows 10, 50, 90 of 100)",
        f"rows {numbers}" if numbers else "none reported",
        "rows [10, 50, 90]",
        numbers == [10, 50, 90],
    )


def measure_bundles(report: Report, data: dict) -> None:
    from django.db import connection

    from workflow_design.files.bundles import bundle_export
    from workflow_design.services.bundle_import import bundle_import

    rows = report.section("3. bundle import (dry run)")
    counts = {}
    # One import first, uncounted: what a process fills once (content types, permissions, the
    # routing cache) is not a cost of either size.
    warm = bundle_export(workflow=data["bundle_small"])
    warm["workflow"]["slug"] = "bundle-warm-up"
    bundle_import(user=data["large_creator"], document=warm, dry_run=True)
    for key in ("bundle_small", "bundle_large"):
        workflow = data[key]
        document = bundle_export(workflow=workflow)
        # Imported under a new slug: the source is itself a draft, and a second draft of one
        # slug is refused.
        document["workflow"]["slug"] = f"{workflow.slug}-imported"
        with QueryCounter(connection) as counter:
            result = bundle_import(user=data["large_creator"], document=document, dry_run=True)
        if not result.ok:
            raise RuntimeError(f"bundle import of {workflow.slug} refused: {result.errors[:3]}")
        counts[key] = (counter.count, len(document["tasks"]), len(document["transitions"]))
    (q_s, t_s, tr_s), (q_l, t_l, tr_l) = counts["bundle_small"], counts["bundle_large"]
    rows.append(
        Row(
            f"queries, {t_s}-task/{tr_s}-transition vs {t_l}-task/{tr_l}-transition bundle",
            f"{q_s} vs {q_l}",
            "equal",
            q_s == q_l,
        )
    )
