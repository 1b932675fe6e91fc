"""Part 8: the routing analysis (SMT) of the 200- and 1,000-task workflows, cold and re-checked."""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict

from bench.build_data import Sizes
from bench.measuring import median_time
from bench.report import Report, Row


@dataclasses.dataclass(frozen=True)
class _Transition:
    pk: int
    condition: str
    to_task_id: int | None


def _inputs(workflow) -> dict:
    """What the linter hands the analysis: transitions by source in priority order, forms, fields."""
    outgoing = defaultdict(list)
    for pk, source, target, condition in workflow.transitions.order_by("priority", "id").values_list(
        "pk", "from_task_id", "to_task_id", "condition"
    ):
        outgoing[source].append(_Transition(pk, condition or "", target))
    return {
        "outgoing": dict(outgoing),
        "output_schemas": dict(workflow.tasks.values_list("pk", "output_schema")),
        "workflow_fields": workflow.fields,
        "ticket_field_lists": [t.fields for t in workflow.ticket_definitions.all()],
    }


def measure_routing(report: Report, data: dict, sizes: Sizes, log) -> None:
    from django.core.cache import caches

    from workflow_design.rules.routing import analyse_workflow

    rows = report.section("8. routing analysis (SMT)")
    cache = caches["routing"]

    def cold(inputs):
        cache.clear()
        return analyse_workflow(**inputs)

    for workflow, limit in ((data["page_large"], 1.0), (data["checks"], 5.0)):
        inputs = _inputs(workflow)
        n_transitions = sum(len(t) for t in inputs["outgoing"].values())
        size = f"{len(inputs['output_schemas'])} tasks / {n_transitions} transitions"
        elapsed = median_time(lambda inputs=inputs: cold(inputs), sizes.repeat, warm=False)
        result = cold(inputs)
        log(f"  routing, {size}: {elapsed:.3f} s ({result.solved} distinct task problems solved)")
        rows.append(Row(f"routing analysis, {size}, cold cache", f"{elapsed:.3f} s", f"< {limit} s", elapsed < limit))

    # Every task's conditions different (nothing shared between tasks): the analysis's own cost.
    inputs = _inputs(data["page_large"])
    distinct = {
        source: [
            dataclasses.replace(t, condition=f'{t.condition} && output.comment != "t{source}"') if t.condition else t
            for t in transitions
        ]
        for source, transitions in inputs["outgoing"].items()
    }
    distinct_inputs = {**inputs, "outgoing": distinct}
    elapsed = median_time(lambda: cold(distinct_inputs), max(1, sizes.repeat // 2), warm=False)
    result = cold(distinct_inputs)
    done = f"{result.solved} solved, {len(result.unfinished)} left to the next check by the budget"
    rows.append(Row("routing analysis, 200 tasks all different, cold cache", f"{elapsed:.3f} s ({done})", "", None))

    # A save changing one condition: only that task is solved again. The change keeps the kind of
    # condition the workflow has (true/false fields); one comparing text is shown beside it, since
    # the solver's string theory costs more per question.
    analyse_workflow(**inputs)
    source = next(s for s in inputs["outgoing"] if s is not None)
    for label, change, limit in (
        ("routing re-check, 200 tasks, one condition changed", "{condition} && {round} >= 0", 0.1),
        (
            "routing re-check, 200 tasks, one condition changed to compare text",
            "{condition} || output.comment == 'r{round}'",
            None,
        ),
    ):
        times = []
        for round_ in range(sizes.repeat):
            changed = dict(inputs["outgoing"])
            first = changed[source][0]
            condition = change.format(condition=first.condition, round=round_ + 1000 * len(times) + hash(label) % 997)
            changed[source] = [dataclasses.replace(first, condition=condition), *inputs["outgoing"][source][1:]]
            started = time.perf_counter()
            result = analyse_workflow(**{**inputs, "outgoing": changed})
            times.append(time.perf_counter() - started)
            assert result.solved == 1, result.solved
        elapsed = sorted(times)[len(times) // 2]
        log(f"  {label}: {elapsed * 1000:.1f} ms")
        rows.append(
            Row(
                label,
                f"{elapsed * 1000:.1f} ms",
                f"< {limit * 1000:.0f} ms" if limit else "",
                elapsed < limit if limit else None,
            )
        )
