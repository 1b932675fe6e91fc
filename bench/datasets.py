"""Benchmark data sets, made in bulk: bulk_create plus the bulk grant service.

Rows are written with `bulk_create` (no per-row model validation) because the benchmark
measures reading, importing and checking them, not making them; the object permissions are
granted through `definitions_grant_company_access`, the same service every write path uses, so
the access layer sees exactly what it sees in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from users.models import Company, CompanyRole, User
from users.roles import WORKFLOW_CREATOR
from users.services import company_create, user_create
from workflow_design.files.resources.tasks import TASK_COLUMNS
from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from workflow_design.services import definitions_grant_company_access

ROLE_SLUGS = ("employee", "it_support", "manager")

WORKFLOW_FIELDS = [
    {"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0},
    {"name": "reason", "label": "Reason", "type": "long_text", "max_length": 2000},
]
TICKET_FIELDS = [
    {"name": "summary", "label": "Summary", "type": "text", "required": True, "max_length": 200},
    {"name": "amount", "label": "Amount", "type": "number", "min": 0},
    {"name": "urgency", "label": "Urgency", "type": "choice", "choices": ["low", "normal", "high"]},
]
INPUT_SCHEMA = [{"name": "summary", "label": "Summary", "type": "text"}]
OUTPUT_SCHEMA = [
    {"name": "approved", "label": "Approved", "type": "boolean", "required": True},
    {"name": "comment", "label": "Comment", "type": "long_text", "max_length": 2000},
]
DESCRIPTION = "Checks the request against the company policy and records the decision with a comment."


@dataclass
class CompanyData:
    company: Company
    roles: dict[str, CompanyRole]
    workflows: list[WorkflowDefinition] = field(default_factory=list)
    reviewer: User | None = None
    counts: dict[str, int] = field(default_factory=dict)


def make_company(index: int, slug: str | None = None) -> CompanyData:
    slug = slug or f"company-{index:03d}"
    company = company_create(name=f"Company {index:03d}", slug=slug)
    roles = CompanyRole.objects.bulk_create(
        [CompanyRole(company=company, name=s.replace("_", " ").title(), slug=s) for s in ROLE_SLUGS]
    )
    return CompanyData(company=company, roles={role.slug: role for role in roles})


def make_creator(data: CompanyData, email: str) -> User:
    return user_create(email=email, password=None, company=data.company, is_staff=True, system_roles=[WORKFLOW_CREATOR])


def make_superuser(email: str) -> User:
    return user_create(email=email, password=None, company=None, is_staff=True, is_superuser=True)


def chain_transitions(workflow, tasks: list[TaskDefinition], count: int) -> list[WorkflowTransition]:
    """start → t1 → … → tn → end, cut or padded with alternative end branches to `count` rows."""
    ends: list[tuple[TaskDefinition | None, TaskDefinition | None, str, int]] = [(None, tasks[0], "", 1)]
    for a, b in zip(tasks, tasks[1:], strict=False):
        ends.append((a, b, "output.approved == true", 1))
    ends.append((tasks[-1], None, "", 1))
    i = 0
    while len(ends) < count:
        # A rejection branch: a task whose decision is "no" ends the ticket.
        ends.append((tasks[i % len(tasks)], None, "", 2 + i // len(tasks)))
        i += 1
    return [
        _transition(
            workflow,
            slug=f"tr-{n}",
            from_task=source,
            to_task=target,
            condition=condition,
            priority=priority,
        )
        for n, (source, target, condition, priority) in enumerate(ends[:count])
    ]


def _transition(workflow, *, from_task: TaskDefinition | None, **fields) -> WorkflowTransition:
    """A transition as the services store it: its workflow's company and its source's position copied."""
    return WorkflowTransition(
        workflow=workflow,
        company_id=workflow.company_id,
        from_task=from_task,
        from_position=from_task.position if from_task else 0,
        **fields,
    )


def branching_transitions(workflow, tasks: list[TaskDefinition]) -> list[WorkflowTransition]:
    """Three outgoing transitions a task (approve → next, reject → the one after, default → end)."""
    rows = [
        _transition(
            workflow,
            slug="start",
            from_task=None,
            to_task=tasks[0],
            priority=1,
        )
    ]
    n = len(tasks)
    for i, task in enumerate(tasks):
        nxt = tasks[i + 1] if i + 1 < n else None
        skip = tasks[i + 2] if i + 2 < n else None
        rows += [
            _transition(
                workflow,
                slug=f"t{i}-approve",
                from_task=task,
                to_task=nxt,
                condition="output.approved == true",
                priority=1,
            ),
            _transition(
                workflow,
                slug=f"t{i}-reject",
                from_task=task,
                to_task=skip,
                condition="output.approved == false",
                priority=2,
            ),
            _transition(
                workflow,
                slug=f"t{i}-end",
                from_task=task,
                to_task=None,
                priority=3,
            ),
        ]
    return rows


def _tasks_for(workflow, data: CompanyData, count: int, creator, prefix: str = "t") -> list[TaskDefinition]:
    roles = list(data.roles.values())
    return [
        TaskDefinition(
            company=data.company,
            workflow=workflow,
            title=f"Review step {i + 1}",
            slug=f"{prefix}{i}",
            description=DESCRIPTION,
            position=i,
            assignee_role=roles[i % len(roles)],
            input_schema=INPUT_SCHEMA,
            output_schema=OUTPUT_SCHEMA,
            version=workflow.version,
            status=workflow.status,
            created_by=creator,
        )
        for i in range(count)
    ]


def _workflow(data: CompanyData, slug: str, title: str, creator) -> WorkflowDefinition:
    return WorkflowDefinition(
        company=data.company,
        title=title,
        slug=slug,
        description=DESCRIPTION,
        ext_ref=[{"system": "erp", "reference": slug}],
        fields=WORKFLOW_FIELDS,
        display_layout=[{"title": "Request", "fields": ["amount", "reason"]}],
        version=1,
        status=DefinitionStatus.DRAFT,
        created_by=creator,
    )


def fill_company(
    data: CompanyData, *, workflows: int, tasks_per_workflow: int, transitions_per_workflow: int, creator=None
) -> None:
    """`workflows` workflows with their tasks, transitions and one ticket type each, all granted."""
    slug = data.company.slug
    made = WorkflowDefinition.objects.bulk_create(
        [_workflow(data, f"{slug}-wf-{i:05d}", f"Request {i:05d} of {slug}", creator) for i in range(workflows)]
    )
    data.workflows.extend(made)
    tasks: list[TaskDefinition] = []
    per_workflow: list[list[TaskDefinition]] = []
    for workflow in made:
        rows = _tasks_for(workflow, data, tasks_per_workflow, creator)
        per_workflow.append(rows)
        tasks += rows
    tasks = TaskDefinition.objects.bulk_create(tasks, batch_size=2000)
    transitions: list[WorkflowTransition] = []
    for workflow, rows in zip(made, per_workflow, strict=True):
        if rows and transitions_per_workflow:
            transitions += chain_transitions(workflow, rows, transitions_per_workflow)
    transitions = WorkflowTransition.objects.bulk_create(transitions, batch_size=2000)
    tickets = TicketDefinition.objects.bulk_create(
        [
            TicketDefinition(
                company=data.company,
                title=f"Ticket type {i:05d}",
                slug=f"{slug}-ticket-{i:05d}",
                description=DESCRIPTION,
                ext_ref=[],
                workflow=workflow,
                fields=TICKET_FIELDS,
                version=1,
                status=DefinitionStatus.DRAFT,
                created_by=creator,
                company_role_access=["employee", "manager"],
                edit_layout=[{"title": "Request", "fields": ["summary", "amount", "urgency"]}],
                display_layout=[{"title": "Summary", "fields": ["summary", "amount"]}],
            )
            for i, workflow in enumerate(made)
        ],
        batch_size=2000,
    )
    for rows in (made, tasks, transitions, tickets):
        definitions_grant_company_access(objects=rows)
        grant_reviewer(data, rows)
    # The rows skipped model validation on the way in: one of each kind proves they would pass it.
    for rows in (made, tasks, transitions, tickets):
        if rows:
            rows[-1].full_clean()
    data.counts = {
        "workflows": len(made),
        "tasks": len(tasks),
        "transitions": len(transitions),
        "tickets": len(tickets),
    }


def grant_reviewer(data: CompanyData, rows: list) -> None:
    """A company reviewer (an auditor, say) with view on every definition, granted to the user
    directly as the object-permissions page does, so the per-user permission tables are as
    large as the group tables and a scan of them would show in the access SQL's plan."""
    from django.contrib.auth.models import Permission
    from guardian.utils import get_user_obj_perms_model

    if not rows:
        return
    if data.reviewer is None:
        data.reviewer = user_create(
            email=f"reviewer@{data.company.slug}.example", password=None, company=data.company, is_staff=True
        )
    model = type(rows[0])
    permission = Permission.objects.get(
        content_type__app_label=model._meta.app_label, codename=f"view_{model._meta.model_name}"
    )
    perm_model = get_user_obj_perms_model(model)
    perm_model.objects.bulk_create(
        [perm_model(user=data.reviewer, permission=permission, content_object=row) for row in rows],
        batch_size=2000,
    )


