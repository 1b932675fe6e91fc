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


def created(api, user, url: str, body: dict, model):
    """POST a new row as `user`; the answer is 201 and the stored row is of the user's company, made
    by the user. Returns the stored row and the answer's JSON."""
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    row = model.objects.get(pk=data["id"])
    assert row.company == user.company and row.created_by == user
    return row, data


def exported_bundle(api, workflow, *, slug: str) -> dict:
    """The workflow's bundle as the API exports it, under a new slug so that it imports as a new workflow."""
    document = api.get(f"{W}{workflow.pk}/bundle/").json()
    document["workflow"]["slug"] = slug
    return document


def publish(workflow):
    from workflow_design.services import workflow_publish

    return workflow_publish(workflow=workflow, user=None)
