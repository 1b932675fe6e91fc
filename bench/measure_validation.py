"""Bundle validation: the import (rolled back) and the linter of the workflow it makes, at once."""

from __future__ import annotations

from bench.measuring import QueryCounter, median_time, ms
from bench.report import Report, Row


def measure_validation(report: Report, data: dict, sizes) -> None:
    from django.db import connection

    from workflow_design.files.bundles import bundle_export
    from workflow_design.services.bundle_validation import bundle_validate

    rows = report.section("bundle validation (import rolled back, then lint)")
    measured = {}
    for key in ("bundle_small", "bundle_large"):
        workflow = data[key]
        document = bundle_export(workflow=workflow)
        # A clashing slug is reported and the rest still checked: the cost of every group at once.
        # Counted after a first run, which also reads the permission tables into their caches.
        bundle_validate(user=data["large_creator"], document=document)
        with QueryCounter(connection) as counter:
            validation = bundle_validate(user=data["large_creator"], document=document)
        if "slug-clash" not in {finding["code"] for finding in validation.findings}:
            raise RuntimeError(f"validation of {workflow.slug} missed its stored slug: {validation.findings[:3]}")
        seconds = median_time(
            lambda document=document: bundle_validate(user=data["large_creator"], document=document), sizes.repeat
        )
        measured[key] = (counter.count, len(document["tasks"]), seconds)
    (q_s, t_s, s_s), (q_l, t_l, s_l) = measured["bundle_small"], measured["bundle_large"]
    rows.append(Row(f"queries, {t_s}-task vs {t_l}-task bundle", f"{q_s} vs {q_l}", "equal", q_s == q_l))
    rows.append(Row(f"time, {t_s}-task bundle", ms(s_s), "", None))
    rows.append(Row(f"time, {t_l}-task bundle", ms(s_l), "", None))
