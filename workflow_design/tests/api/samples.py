"""Addresses and field lists the API tests share."""

from __future__ import annotations

W = "/api/workflow/workflows/"
T = "/api/workflow/tasks/"
TR = "/api/workflow/transitions/"
TK = "/api/workflow/tickets/"

FIELDS = [
    {"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0},
    {"name": "reason", "label": "Reason", "type": "long_text"},
]


def publish(workflow):
    from workflow_design.services import workflow_publish

    return workflow_publish(workflow=workflow, user=None)
