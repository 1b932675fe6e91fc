"""The sizes of a run and the data sets built at those sizes in the fresh database."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.database import settle_database


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
