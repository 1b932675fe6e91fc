import pytest
from django.core.exceptions import ValidationError

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, simple_workflow
from workflow_design import access
from workflow_design.models import DefinitionStatus, TicketDefinition, WorkflowTransition
from workflow_design.services import (
    task_create,
    task_update,
    ticket_update,
    transition_create,
    transition_delete,
    transition_update,
    workflow_update,
)
from workflow_design.services.lifecycle import (
    LintRefused,
    workflow_archive,
    workflow_compare,
    workflow_new_version,
    workflow_publish,
)

APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}


@pytest.fixture
def draft(company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=2, user=creator_a)
    step_1 = workflow.tasks.get(slug="step-1")
    task_update(task=step_1, user=creator_a, output_schema=[APPROVED])
    TicketFactory(workflow=workflow, slug="request", fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    return workflow


def test_workflow_publish_refused_with_lint_errors(draft, creator_a):
    TaskFactory(workflow=draft, slug="orphan", title="Orphan")
    with pytest.raises(LintRefused) as caught:
        workflow_publish(workflow=draft, user=creator_a)
    assert [f.code for f in caught.value.findings] == ["unreachable-task", "dead-end-task"]
    assert any('"Orphan" (orphan)' in message for message in caught.value.messages)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT and draft.published_at is None
    assert not draft.tasks.exclude(status=DefinitionStatus.DRAFT).exists()


def test_workflow_publish_sets_status_on_every_part(draft, creator_a):
    published = workflow_publish(workflow=draft, user=creator_a)
    assert published.status == DefinitionStatus.PUBLISHED and published.published_at is not None
    assert set(published.tasks.values_list("status", flat=True)) == {DefinitionStatus.PUBLISHED}
    assert set(published.transitions.values_list("status", flat=True)) == {DefinitionStatus.PUBLISHED}
    ticket = published.ticket_definitions.get()
    assert ticket.status == DefinitionStatus.PUBLISHED and ticket.published_at == published.published_at


STEPS = {"publish": workflow_publish, "new_version": workflow_new_version, "archive": workflow_archive}


@pytest.mark.parametrize(
    ("done", "refused", "fragments"),
    [
        (["publish"], "publish", ["only a draft can be published"]),
        ([], "new_version", ["Version 1", "already a draft"]),
        (["publish", "new_version"], "new_version", ["Version 2"]),
        ([], "archive", ["only a published version can be archived"]),
    ],
    ids=["publish-published", "new-version-of-draft", "new-version-while-version-2-drafted", "archive-draft"],
)
def test_workflow_lifecycle_step_refused_out_of_order(draft, creator_a, done, refused, fragments):
    for step in done:
        STEPS[step](workflow=draft, user=creator_a)
    with pytest.raises(ValidationError) as caught:
        STEPS[refused](workflow=draft, user=creator_a)
    message = caught.value.messages[0]
    assert [fragment for fragment in fragments if fragment not in message] == [], message


def test_published_workflow_is_read_only_through_the_services(draft, creator_a):
    workflow_publish(workflow=draft, user=creator_a)
    task = draft.tasks.get(slug="step-1")
    transition = draft.transitions.first()
    ticket = draft.ticket_definitions.get()
    attempts = [
        lambda: workflow_update(workflow=draft, user=creator_a, title="Changed"),
        lambda: task_update(task=task, user=creator_a, title="Changed"),
        lambda: task_create(user=creator_a, workflow=draft, slug="new", title="New"),
        lambda: transition_update(transition=transition, user=creator_a, priority=99),
        lambda: transition_create(user=creator_a, workflow=draft, from_task=task, to_task=None, priority=50),
        lambda: transition_delete(transition=transition, user=creator_a),
        lambda: ticket_update(ticket=ticket, user=creator_a, title="Changed"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert "read-only" in caught.value.messages[0] and "new version" in caught.value.messages[0]
    task.refresh_from_db()
    assert task.title == "Step 1" and draft.transitions.count() == 3


def test_workflow_new_version_deep_copies_as_draft(draft, creator_a):
    step_1 = draft.tasks.get(slug="step-1")
    transition_update(
        transition=draft.transitions.get(from_task=step_1), user=creator_a, condition="output.approved", priority=10
    )
    TransitionFactory(workflow=draft, from_task=step_1, to_task=None, priority=20, slug="step-1-rejected")
    workflow_publish(workflow=draft, user=creator_a)
    new = workflow_new_version(workflow=draft, user=creator_a)
    assert (new.slug, new.version, new.status, new.created_by) == (draft.slug, 2, DefinitionStatus.DRAFT, creator_a)
    assert list(new.tasks.values_list("slug", "output_schema", "status", "version")) == [
        ("step-1", [APPROVED], "draft", 2),
        ("step-2", [], "draft", 2),
    ]

    def shape(workflow):
        return sorted(
            (t.slug, getattr(t.from_task, "slug", None), getattr(t.to_task, "slug", None), t.condition, t.priority)
            for t in workflow.transitions.select_related("from_task", "to_task")
        )

    assert shape(new) == shape(draft)
    # The copy's transitions point at the copy's tasks, never at the published ones.
    assert set(WorkflowTransition.objects.filter(workflow=new).values_list("from_task__workflow", flat=True)) <= {
        new.pk,
        None,
    }
    ticket = new.ticket_definitions.get()
    assert (ticket.slug, ticket.version, ticket.status) == ("request", 2, DefinitionStatus.DRAFT)
    # Permissions were granted: the creator sees and may change every copied part.
    assert access.workflows_for(creator_a, "change").filter(pk=new.pk).exists()
    assert access.tasks_for(creator_a, "change").filter(workflow=new).count() == 2
    assert access.transitions_for(creator_a, "change").filter(workflow=new).count() == 4
    assert access.tickets_for(creator_a, "change").filter(pk=ticket.pk).exists()
    # The published version is untouched and stays readable.
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.PUBLISHED and draft.tasks.count() == 2


def test_workflow_publish_of_new_version_archives_the_previous(draft, creator_a):
    workflow_publish(workflow=draft, user=creator_a)
    new = workflow_new_version(workflow=draft, user=creator_a)
    workflow_publish(workflow=new, user=creator_a)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.ARCHIVED
    assert set(draft.tasks.values_list("status", flat=True)) == {DefinitionStatus.ARCHIVED}
    assert set(draft.transitions.values_list("status", flat=True)) == {DefinitionStatus.ARCHIVED}
    assert dict(TicketDefinition.objects.filter(slug="request").values_list("version", "status")) == {
        1: DefinitionStatus.ARCHIVED,
        2: DefinitionStatus.PUBLISHED,
    }
    # Every version stays readable for the creator.
    assert access.workflows_for(creator_a).filter(slug=draft.slug).count() == 2


def test_workflow_archive_archives_the_ticket_definitions(draft, creator_a):
    workflow_publish(workflow=draft, user=creator_a)
    workflow_archive(workflow=draft, user=creator_a)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.ARCHIVED
    assert draft.ticket_definitions.get().status == DefinitionStatus.ARCHIVED


def test_workflow_compare_lists_added_removed_and_changed(draft, creator_a):
    workflow_publish(workflow=draft, user=creator_a)
    new = workflow_new_version(workflow=draft, user=creator_a)
    step_1 = new.tasks.get(slug="step-1")
    task_update(
        task=step_1,
        user=creator_a,
        title="First step",
        output_schema=[APPROVED, {"name": "note", "label": "Note", "type": "text"}],
    )
    to_step_2 = new.transitions.get(from_task=step_1)
    transition_update(transition=to_step_2, user=creator_a, condition="output.approved")
    TransitionFactory(workflow=new, from_task=step_1, to_task=None, priority=20, slug="step-1-to-end")
    task_create(user=creator_a, workflow=new, slug="audit", title="Audit")
    messages = [c.message for c in workflow_compare(old=draft, new=new)]
    assert 'Task "Audit" (audit) added.' in messages
    assert "Task step-1: title changed from Step 1 to First step." in messages
    assert "Task step-1 output: field note (text) added." in messages
    assert f"Transition {to_step_2.slug}: condition changed from (empty) to output.approved." in messages
    assert any(m.startswith("Transition step-1-to-end (step-1 → end") and m.endswith("added.") for m in messages)
    back = [c.message for c in workflow_compare(old=new, new=draft)]
    assert 'Task "Audit" (audit) removed.' in back
    assert "Transition step-1-to-end (step-1 → end) removed." in back


def test_workflow_compare_identical_versions_is_empty(draft, creator_a):
    workflow_publish(workflow=draft, user=creator_a)
    new = workflow_new_version(workflow=draft, user=creator_a)
    assert workflow_compare(old=draft, new=new) == []
