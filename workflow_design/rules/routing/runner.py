"""The routing analysis of a whole workflow: each task within a time budget, results cached by digest.

A task's result depends only on its conditions (in priority order) and the field schemas in scope,
so it is cached in Django's `routing` cache under a digest of exactly those: a re-check after a
save solves only the tasks whose conditions or fields changed, and tasks alike share one result.
The solver gets a time limit per query and the workflow a budget; a task not finished in time is
reported by name (and not cached), never waited for.

The "no exit" check then works on the graph of transitions that can be taken: a cycle from which
no such transition leads out strands every ticket entering it.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import z3
from django.core.cache import InvalidCacheBackendError, caches

from workflow_design.files.limits import routing_workflow_budget_ms
from workflow_design.rules.routing.checks import TaskRouting, TaskVerdict, Unfinished, analyse_task
from workflow_design.rules.routing.fields import merged_ticket_specs, specs_of
from workflow_design.rules.routing.loops import reads_ticket_or_workflow, ticket_bound_loop

# Part of every cache key: a change to the analysis makes earlier results unreachable.
ANALYSIS_VERSION = "1"


@dataclass
class WorkflowRouting:
    verdicts: dict[int | None, TaskVerdict] = field(default_factory=dict)  # by source task id (None: start)
    unfinished: list[int | None] = field(default_factory=list)
    no_exit: list[list[int]] = field(default_factory=list)  # cycles nothing can leave, task ids in order
    # Cycles some tickets never leave: (task ids, the ticket and workflow values that stay in)
    ticket_bound_loops: list[tuple[list[int], dict[str, Any]]] = field(default_factory=list)
    solved: int = 0  # tasks solved in this run (the others came from the cache)


def _cache():
    try:
        return caches["routing"]
    except InvalidCacheBackendError:
        return caches["default"]


def _frozen(specs: Mapping | None) -> tuple | None:
    return None if specs is None else tuple(specs.items())


def routing_digest(routing: TaskRouting) -> str:
    """The digest of everything a task's result depends on (the parts' reprs are stable: they
    are made of strings, numbers, booleans and tuples). The field parts repeat from task to task
    and are digested once each."""
    parts = [repr(routing.conditions)]
    parts += [_specs_digest(specs) for specs in (routing.ticket, routing.workflow, routing.output)]
    return hashlib.sha256(f"{ANALYSIS_VERSION}:{':'.join(parts)}".encode()).hexdigest()


@lru_cache(maxsize=4096)
def _specs_digest(specs: tuple | None) -> str:
    return hashlib.sha256(repr(specs).encode()).hexdigest()


def analyse_workflow(
    *,
    outgoing: Mapping[int | None, list[Any]],
    output_schemas: Mapping[int, Any],
    workflow_fields: Any,
    ticket_field_lists: list[Any],
    condition_error_ids: Iterable[int] = (),
    budget_ms: int | None = None,
) -> WorkflowRouting:
    """Analyse every task's (and the start's) outgoing transitions, in priority order.

    `outgoing` maps a source task id (None for the start) to its transitions in the order the
    runtime tries them (objects with `pk` and `condition`); `condition_error_ids` are transitions
    whose condition already has an error of its own, left out of the analysis.
    """
    errors = set(condition_error_ids)
    workflow_specs = _frozen(specs_of(workflow_fields))
    ticket_specs = _frozen(merged_ticket_specs(ticket_field_lists))
    routings: dict[int | None, TaskRouting] = {}
    digests: dict[int | None, str] = {}
    # Big workflows repeat a few forms and conditions: each distinct pair is digested once.
    seen: dict[tuple, tuple[TaskRouting, str]] = {}
    for source, transitions in outgoing.items():
        conditions = tuple(((t.condition or "").strip(), t.pk in errors) for t in transitions)
        schema = None if source is None else output_schemas.get(source)
        # The form's repr as the memo key (the digest itself is of the specs read from it).
        key = (conditions, source is None, repr(schema))
        known = seen.get(key)
        if known is None:
            output = None if source is None else _frozen(specs_of(schema))
            routing = TaskRouting(conditions, ticket_specs, workflow_specs, output)
            known = seen[key] = (routing, routing_digest(routing))
        routings[source], digests[source] = known
    cache = _cache()
    cached = cache.get_many(set(digests.values()))
    result = WorkflowRouting()
    deadline = time.perf_counter() + (routing_workflow_budget_ms() if budget_ms is None else budget_ms) / 1000
    solved_now: dict[str, TaskVerdict] = {}
    for source, digest in digests.items():
        verdict = cached.get(digest) or solved_now.get(digest)
        if verdict is None:
            if time.perf_counter() >= deadline:
                result.unfinished.append(source)
                continue
            try:
                verdict = analyse_task(routings[source], deadline)
            except (Unfinished, z3.Z3Exception):
                # Out of time, or a question the solver refused: the task is named as not finished.
                result.unfinished.append(source)
                continue
            solved_now[digest] = verdict
            result.solved += 1
        result.verdicts[source] = verdict
    if solved_now:
        cache.set_many(solved_now)
    result.no_exit, with_exits = _loops(outgoing, result.verdicts)
    for group in with_exits:
        if not any(reads_ticket_or_workflow(routings[source]) for source in group):
            continue
        try:
            found = ticket_bound_loop(group, outgoing, routings, deadline)
        except (Unfinished, z3.Z3Exception):
            result.unfinished.append(group[0])
            continue
        if found is not None:
            result.ticket_bound_loops.append((group, found))
    return result


def _loops(outgoing: Mapping[int | None, list[Any]], verdicts: dict) -> tuple[list[list[int]], list[list[int]]]:
    """Strongly connected groups of tasks with a cycle: those no transition that can be taken
    leaves, and those some such transition leaves (fully analysed ones only).

    Only groups the plain graph lets out are reported: a group with no way out at all is
    already the graph check's finding. A task not analysed counts as able to take every transition.
    """
    takeable: dict[int, list[int | None]] = defaultdict(list)
    leaves_somewhere: dict[int, list[int | None]] = defaultdict(list)
    for source, transitions in outgoing.items():
        if source is None:
            continue
        verdict = verdicts.get(source)
        for position, transition in enumerate(transitions):
            leaves_somewhere[source].append(transition.to_task_id)
            item = verdict.transitions[position] if verdict is not None else None
            if item is None or item.skipped or item.partial or item.can_be_taken:
                takeable[source].append(transition.to_task_id)
    found, with_exits = [], []
    for group in _strongly_connected(takeable):
        members = set(group)
        has_cycle = len(group) > 1 or group[0] in takeable.get(group[0], [])
        if not has_cycle or any(source not in verdicts for source in group):
            continue
        if any(target not in members for source in group for target in takeable.get(source, [])):
            with_exits.append(sorted(group))
            continue
        if any(target not in members for source in group for target in leaves_somewhere.get(source, [])):
            found.append(sorted(group))
    return found, with_exits


def _strongly_connected(edges: Mapping[int, list[int | None]]) -> list[list[int]]:
    """Tarjan's algorithm without recursion (a 1,000-task chain would pass Python's stack limit)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    groups: list[list[int]] = []
    counter = 0
    for root in list(edges):
        if root in index:
            continue
        work = [(root, iter([t for t in edges.get(root, []) if t is not None]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([t for t in edges.get(child, []) if t is not None])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups
