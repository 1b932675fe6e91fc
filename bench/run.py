"""The performance benchmark: builds company-sized data in a fresh database and checks each target.

    python bench/run.py                 # full size, SQLite in a temporary file
    python bench/run.py --quick         # small sizes, for a first look (about a minute)
    DATABASE_URL=postgres://user@host/name python bench/run.py
                                        # PostgreSQL: a dedicated database is created and dropped

It never touches the developer's database: SQLite runs in a temporary folder, PostgreSQL in a
database of its own (`ticketflower_benchrun_<pid>`) on the server DATABASE_URL names. Pages and
API lists are requested in-process with Django's test client, so the numbers are the
application's own (no network, no web server). Times are medians of several runs; every ratio
compares two measurements of the same run. The exit code is 0 even when a target is missed: the
table is the result.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# Results -----------------------------------------------------------------------------------


@dataclass
class Row:
    target: str
    measured: str
    limit: str
    ok: bool | None  # None: reported for information, no limit

    @property
    def verdict(self) -> str:
        return "INFO" if self.ok is None else ("PASS" if self.ok else "FAIL")


class Report:
    def __init__(self) -> None:
        self.sections: list[tuple[str, list[Row]]] = []

    def section(self, title: str) -> list[Row]:
        rows: list[Row] = []
        self.sections.append((title, rows))
        return rows

    def text(self) -> str:
        rows = [r for _, section in self.sections for r in section]
        w_target = max([len("target")] + [len(r.target) for r in rows])
        w_measured = max([len("measured")] + [len(r.measured) for r in rows])
        w_limit = max([len("limit")] + [len(r.limit) for r in rows])
        line = f"{'target':<{w_target}}  {'measured':<{w_measured}}  {'limit':<{w_limit}}  result"
        out = [line, "-" * len(line)]
        for title, section in self.sections:
            out.append(f"[{title}]")
            for r in section:
                out.append(f"{r.target:<{w_target}}  {r.measured:<{w_measured}}  {r.limit:<{w_limit}}  {r.verdict}")
        return "\n".join(out)

    def markdown(self) -> str:
        out = ["| target | measured | limit | result |", "| --- | --- | --- | --- |"]
        for title, section in self.sections:
            out.append(f"| **{title}** | | | |")
            for r in section:
                verdict = f"**{r.verdict}**" if r.verdict == "FAIL" else r.verdict
                out.append(f"| {r.target} | {r.measured} | {r.limit} | {verdict} |")
        return "\n".join(out)

    def failures(self) -> list[Row]:
        return [r for _, section in self.sections for r in section if r.ok is False]


# Measuring ---------------------------------------------------------------------------------


def median_time(fn: Callable[[], object], repeat: int, warm: bool = True) -> float:
    """Median wall time of `repeat` calls, after one warm-up call (caches, connections)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class QueryCounter:
    """Counts SQL statements through a connection wrapper: no query log kept, so any size fits."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def machine_description(vendor: str, db_version: str) -> str:
    ram = "unknown"
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    import django

    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {os.cpu_count()} cores, RAM {ram}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, {vendor} {db_version}"
    )


# Database ----------------------------------------------------------------------------------


class FreshDatabase:
    """A database of its own for one run: a temporary SQLite file, or a new PostgreSQL database."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.url = os.environ.get("DATABASE_URL", "").strip()
        self.tmpdir: str | None = None
        self.pg: dict | None = None

    def __enter__(self) -> FreshDatabase:
        if self.url and not self.url.startswith("sqlite"):
            name = f"ticketflower_benchrun_{os.getpid()}"
            self.pg = {"name": name}
            self._admin_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            os.environ["DATABASE_URL"] = self._replace_name(self.url, name)
        else:
            self.tmpdir = tempfile.mkdtemp(prefix="ticketflower-bench-")
            os.environ["DATABASE_URL"] = "sqlite:///" + Path(self.tmpdir, "bench.sqlite3").as_posix()
        return self

    @staticmethod
    def _replace_name(url: str, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))

    def _admin_sql(self, *statements: str) -> None:
        import psycopg

        # The server's maintenance database, reached with the same address and user as DATABASE_URL.
        with psycopg.connect(self._replace_name(self.url, "postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        if self.keep:
            print(f"kept the benchmark database: {os.environ['DATABASE_URL']}")
            return
        if self.pg is not None:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.pg["name"]}" WITH (FORCE)')
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def setup_django() -> None:
    # The settings module turns production checks on when DEBUG is off; the benchmark starts
    # in development mode and switches DEBUG off below, before any page is rendered, so pages
    # run without debug query logging and template debug information, as in production.
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Users are made without passwords; a fast hasher keeps any incidental hashing cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# The run -----------------------------------------------------------------------------------


@dataclass
class Sizes:
    companies: int
    large_workflows: int
    tasks_per_workflow: int
    transitions_per_workflow: int
    other_workflows: int
    small_rows: int
    page_small_tasks: int
    page_large_tasks: int
    import_rows: int
    bundle_small: int
    bundle_large: int
    check_tasks: int
    repeat: int


def sizes_from(args) -> Sizes:
    if args.quick:
        base = Sizes(10, 100, 4, 4, 10, 10, 5, 200, 1000, 20, 200, 1000, 3)
    else:
        base = Sizes(100, 1000, 4, 4, 10, 10, 5, 200, 10000, 20, 200, 1000, 5)
    for name in ("companies", "large_workflows", "import_rows", "check_tasks", "repeat"):
        value = getattr(args, name)
        if value is not None:
            setattr(base, name, value)
    return base


def build(sizes: Sizes, log) -> dict:

    from bench import datasets

    started = time.perf_counter()
    large = datasets.make_company(1, "large-co")
    small = datasets.make_company(2, "small-co")
    large_creator = datasets.make_creator(large, "creator@large-co.example")
    small_creator = datasets.make_creator(small, "creator@small-co.example")
    superuser = datasets.make_superuser("root@ticketflower.example")
    per_workflow = {
        "tasks_per_workflow": sizes.tasks_per_workflow,
        "transitions_per_workflow": sizes.transitions_per_workflow,
    }
    datasets.fill_company(large, workflows=sizes.large_workflows, creator=large_creator, **per_workflow)
    # The small company: `small_rows` rows in each of the four changelists.
    datasets.fill_company(
        small, workflows=sizes.small_rows, tasks_per_workflow=1, transitions_per_workflow=1, creator=small_creator
    )
    others = []
    for index in range(3, sizes.companies + 1):
        other = datasets.make_company(index)
        datasets.fill_company(other, workflows=sizes.other_workflows, **per_workflow)
        others.append(other)
    log(f"  companies and changelist data: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    page_small = datasets.designed_workflow(large, slug="page-small", tasks=sizes.page_small_tasks)
    page_large = datasets.designed_workflow(large, slug="page-large", tasks=sizes.page_large_tasks)
    bundle_small = datasets.designed_workflow(large, slug="bundle-small", tasks=sizes.bundle_small)
    bundle_large = page_large if sizes.bundle_large == sizes.page_large_tasks else None
    if bundle_large is None:
        bundle_large = datasets.designed_workflow(large, slug="bundle-large", tasks=sizes.bundle_large)
    checks = datasets.designed_workflow(large, slug="checks", tasks=sizes.check_tasks)
    log(f"  designed workflows: {time.perf_counter() - started:.1f} s")

    settle_database()
    from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

    totals = {
        "workflows": WorkflowDefinition.objects.count(),
        "tasks": TaskDefinition.objects.count(),
        "transitions": WorkflowTransition.objects.count(),
        "tickets": TicketDefinition.objects.count(),
    }
    return {
        "large": large,
        "small": small,
        "large_creator": large_creator,
        "small_creator": small_creator,
        "superuser": superuser,
        "page_small": page_small,
        "page_large": page_large,
        "bundle_small": bundle_small,
        "bundle_large": bundle_large,
        "checks": checks,
        "totals": totals,
    }


def settle_database() -> None:
    """A settled database, as a running one is kept by autovacuum.

    Statistics for the planner and, on PostgreSQL, a vacuumed visibility map, so autovacuum does
    not start mid-measurement. Run after building the data and again before each part: the
    import measurements roll back tens of thousands of rows, whose dead tuples the next part
    would otherwise scan past.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def admin_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def fetch(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def count_queries_of(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def measure_change_page(report: Report, data: dict, sizes: Sizes) -> None:
    from django.urls import reverse

    from workflow_design.rules.diagram import forget_drawn_diagrams

    rows = report.section("1. admin workflow change page")
    client = admin_client(data["large_creator"])
    keys = ("page_small", "page_large")
    urls = {key: reverse("admin:workflow_design_workflowdefinition_change", args=[data[key].pk]) for key in keys}
    results = {}
    for key, url in urls.items():
        workflow = data[key]
        size = len(fetch(client, url).content)
        queries = count_queries_of(lambda url=url: fetch(client, url))
        results[key] = (queries, size, workflow.tasks.count(), workflow.transitions.count())

    # The pages are fetched in turns, so a machine that slows down or speeds up during the run
    # moves both medians alike rather than their ratio. A workflow shown again keeps its
    # diagram's layout; the first view after a change lays it out anew, timed on its own.
    times: dict[str, list[float]] = {f"{view}{key}": [] for view in ("", "first ") for key in keys}
    for _ in range(max(sizes.repeat, 9)):
        for first_view in (False, True):
            for key, url in urls.items():
                if first_view:
                    forget_drawn_diagrams()
                started = time.perf_counter()
                fetch(client, url)
                times[f"{'first ' if first_view else ''}{key}"].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    t_s, t_l = median["page_small"], median["page_large"]
    first_s, first_l = median["first page_small"], median["first page_large"]
    (q_s, size_s, tasks_s, _), (q_l, size_l, tasks_l, tr_l) = results["page_small"], results["page_large"]
    rows.append(
        Row(
            f"queries, {tasks_s} tasks vs {tasks_l} tasks/{tr_l} transitions",
            f"{q_s} vs {q_l}",
            "equal, <= 30",
            q_s == q_l and q_l <= 30,
        )
    )
    rows.append(
        Row(f"render time, {tasks_l}-task page / {tasks_s}-task page", f"{t_l / t_s:.2f}x", "< 4x", t_l / t_s < 4)
    )
    rows.append(Row("median time (small / large page)", f"{ms(t_s)} / {ms(t_l)}", "", None))
    rows.append(
        Row(
            "first view after a change (diagrams laid out anew), large / small",
            f"{first_l / first_s:.2f}x ({ms(first_s)} / {ms(first_l)})",
            "",
            None,
        )
    )
    rows.append(
        Row(f"HTML size, {tasks_l}-task page", f"{size_l / 1024 / 1024:.2f} MB", "< 2 MB", size_l < 2 * 1024 * 1024)
    )
    rows.append(Row(f"HTML size, {tasks_s}-task page", f"{size_s / 1024:.0f} KB", "", None))


CHANGELISTS = (
    ("workflows", "workflowdefinition"),
    ("tasks", "taskdefinition"),
    ("transitions", "workflowtransition"),
    ("tickets", "ticketdefinition"),
)


def measure_changelists(report: Report, data: dict, sizes: Sizes) -> None:
    from django.urls import reverse

    rows = report.section("1-2. admin changelists (creator of the large company vs the small one; superuser)")
    small, large, root = (
        admin_client(data["small_creator"]),
        admin_client(data["large_creator"]),
        admin_client(data["superuser"]),
    )
    from workflow_design import access

    def visible(user, label):
        model = dict(zip(("workflows", "tasks", "transitions", "tickets"), access.DESIGN_MODELS, strict=True))[label]
        return access.definitions_for(user, model).count()

    for label, model_name in CHANGELISTS:
        url = reverse(f"admin:workflow_design_{model_name}_changelist")
        for client in (small, large, root):
            fetch(client, url)
        q_small = count_queries_of(lambda url=url: fetch(small, url))
        q_large = count_queries_of(lambda url=url: fetch(large, url))
        t_large = median_time(lambda url=url: fetch(large, url), sizes.repeat, warm=False)
        t_root = median_time(lambda url=url: fetch(root, url), sizes.repeat, warm=False)
        rows.append(
            Row(
                f"{label}: queries at {visible(data['small_creator'], label)} vs "
                f"{visible(data['large_creator'], label)} rows",
                f"{q_small} vs {q_large}",
                "equal, <= 30",
                q_small == q_large and q_large <= 30,
            )
        )
        ratio = t_large / t_root
        rows.append(
            Row(
                f"{label}: creator time / superuser time",
                f"{ratio:.2f}x ({ms(t_large)} / {ms(t_root)})",
                "<= 1.5x",
                ratio <= 1.5,
            )
        )


def measure_access_sql(report: Report, data: dict) -> None:
    from django.db import connection
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    from workflow_design import access

    rows = report.section("2. access filter SQL (creator of the large company)")
    for model in access.DESIGN_MODELS:
        queryset = access.definitions_for(data["large_creator"], model).order_by("-pk")[:100]
        sql, _params = queryset.query.sql_with_params()
        lowered = sql.lower()
        tables = [get_user_obj_perms_model(model)._meta.db_table, get_group_obj_perms_model(model)._meta.db_table]
        uses_direct = any(table in lowered for table in tables)
        # guardian's generic tables join on a text object_pk that has to be cast; the direct
        # tables join on a real foreign key.
        casts = "object_pk" in lowered
        name = model._meta.model_name
        rows.append(
            Row(
                f"{name}: direct FK permission tables, no object_pk cast",
                "direct, no cast" if uses_direct and not casts else ("cast" if casts else "not direct"),
                "direct, no cast",
                uses_direct and not casts,
            )
        )
        if connection.vendor != "postgresql":
            continue
        plan = queryset.explain()
        scanned = [table for table in tables if f"seq scan on {table}" in plan.lower()]
        rows.append(
            Row(
                f"{name}: EXPLAIN, sequential scans of permission tables",
                ", ".join(scanned) or "none",
                "none",
                not scanned,
            )
        )


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


API_LISTS = ("workflows", "tasks", "transitions", "tickets")


def measure_api(report: Report, data: dict, sizes: Sizes) -> None:
    from rest_framework.test import APIClient

    rows = report.section("4. REST API lists (100 a page)")

    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    small, large = client_for(data["small_creator"]), client_for(data["large_creator"])
    urls = [(name, f"/api/workflow/{name}/", f"/api/workflow/{name}/") for name in API_LISTS]
    small_wf = data["small"].workflows[0]
    for nested in ("tasks", "transitions"):
        urls.append(
            (
                f"workflows/<id>/{nested}",
                f"/api/workflow/workflows/{small_wf.pk}/{nested}/",
                f"/api/workflow/workflows/{data['page_large'].pk}/{nested}/",
            )
        )
    for name, small_url, large_url in urls:
        fetch(small, small_url)
        fetch(large, large_url)
        q_small = count_queries_of(lambda u=small_url: fetch(small, u))
        q_large = count_queries_of(lambda u=large_url: fetch(large, u))
        body = fetch(large, large_url).json()
        n_small, n_large = len(fetch(small, small_url).json()["results"]), len(body["results"])
        elapsed = median_time(lambda u=large_url: fetch(large, u), sizes.repeat, warm=False)
        rows.append(
            Row(
                f"{name}: queries at {n_small} vs {n_large} rows a page",
                f"{q_small} vs {q_large}",
                "equal",
                q_small == q_large,
            )
        )
        rate = n_large / elapsed
        rows.append(
            Row(
                f"{name}: definitions a second (whole request)",
                f"{rate:.0f}/s ({ms(elapsed)} a page)",
                ">= 5,000/s",
                rate >= 5000,
            )
        )


def measure_checks(report: Report, data: dict, sizes: Sizes, log) -> None:
    from workflow_design.models import WorkflowDefinition
    from workflow_design.rules.diagram import forget_drawn_diagrams, workflow_diagram_svg
    from workflow_design.rules.linting import lint_workflow

    rows = report.section("5. design-time checks")
    workflow = data["checks"]
    n_tasks, n_transitions = workflow.tasks.count(), workflow.transitions.count()

    def diagram_laid_out(workflow):
        # Every run lays the diagram out: a drawing kept from the run before is not timed.
        forget_drawn_diagrams()
        return workflow_diagram_svg(workflow)

    for label, check, limit in (("lint", lint_workflow, 0.5), ("diagram", diagram_laid_out, 2.0)):
        # A probe on the 200-task workflow first: a check already far over its limit there is
        # reported from the probe, since the full-size run could take many minutes.
        probe_workflow = data["page_large"]
        started = time.perf_counter()
        check(WorkflowDefinition.objects.get(pk=probe_workflow.pk))
        probe = time.perf_counter() - started
        probe_size = f"{probe_workflow.tasks.count()} tasks / {probe_workflow.transitions.count()} transitions"
        if probe > 4 * limit and n_tasks > probe_workflow.tasks.count():
            log(f"  {label}: {probe:.2f} s at {probe_size}; the {n_tasks}-task run is skipped")
            rows.append(
                Row(
                    f"{label}, {n_tasks} tasks / {n_transitions} transitions",
                    f"not run: {probe:.2f} s already at {probe_size}",
                    f"< {limit} s",
                    False,
                )
            )
            continue

        def run(check=check):
            return check(WorkflowDefinition.objects.get(pk=workflow.pk))

        started = time.perf_counter()
        run()
        first = time.perf_counter() - started
        # A check far over its limit is timed once: repeating it would only lengthen the run.
        elapsed = first if first > 5 * limit else median_time(run, sizes.repeat, warm=False)
        log(f"  {label}: {elapsed:.2f} s")
        rows.append(
            Row(
                f"{label}, {n_tasks} tasks / {n_transitions} transitions",
                f"{elapsed:.3f} s",
                f"< {limit} s",
                elapsed < limit,
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (10 companies, 1,000-row import)")
    parser.add_argument("--companies", type=int, help="companies in the database (default 100)")
    parser.add_argument(
        "--large-workflows",
        type=int,
        help="workflows of the large company; each has 4 tasks, 4 transitions and a ticket type (default 1,000)",
    )
    parser.add_argument("--import-rows", type=int, help="rows of the task file (default 10,000)")
    parser.add_argument("--check-tasks", type=int, help="tasks of the lint/diagram workflow (default 1,000)")
    parser.add_argument("--repeat", type=int, help="timed runs per measurement; the median is reported (default 5)")
    parser.add_argument(
        "--only", action="append", help="run only these parts: pages, lists, sql, import, bundle, api, checks"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    sizes = sizes_from(args)
    only = set(args.only or ["pages", "lists", "sql", "import", "bundle", "api", "checks"])

    def log(message: str) -> None:
        print(message, flush=True)

    with FreshDatabase(keep=args.keep_db):
        setup_django()
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                db_version = cursor.fetchone()[0]
        else:
            import sqlite3

            db_version = sqlite3.sqlite_version
        machine = machine_description(connection.vendor, db_version)
        log(f"machine: {machine}")
        log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        log("building the data sets…")
        started = time.perf_counter()
        data = build(sizes, log)
        # The objects made while building the data stay in this process (a server would not hold
        # them): freeze them out of the garbage collector's reach, so its full collections, which
        # walk every live object, do not land in the timed requests.
        gc.collect()
        gc.freeze()
        totals = data["totals"]
        log(
            f"  {sizes.companies} companies; in all {totals['workflows']} workflows, {totals['tasks']} tasks, "
            f"{totals['transitions']} transitions, {totals['tickets']} tickets ({time.perf_counter() - started:.1f} s)"
        )
        large_total = sum(data["large"].counts.values())
        log(f"  the large company's creator sees {large_total} definitions (changelists: {data['large'].counts})")

        report = Report()
        steps = [
            ("pages", "admin change page", lambda: measure_change_page(report, data, sizes)),
            ("lists", "admin changelists", lambda: measure_changelists(report, data, sizes)),
            ("sql", "access SQL", lambda: measure_access_sql(report, data)),
            ("import", "imports", lambda: measure_imports(report, data, sizes, log)),
            ("bundle", "bundles", lambda: measure_bundles(report, data)),
            ("api", "API lists", lambda: measure_api(report, data, sizes)),
            ("checks", "lint and diagram", lambda: measure_checks(report, data, sizes, log)),
        ]
        for key, title, step in steps:
            if key not in only:
                continue
            log(f"measuring {title}…")
            before = len(report.sections)
            # Each part starts from a settled database and a collected heap: what an earlier
            # part left behind (rolled-back rows, import objects) is not this part's cost.
            settle_database()
            gc.collect()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - a broken part is reported, the rest still runs
                report.section(title).append(
                    Row(f"{title} could not be measured", f"{type(exc).__name__}: {exc}"[:160], "", False)
                )
            # Printed as it is measured: a long run shows its results before the final table.
            for section_title, rows in report.sections[before:]:
                log(f"  [{section_title}]")
                for row in rows:
                    log(f"    {row.target}: {row.measured} (limit {row.limit or '-'}) {row.verdict}")

        print()
        print(f"TicketFlower performance benchmark — {machine}")
        print(
            f"command: python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip()
            + f"  (database: {connection.vendor})"
        )
        print()
        print(report.text())
        if args.markdown:
            print()
            print(report.markdown())
        failures = report.failures()
        print()
        print(f"{len(failures)} target(s) missed." if failures else "Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
