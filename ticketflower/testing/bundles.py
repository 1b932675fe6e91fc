"""Workflow bundles a test writes by hand, as a client of the published bundle schema would."""

from __future__ import annotations

from typing import Any


def one_task_bundle_from_schema(
    schema: dict[str, Any], *, slug: str, title: str, task_slug: str, task_title: str, **transition_keys: Any
) -> dict[str, Any]:
    """A bundle written from the bundle's JSON Schema alone: the format and format version the
    schema fixes, a workflow of one task, and the transitions into and out of it (each with
    `transition_keys`, say a priority)."""
    return {
        "format": schema["properties"]["format"]["const"],
        "format_version": schema["properties"]["format_version"]["const"],
        "workflow": {"slug": slug, "title": title},
        "tasks": [{"slug": task_slug, "title": task_title}],
        "transitions": [
            {"slug": "in", "from_task": None, "to_task": task_slug, **transition_keys},
            {"slug": "out", "from_task": task_slug, "to_task": None, **transition_keys},
        ],
    }
