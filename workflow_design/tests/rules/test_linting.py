"""A corpus of broken workflows, one per linter rule, and valid ones that must lint clean."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketflower.testing import factories
from users.models import CompanyRole
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition
from workflow_design.rules.linting import Finding, lint_workflow
from workflow_design.services import task_update

APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}


def codes(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.code, f.object_type, f.object_slug) for f in findings}


@pytest.fixture
def workflow(company_a):
    return factories.WorkflowFactory(company=company_a, slug="flow")


def task(workflow, slug, **kwargs):
    return factories.TaskFactory(workflow=workflow, slug=slug, title=slug.title(), **kwargs)


def link(workflow, source, target, priority=10, condition="", slug=None):
    return factories.TransitionFactory(
        workflow=workflow, from_task=source, to_task=target, priority=priority, condition=condition, slug=slug or ""
    )


def test_lint_simple_workflow_is_clean(company_a):
    assert lint_workflow(factories.simple_workflow(company_a, tasks=3)) == []


def test_lint_loop_that_exits_is_clean(workflow):
    review = task(workflow, "review", output_schema=[APPROVED])
    rework = task(workflow, "rework")
    link(workflow, None, review)
    link(workflow, review, None, priority=10, condition="output.approved")
    link(workflow, review, rework, priority=20)
    link(workflow, rework, review)
    assert lint_workflow(workflow) == []


def test_lint_demo_workflows_are_clean(db):
    call_command("loaddata", "demo", verbosity=0)
    for demo in WorkflowDefinition.objects.all():
        assert lint_workflow(demo) == [], demo.slug


def test_lint_no_start_transition(workflow):
    only = task(workflow, "only")
    link(workflow, only, None)
    findings = lint_workflow(workflow)
    assert ("no-start", "workflow", "flow") in codes(findings)
    assert "no start transition" in findings[0].message
    assert all(f.code != "unreachable-task" for f in findings)


def test_lint_unreachable_task(workflow):
    first = task(workflow, "first")
    orphan = task(workflow, "orphan")
    link(workflow, None, first)
    link(workflow, first, None)
    link(workflow, orphan, None)
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_type, finding.object_slug, finding.object_id) == (
        "unreachable-task",
        "task",
        "orphan",
        orphan.pk,
    )
    assert '"Orphan" (orphan)' in finding.message


def test_lint_task_that_cannot_reach_an_end(workflow):
    a, b = task(workflow, "ping"), task(workflow, "pong")
    link(workflow, None, a)
    link(workflow, a, b)
    link(workflow, b, a)
    assert codes(lint_workflow(workflow)) == {
        ("no-path-to-end", "task", "ping"),
        ("no-path-to-end", "task", "pong"),
    }


def test_lint_task_with_no_outgoing_transition(workflow):
    a, b = task(workflow, "first"), task(workflow, "stuck")
    link(workflow, None, a)
    link(workflow, a, b)
    link(workflow, a, None, priority=20, condition="false")
    findings = lint_workflow(workflow)
    assert ("dead-end-task", "task", "stuck") in codes(findings)
    assert all(f.code != "no-path-to-end" for f in findings if f.object_slug == "stuck")


def test_lint_same_priority_twice(workflow):
    a = task(workflow, "decide", output_schema=[APPROVED])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, condition="output.approved", slug="yes")
    link(workflow, a, None, priority=10, condition="!output.approved", slug="no")
    link(workflow, a, None, priority=30, slug="otherwise")
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_type, finding.object_slug) == ("duplicate-priority", "transition", "no")
    assert "yes" in finding.message and "priority 10" in finding.message


def test_lint_several_defaults(workflow):
    a = task(workflow, "decide")
    link(workflow, None, a)
    link(workflow, a, None, priority=10, slug="first-default")
    link(workflow, a, None, priority=20, slug="second-default")
    assert codes(lint_workflow(workflow)) == {("multiple-defaults", "transition", "second-default")}


def test_lint_default_not_last(workflow):
    a = task(workflow, "decide", output_schema=[APPROVED])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, slug="always")
    link(workflow, a, None, priority=20, condition="output.approved", slug="never-reached")
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_slug) == ("default-not-last", "always")
    assert "never-reached" in finding.message


def test_lint_conditional_transitions_without_default_warn_where_coverage_is_not_decided(workflow):
    a = task(workflow, "decide", output_schema=[{"name": "note", "label": "Note", "type": "text", "required": True}])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, condition='output.note.matches("^ok")')
    findings = lint_workflow(workflow)
    assert {(f.level, f.code, f.object_type, f.object_slug) for f in findings} == {
        ("warning", "no-default", "task", "decide"),
        ("warning", "not-analysed", "transition", findings[-1].object_slug),
    }
    no_default = next(f for f in findings if f.code == "no-default")
    assert "stuck" in no_default.message


def test_lint_conditional_transitions_without_default_proven_uncovered(workflow):
    a = task(workflow, "decide", output_schema=[APPROVED])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, condition="output.approved")
    findings = lint_workflow(workflow)
    uncovered = [f for f in findings if f.code == "uncovered-values"]
    assert [(f.level, f.object_type, f.object_slug) for f in uncovered] == [("error", "task", "decide")]
    assert "no-default" not in {f.code for f in findings}
    example = uncovered[0].counterexample
    assert example["output"].get("approved") is False or example["unset"] == ["output.approved"]


def test_lint_condition_with_unknown_field_after_output_form_changed(workflow):
    a = task(workflow, "decide", output_schema=[APPROVED])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, condition="output.approved", slug="approved-end")
    link(workflow, a, None, priority=20)
    task_update(task=a, user=None, output_schema=[{"name": "ok", "label": "OK", "type": "boolean"}])
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_type, finding.object_slug) == ("condition-error", "transition", "approved-end")
    assert "output.approved" in finding.message and "Known output fields: ok" in finding.message


def test_lint_condition_type_error_after_field_type_changed(workflow):
    a = task(workflow, "decide", output_schema=[{"name": "score", "label": "Score", "type": "integer"}])
    link(workflow, None, a)
    link(workflow, a, None, priority=10, condition="output.score > 3", slug="high")
    link(workflow, a, None, priority=20)
    task_update(task=a, user=None, output_schema=[{"name": "score", "label": "Score", "type": "boolean"}])
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_slug) == ("condition-error", "high")
    assert "cannot be ordered" in finding.message


def test_lint_ticket_fields_unchecked_without_ticket_definition(workflow):
    a = task(workflow, "decide")
    link(workflow, None, a, condition="ticket.amount > 5", slug="big")
    link(workflow, None, a, priority=20)
    link(workflow, a, None)
    [finding] = lint_workflow(workflow)
    assert (finding.level, finding.code, finding.object_type) == ("warning", "ticket-fields-unchecked", "workflow")
    factories.TicketFactory(workflow=workflow, fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    assert lint_workflow(workflow) == []


# Rows stored before validation existed (e.g. by a raw fixture) or spoiled since: the linter still
# catches them. Each spoils the workflow start → form → end in one way.


def task_output_form_invalid(workflow, form):
    TaskDefinition.objects.filter(pk=form.pk).update(output_schema=[{"name": "Bad Name", "type": "text"}])


def workflow_fields_invalid(workflow, form):
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(fields=[{"name": "x", "type": "colour"}])
    workflow.refresh_from_db()


def ticket_layout_names_unknown_field(workflow, form):
    ticket = factories.TicketFactory(
        workflow=workflow, slug="req", fields=[{"name": "item", "label": "Item", "type": "text"}]
    )
    TicketDefinition.objects.filter(pk=ticket.pk).update(edit_layout=[{"title": "Main", "fields": ["item", "price"]}])


def ticket_access_role_no_longer_in_company(workflow, form):
    role = factories.CompanyRoleFactory(company=workflow.company, slug="auditor")
    factories.TicketFactory(workflow=workflow, slug="req", company_role_access=["auditor"])
    CompanyRole.objects.filter(pk=role.pk).delete()


def assignee_role_of_another_company(workflow, form):
    foreign = factories.CompanyRoleFactory(slug="outsider")  # of a company of its own
    TaskDefinition.objects.filter(pk=form.pk).update(assignee_role=foreign)


SPOILED = [
    (task_output_form_invalid, ("invalid-field-schema", "task", "form"), ["output fields", "Bad Name"]),
    (workflow_fields_invalid, ("invalid-field-schema", "workflow", "flow"), ["colour"]),
    (
        ticket_layout_names_unknown_field,
        ("layout-unknown-field", "ticket_definition", "req"),
        ["'price'", "edit layout"],
    ),
    (ticket_access_role_no_longer_in_company, ("unknown-role", "ticket_definition", "req"), ["auditor"]),
    (assignee_role_of_another_company, ("unknown-role", "task", "form"), ["outsider"]),
]


@pytest.mark.parametrize(("spoil", "found", "fragments"), SPOILED, ids=[case[0].__name__ for case in SPOILED])
def test_lint_spoiled_row_is_the_one_finding(workflow, spoil, found, fragments):
    form = task(workflow, "form")
    link(workflow, None, form)
    link(workflow, form, None)
    spoil(workflow, form)
    [finding] = lint_workflow(workflow)
    assert (finding.code, finding.object_type, finding.object_slug) == found
    assert [fragment for fragment in fragments if fragment not in finding.message] == [], finding.message


def test_lint_finding_as_dict(workflow):
    [finding] = lint_workflow(workflow)
    assert finding.as_dict() == {
        "level": "error",
        "code": "no-start",
        "message": finding.message,
        "object_type": "workflow",
        "object_slug": "flow",
        "object_id": workflow.pk,
    }


def _queries(workflow) -> int:
    with CaptureQueriesContext(connection) as captured:
        lint_workflow(workflow)
    return len(captured)


def test_lint_query_count_does_not_grow_with_tasks(company_a):
    small = factories.simple_workflow(company_a, tasks=2)
    large = factories.simple_workflow(company_a, tasks=25)
    factories.TicketFactory(workflow=small)
    factories.TicketFactory(workflow=large)
    assert _queries(small) == _queries(large) <= 5


OK_FIELD = {"name": "ok", "label": "OK", "type": "boolean"}


def test_lint_repeated_condition_gets_each_source_tasks_verdict(workflow):
    # One condition text on three tasks: checked once per output form, and a message naming
    # the task names the task of that transition, not the first one checked.
    first, second, third = (task(workflow, slug, output_schema=[APPROVED]) for slug in ("first", "second", "third"))
    link(workflow, None, first)
    for source, target in ((first, second), (second, third), (third, None)):
        link(workflow, source, target, priority=10, condition="output.approved", slug=f"{source.slug}-yes")
        link(workflow, source, None, priority=20, slug=f"{source.slug}-end")
    TaskDefinition.objects.filter(pk__in=[second.pk, third.pk]).update(output_schema=[OK_FIELD])
    findings = lint_workflow(workflow)
    assert codes(findings) == {
        ("condition-error", "transition", "second-yes"),
        ("condition-error", "transition", "third-yes"),
    }
    messages = {f.object_slug: f.message for f in findings}
    assert "the task Second has no output field approved" in messages["second-yes"]
    assert "the task Third has no output field approved" in messages["third-yes"]


def test_lint_same_condition_in_two_workflows_reads_each_workflows_fields(company_a):
    findings = {}
    for slug in ("keeps-limit", "lost-limit"):
        flow = factories.WorkflowFactory(
            company=company_a, slug=slug, fields=[{"name": "limit", "label": "L", "type": "integer"}]
        )
        decide = task(flow, "decide")
        link(flow, None, decide, priority=10, condition="workflow.limit > 3", slug="big")
        link(flow, None, decide, priority=20, slug="small")
        link(flow, decide, None)
        if slug == "lost-limit":
            WorkflowDefinition.objects.filter(pk=flow.pk).update(
                fields=[{"name": "cap", "label": "C", "type": "integer"}]
            )
            flow.refresh_from_db()
        findings[slug] = lint_workflow(flow)
    assert findings["keeps-limit"] == []
    [finding] = findings["lost-limit"]
    assert (finding.code, finding.object_slug) == ("condition-error", "big")
    assert "Unknown field workflow.limit" in finding.message and "Known workflow fields: cap" in finding.message


def test_lint_work_grows_with_distinct_conditions_and_forms_not_with_tasks(company_a, monkeypatch):
    # The guard on linear linting: a long workflow repeating two conditions over one output form
    # parses each condition once, type-checks it once and checks each distinct form once.
    from workflow_design.rules import field_schemas
    from workflow_design.rules.cel import checker, syntax

    calls = {"parse": 0, "check": 0, "form": 0}

    def counting(name, function):
        def counted(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return counted

    for cache in (syntax.parsed_for_checking, syntax._field_references, field_schemas._remembered_field_list_errors):
        cache.cache_clear()
    monkeypatch.setattr(syntax, "parse_condition", counting("parse", syntax.parse_condition))
    monkeypatch.setattr(checker.TreeChecker, "check", counting("check", checker.TreeChecker.check))
    monkeypatch.setattr(field_schemas, "_field_list_errors", counting("form", field_schemas._field_list_errors))

    flow = factories.WorkflowFactory(company=company_a, slug="long")
    steps = [task(flow, f"step-{i}", output_schema=[APPROVED], position=i) for i in range(12)]
    link(flow, None, steps[0])
    for i, step in enumerate(steps):
        following = steps[i + 1] if i + 1 < len(steps) else None
        link(flow, step, following, priority=10, condition="output.approved == true", slug=f"{i}-yes")
        link(flow, step, None, priority=20, condition="output.approved == false", slug=f"{i}-no")
        link(flow, step, None, priority=30, slug=f"{i}-end")
    factories.TicketFactory(workflow=flow)
    for cache in (syntax.parsed_for_checking, syntax._field_references, field_schemas._remembered_field_list_errors):
        cache.cache_clear()
    calls.update(parse=0, check=0, form=0)

    assert lint_workflow(flow) == []
    flow.refresh_from_db()
    forms = [flow.fields, *(t.fields for t in flow.ticket_definitions.all())]
    forms += [schema for t in flow.tasks.all() for schema in (t.input_schema, t.output_schema)]
    assert calls == {"parse": 2, "check": 2, "form": len({repr(form) for form in forms})}
    assert calls["form"] <= 4
