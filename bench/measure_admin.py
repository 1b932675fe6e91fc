"""Parts 1 and 2: the admin workflow change page, the admin changelists and the access filter's SQL."""

from __future__ import annotations

import statistics
import time

from bench.build_data import Sizes
from bench.measuring import admin_client, count_queries_of, fetch, median_time, ms
from bench.report import Report, Row


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
