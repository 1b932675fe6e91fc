"""The batch services: many parts of many workflows at once, every rule kept, a fixed few queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, TicketFactory, WorkflowFactory
from workflow_design import access, services
from workflow_design.models import AuditAction, AuditChannel, AuditEntry, TaskDefinition, WorkflowDefinition
from workflow_design.models import WorkflowTransition as Transition
from workflow_design.services import audit

pytestmark = pytest.mark.django_db

APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


def workflows(company, count: int) -> list[WorkflowDefinition]:
    return [WorkflowFactory(company=company, slug=f"flow-{i}", title=f"Flow {i}") for i in range(count)]


def task_rows(flows, per_workflow: int, role=None) -> list[dict]:
    return [
        {"workflow": flow, "slug": f"step-{i}", "title": f"Step {i}", "position": i, "assignee_role": role}
        for flow in flows
        for i in range(per_workflow)
    ]


def revisions(flows) -> dict[str, int]:
    return dict(WorkflowDefinition.objects.filter(pk__in=[f.pk for f in flows]).values_list("slug", "revision"))


def test_tasks_create_many_spans_workflows_with_every_rule(creator_a, company_a):
    role = CompanyRoleFactory(company=company_a, slug="manager")
    flows = workflows(company_a, 3)
    before = revisions(flows)
    with audit.audit_channel(AuditChannel.IMPORT):
        created = services.tasks_create_many(user=creator_a, rows=task_rows(flows, 2, role))
    assert [(t.workflow.slug, t.slug) for t in created] == [(f.slug, f"step-{i}") for f in flows for i in range(2)]
    stored = TaskDefinition.objects.filter(pk__in=[t.pk for t in created])
    assert {(t.company_id, t.version, t.status, t.created_by_id, t.assignee_role_id) for t in stored} == {
        (company_a.pk, 1, "draft", creator_a.pk, role.pk)
    }
    # Granted to the company's creators, raised once per touched workflow, audited per row.
    assert set(access.tasks_for(creator_a).values_list("pk", flat=True)) == {t.pk for t in created}
    assert revisions(flows) == {slug: rev + 1 for slug, rev in before.items()}
    entries = AuditEntry.objects.filter(content_type__model="taskdefinition", action=AuditAction.CREATED)
    assert entries.count() == 6 and set(entries.values_list("channel", "actor_id")) == {("import", creator_a.pk)}


def test_tasks_create_many_keeps_the_one_workflow_keyword(creator_a, company_a):
    flow = WorkflowFactory(company=company_a, slug="single")
    created = services.tasks_create_many(user=creator_a, workflow=flow, rows=[{"slug": "a", "title": "A"}])
    assert TaskDefinition.objects.get(pk=created[0].pk).workflow == flow


def test_tasks_create_many_names_each_bad_row_and_writes_nothing(creator_a, company_a):
    flows = workflows(company_a, 2)
    TaskFactory(workflow=flows[0], slug="taken")
    published = WorkflowFactory(company=company_a, slug="live")
    WorkflowDefinition.objects.filter(pk=published.pk).update(status="published")
    rows = [
        {"workflow": flows[0], "slug": "fine", "title": "Fine"},
        {"workflow": flows[0], "slug": "taken", "title": "Clash with the database"},
        {"workflow": flows[1], "slug": "bad-form", "title": "Bad", "output_schema": [{"name": "x", "type": "nope"}]},
        {"workflow": published, "slug": "late", "title": "Read-only workflow"},
        {"workflow": flows[1], "slug": "twice", "title": "First"},
        {"workflow": flows[1], "slug": "twice", "title": "Clash within the batch"},
        {"workflow": flows[0], "slug": "twice", "title": "Same slug, other workflow: fine"},
    ]
    before = (TaskDefinition.objects.count(), revisions([*flows, published]), AuditEntry.objects.count())
    with pytest.raises(services.RowErrors) as refused:
        services.tasks_create_many(user=creator_a, rows=rows)
    assert {index: sorted(error.message_dict) for index, error in refused.value.rows.items()} == {
        1: ["slug"],
        2: ["output_schema"],
        3: ["workflow"],
        5: ["slug"],
    }
    assert "read-only" in refused.value.rows[3].message_dict["workflow"][0]
    assert (TaskDefinition.objects.count(), revisions([*flows, published]), AuditEntry.objects.count()) == before


def rows_over(company, *, workflow_count: int, per_workflow: int, prefix: str) -> list[dict]:
    flows = [
        WorkflowFactory(company=company, slug=f"{prefix}-{i}", title=f"{prefix} {i}") for i in range(workflow_count)
    ]
    return task_rows(flows, per_workflow)


def test_tasks_create_many_costs_the_same_queries_for_10_rows_of_2_workflows_and_200_of_20(
    creator_a, company_a, django_assert_max_num_queries
):
    small = rows_over(company_a, workflow_count=2, per_workflow=5, prefix="small")
    large = rows_over(company_a, workflow_count=20, per_workflow=10, prefix="large")
    with CaptureQueriesContext(connection) as queries:
        services.tasks_create_many(user=creator_a, rows=small)
    # Lock, slugs, insert, permissions, grants, revisions, audit (and the savepoints around them).
    assert len(queries) <= 16, [q["sql"][:60] for q in queries]
    with django_assert_max_num_queries(len(queries)):
        created = services.tasks_create_many(user=creator_a, rows=large)
    assert len(created) == 200


def test_tasks_update_many_saves_each_change_with_its_own_audit_diff(creator_a, company_a):
    flows = workflows(company_a, 2)
    tasks = [TaskFactory(workflow=flow, slug=f"t-{i}", title=f"T {i}") for i, flow in enumerate(flows)]
    before = revisions(flows)
    stale_updated_at = {t.pk: t.updated_at for t in tasks}
    tasks[1].title = "Changed on the object only"  # what the caller's object holds never counts
    services.tasks_update_many(
        user=creator_a, changes=[(tasks[0], {"title": "Renamed"}), (tasks[1], {"output_schema": APPROVED})]
    )
    stored = {t.slug: t for t in TaskDefinition.objects.filter(pk__in=[t.pk for t in tasks])}
    assert stored["t-0"].title == "Renamed" and stored["t-1"].output_schema == APPROVED
    assert {t.company_id for t in stored.values()} == {company_a.pk}
    assert all(t.updated_at > stale_updated_at[t.pk] for t in stored.values())
    assert revisions(flows) == {slug: rev + 1 for slug, rev in before.items()}
    changes = dict(
        AuditEntry.objects.filter(action=AuditAction.CHANGED, content_type__model="taskdefinition").values_list(
            "object_id", "changes"
        )
    )
    assert changes == {tasks[0].pk: {"title": ["T 0", "Renamed"]}, tasks[1].pk: {"output_schema": [[], APPROVED]}}


def test_updates_refuse_fields_outside_the_allow_list_on_their_field(creator_a, company_a):
    flow, other = workflows(company_a, 2)
    task = TaskFactory(workflow=flow, slug="t", title="T")
    # Given a change that tries to move the task, restamp it and rename it
    with pytest.raises(services.RowErrors) as refused:
        services.tasks_update_many(
            user=creator_a,
            changes=[(task, {"workflow": other, "company": company_a, "status": "published", "title": "New"})],
        )
    # then each protected field that would change is refused by name (the company it already has is no change)
    assert refused.value.rows[0].message_dict == {
        "status": ["This field cannot be set here."],
        "workflow": ["This cannot be moved to another workflow."],
    }
    assert TaskDefinition.objects.get(pk=task.pk).title == "T"
    # and the same row through the single-row service, as the API and the admin call it
    with pytest.raises(ValidationError) as single:
        services.task_update(task=task, user=creator_a, version=9)
    assert single.value.message_dict == {"version": ["This field cannot be set here."]}


def test_tasks_update_many_refuses_a_read_only_workflow_on_its_row(creator_a, company_a):
    flows = workflows(company_a, 2)
    tasks = [TaskFactory(workflow=flow, slug="t", title="T") for flow in flows]
    WorkflowDefinition.objects.filter(pk=flows[1].pk).update(status="published")
    with pytest.raises(services.RowErrors) as refused:
        services.tasks_update_many(user=creator_a, changes=[(task, {"title": "Changed"}) for task in tasks])
    assert list(refused.value.rows) == [1] and "read-only" in refused.value.rows[1].message_dict["workflow"][0]
    assert set(TaskDefinition.objects.values_list("title", flat=True)) == {"T"}


def test_transitions_create_many_spans_workflows_checks_conditions_and_names_free_slugs(creator_a, company_a):
    flows = workflows(company_a, 2)
    review = [TaskFactory(workflow=flow, slug="review", title="Review", output_schema=APPROVED) for flow in flows]
    TicketFactory(workflow=flows[1], fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    rows = [
        {"workflow": flows[0], "from_task": None, "to_task": review[0]},
        {"workflow": flows[0], "slug": "start-to-review", "from_task": review[0], "to_task": None},
        {"workflow": flows[1], "from_task": review[1], "to_task": None, "condition": "ticket.amount > 10"},
    ]
    before = revisions(flows)
    created = services.transitions_create_many(user=creator_a, rows=rows)
    # The explicit slug keeps its name; the generated one steps around it.
    assert [(t.workflow.slug, t.slug) for t in created] == [
        ("flow-0", "start-to-review-2"),
        ("flow-0", "start-to-review"),
        ("flow-1", "review-to-end"),
    ]
    assert set(access.transitions_for(creator_a).values_list("pk", flat=True)) == {t.pk for t in created}
    assert revisions(flows) == {slug: rev + 1 for slug, rev in before.items()}

    bad = [
        {"workflow": flows[0], "from_task": review[0], "to_task": None, "condition": "output.missing == true"},
        {"workflow": flows[1], "from_task": review[0], "to_task": None},
    ]
    with pytest.raises(services.RowErrors) as refused:
        services.transitions_create_many(user=creator_a, rows=bad)
    assert {i: sorted(e.message_dict) for i, e in refused.value.rows.items()} == {0: ["condition"], 1: ["from_task"]}
    assert Transition.objects.count() == 3


def test_transitions_update_many_saves_changes_with_audit_diffs(creator_a, company_a):
    flows = workflows(company_a, 2)
    made = []
    for flow in flows:
        task = TaskFactory(workflow=flow, slug="review", title="Review", output_schema=APPROVED)
        made += services.transitions_create_many(user=creator_a, rows=[{"workflow": flow, "to_task": task}])
    services.transitions_update_many(user=creator_a, changes=[(transition, {"priority": 7}) for transition in made])
    assert set(Transition.objects.values_list("priority", flat=True)) == {7}
    changes = list(AuditEntry.objects.filter(action=AuditAction.CHANGED).values_list("changes", flat=True))
    assert changes == [{"priority": [100, 7]}] * 2


# The source position a transition keeps for its list's order ------------------------------


def source_positions(flow) -> dict[str, int]:
    return dict(Transition.objects.filter(workflow=flow).values_list("slug", "from_position"))


def test_transitions_keep_their_source_positions_when_made(creator_a, company_a):
    flow = WorkflowFactory(company=company_a)
    first = TaskFactory(workflow=flow, slug="a", position=3)
    second = TaskFactory(workflow=flow, slug="b", position=7)
    services.transition_create(user=creator_a, workflow=flow, slug="start", to_task=first)
    services.transition_create(user=creator_a, workflow=flow, slug="a-b", from_task=first, to_task=second)
    services.transitions_create_many(user=creator_a, workflow=flow, rows=[{"slug": "b-end", "from_task": second}])
    assert source_positions(flow) == {"start": 0, "a-b": 3, "b-end": 7}


def test_moving_a_task_moves_its_transitions_with_it(creator_a, company_a):
    flow = WorkflowFactory(company=company_a)
    first = TaskFactory(workflow=flow, slug="a", position=1)
    second = TaskFactory(workflow=flow, slug="b", position=2)
    services.transition_create(user=creator_a, workflow=flow, slug="a-b", from_task=first, to_task=second)
    services.transition_create(user=creator_a, workflow=flow, slug="b-end", from_task=second)

    services.task_update(task=first, user=creator_a, position=9)
    assert source_positions(flow) == {"a-b": 9, "b-end": 2}

    services.tasks_update_many(user=creator_a, changes=[(second, {"position": 4})])
    assert source_positions(flow) == {"a-b": 9, "b-end": 4}


def test_transition_saved_with_its_task_loaded_before_a_move_keeps_the_stored_position(creator_a, company_a):
    # As the designer saves a page: the task row moves first, while the transition row still
    # holds the task object it loaded before the move.
    flow = WorkflowFactory(company=company_a)
    task = TaskFactory(workflow=flow, slug="a", position=2)
    made = services.transition_create(user=creator_a, workflow=flow, slug="a-end", from_task=task)
    loaded = Transition.objects.select_related("from_task").get(pk=made.pk)

    services.task_update(task=TaskDefinition.objects.get(pk=task.pk), user=creator_a, position=5)
    services.transition_update(transition=loaded, user=creator_a, priority=7)

    assert loaded.from_task.position == 2  # the stale object the row held
    assert source_positions(flow) == {"a-end": 5}


def test_transitions_list_start_first_then_in_source_task_order(creator_a, company_a):
    flow = WorkflowFactory(company=company_a)
    late = TaskFactory(workflow=flow, slug="late", position=5)
    early = TaskFactory(workflow=flow, slug="early", position=1)
    services.transition_create(user=creator_a, workflow=flow, slug="late-end", from_task=late, priority=1)
    services.transition_create(
        user=creator_a, workflow=flow, slug="early-late-2", from_task=early, to_task=late, priority=2
    )
    services.transition_create(
        user=creator_a, workflow=flow, slug="early-late-1", from_task=early, to_task=late, priority=1
    )
    services.transition_create(user=creator_a, workflow=flow, slug="start", to_task=early)

    listed = list(access.transitions_for(creator_a).filter(workflow=flow).values_list("slug", flat=True))

    assert listed == ["start", "early-late-1", "early-late-2", "late-end"]
