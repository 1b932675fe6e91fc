"""Addresses and form POSTs of the one-page workflow designer, as a browser sends them."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, TransitionFactory, WorkflowFactory
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition


def change_url(workflow) -> str:
    return reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])


ADD_URL = "/admin/workflow_design/workflowdefinition/add/"

# The output form of a yes/no step: the field the designer's branch conditions test.
APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


def long_workflow(company, tasks: int, transitions_per_task: int = 3) -> WorkflowDefinition:
    """Tasks t0…tN-1 ("Task i"), each leaving to the next ones and to the end: 1 + 3N transitions."""
    role = CompanyRoleFactory(company=company)
    workflow = WorkflowFactory(company=company)
    made = [
        TaskFactory(
            workflow=workflow, slug=f"t{i}", title=f"Task {i}", position=i, assignee_role=role, output_schema=APPROVED
        )
        for i in range(tasks)
    ]
    TransitionFactory(workflow=workflow, from_task=None, to_task=made[0], priority=1)
    for i, task in enumerate(made):
        targets = [made[(i + k) % tasks] for k in range(1, transitions_per_task)] + [None]
        for priority, target in enumerate(targets, start=1):
            condition = "output.approved == true" if priority == 1 else ""
            TransitionFactory(workflow=workflow, from_task=task, to_task=target, priority=priority, condition=condition)
    return workflow


def task_row(task: TaskDefinition | None = None, **values) -> dict:
    row = {
        "id": task.pk if task else "",
        "title": task.title if task else "",
        "slug": task.slug if task else "",
        "position": task.position if task else 0,
        "task_type": "FORM",
        "assignee_role": (task.assignee_role_id or "") if task else "",
        "output_schema": task.output_schema if task else [],
        "input_schema": task.input_schema if task else [],
        "description": task.description if task else "",
    }
    row.update(values)
    return row


def transition_row(transition: WorkflowTransition | None = None, **values) -> dict:
    row = {
        "id": transition.pk if transition else "",
        "from_task": transition.from_task.slug if transition and transition.from_task_id else "",
        "to_task": transition.to_task.slug if transition and transition.to_task_id else "",
        "priority": transition.priority if transition else 100,
        "condition": transition.condition if transition else "",
        "slug": transition.slug if transition else "",
    }
    row.update(values)
    return row


def designer_post(workflow=None, *, tasks=None, transitions=None, **main) -> dict:
    """The POST of the workflow page: the main form, then the task and transition rows."""
    if workflow is not None:
        tasks = tasks if tasks is not None else [task_row(t) for t in workflow.tasks.order_by("position", "id")]
        transitions = (
            transitions
            if transitions is not None
            else [transition_row(t) for t in workflow.transitions.select_related("from_task", "to_task")]
        )
    tasks, transitions = tasks or [], transitions or []
    data = {
        "title": workflow.title if workflow else "New workflow",
        "slug": workflow.slug if workflow else "new-workflow",
        "description": "",
        "ext_ref": json.dumps(workflow.ext_ref if workflow else []),
        "fields": json.dumps(workflow.fields if workflow else []),
        "display_layout": json.dumps(workflow.display_layout if workflow else []),
        "_continue": "Save and continue editing",
    }
    data.update({k: json.dumps(v) if isinstance(v, list) else v for k, v in main.items()})
    for prefix, rows in (("tasks", tasks), ("transitions", transitions)):
        initial = sum(1 for row in rows if row["id"])
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(initial),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            for key, value in row.items():
                if key == "DELETE":
                    if value:
                        data[f"{prefix}-{index}-DELETE"] = "on"
                    continue
                data[f"{prefix}-{index}-{key}"] = json.dumps(value) if isinstance(value, list) else value
    return data


def errors_in(html: str) -> str:
    """The text of every error list on the page."""
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, flags=re.S))