def designed_workflow(data: CompanyData, *, slug: str, tasks: int, creator=None) -> WorkflowDefinition:
    """One workflow with `tasks` tasks and three transitions a task (the designer's large case)."""
    workflow = WorkflowDefinition.objects.bulk_create([_workflow(data, slug, f"Designed {slug}", creator)])[0]
    rows = TaskDefinition.objects.bulk_create(_tasks_for(workflow, data, tasks, creator))
    transitions = WorkflowTransition.objects.bulk_create(branching_transitions(workflow, rows), batch_size=2000)
    for row in (workflow, rows[-1], transitions[-1], transitions[1]):
        row.full_clean()
    definitions_grant_company_access(objects=[workflow])
    definitions_grant_company_access(objects=rows)
    definitions_grant_company_access(objects=transitions)
    return workflow


def task_import_csv(workflows: list[WorkflowDefinition], rows: int) -> bytes:
    """A task file of `rows` new tasks spread over `workflows`, referring to them by slug."""
    import csv
    import io
    import json

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TASK_COLUMNS)
    input_json = json.dumps(INPUT_SCHEMA)
    output_json = json.dumps(OUTPUT_SCHEMA)
    for i in range(rows):
        workflow = workflows[i % len(workflows)]
        writer.writerow(
            [
                workflow.slug,
                workflow.version,
                f"imported-{i:05d}",
                f"Imported step {i:05d}",
                DESCRIPTION,
                "FORM",
                100 + i,
                ROLE_SLUGS[i % len(ROLE_SLUGS)],
                input_json,
                output_json,
            ]
        )
    return out.getvalue().encode("utf-8")
