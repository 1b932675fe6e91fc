"""Part 5: the design-time checks (linting, the diagram's layout) of a large workflow."""

from __future__ import annotations

import time

from bench.build_data import Sizes
from bench.measuring import median_time
from bench.report import Report, Row


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
