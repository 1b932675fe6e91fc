"""Task and transition files over many workflows: queries that do not grow with the file, each bad
row's error at its row with nothing written, one revision and an audit entry per change, batches,
and the preview's diff."""

from __future__ import annotations

import csv
import io

import pytest

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory
from ticketflower.testing.factories import WorkflowFactory as WF
from workflow_design import access
from workflow_design.files.formats import SafeCSV
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.files.resource_files import errors_of, rich_workflow, run_import, snapshot

pytestmark = pytest.mark.django_db


def _task_rows(count: int) -> bytes:
    rows = "".join(f"purchase,,bulk-{i},Bulk {i},FORM,{i},manager,[],[]\n" for i in range(count))
    header = "workflow,workflow_version,slug,title,task_type,position,assignee_role,input_schema,output_schema\n"
    return (header + rows).encode()


def _queries_to_import(user, count: int, *, dry_run: bool) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = run_import(TaskDefinition, user, _task_rows(count), dry_run=dry_run)
    assert errors_of(result) == []
    assert result.totals["new"] == count
    return len(queries)


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
def test_new_task_rows_import_in_a_nearly_constant_number_of_queries(dry_run, creator_a, company_a):
    rich_workflow(company_a, creator_a)
    small = _queries_to_import(creator_a, 10, dry_run=True)
    large = _queries_to_import(creator_a, 100, dry_run=dry_run)
    assert large < 2 * small, (small, large)
    expected = 100 if not dry_run else 0
    assert TaskDefinition.objects.filter(slug__startswith="bulk-").count() == expected


def test_slug_repeated_in_a_file_is_the_later_rows_error_and_nothing_is_written(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    before = snapshot()
    data = _task_rows(3) + b"purchase,,bulk-1,Again,FORM,9,,[],[]\n"
    for dry_run in (True, False):
        result = run_import(TaskDefinition, creator_a, data, dry_run=dry_run)
        assert errors_of(result) == ["row 4 slug: This workflow already has a task with this slug."]
        assert result.totals["new"] == 3 and result.totals["invalid"] == 1
        assert snapshot() == before


def test_new_task_in_a_published_workflow_is_refused_on_its_row(creator_a, company_a):
    live = WF(company=company_a, slug="live", title="Live")
    WorkflowDefinition.objects.filter(pk=live.pk).update(status="published")
    before = snapshot()
    result = run_import(TaskDefinition, creator_a, b"workflow,workflow_version,slug,title\nlive,1,extra,Extra\n")
    assert [e.split(":")[0] for e in errors_of(result)] == ["row 1 workflow"]
    assert "read-only" in errors_of(result)[0]
    assert snapshot() == before


def test_task_rows_of_a_workflow_the_user_may_only_view_are_refused_on_their_row(creator_a, company_a):
    from guardian.shortcuts import remove_perm

    # Given a workflow whose change grant the company admin took from its creators
    viewed = WF(company=company_a, slug="viewed", title="Viewed")
    WF(company=company_a, slug="mine", title="Mine")
    remove_perm("change_workflowdefinition", company_a.creators_group, viewed)
    before = snapshot()
    # when a task file adds a task to it and one to a workflow they may change
    result = run_import(
        TaskDefinition, creator_a, b"workflow,workflow_version,slug,title\nmine,,ok,OK\nviewed,,extra,Extra\n"
    )
    # then the second row is refused on its workflow, as the admin and the API refuse it, and
    # nothing of the file is written
    assert errors_of(result) == ["row 2 workflow: You may view this workflow but not change it."]
    assert snapshot() == before


def _flows(company, count: int, prefix: str) -> list[WorkflowDefinition]:
    return [WF(company=company, slug=f"{prefix}-{i}", title=f"{prefix} {i}") for i in range(count)]


def _spread_task_file(flows, rows: int, *, bad: dict[int, tuple[str, str]] | None = None) -> bytes:
    """`rows` new tasks spread over `flows`, by slug; `bad` replaces a cell of some rows (1-based)."""
    header = ["workflow", "workflow_version", "slug", "title", "position", "assignee_role", "output_schema"]
    lines = [
        [flows[i % len(flows)].slug, "", f"spread-{i}", f"Spread {i}", str(i), "manager", "[]"] for i in range(rows)
    ]
    for number, (column, value) in (bad or {}).items():
        lines[number - 1][header.index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *lines])
    return out.getvalue().encode()


def _queries_of(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
def test_task_file_of_200_rows_over_20_workflows_costs_the_queries_of_10_rows_over_2(dry_run, creator_a, company_a):
    CompanyRoleFactory(company=company_a, slug="manager")
    small, large = (
        _spread_task_file(_flows(company_a, 2, "small"), 10),
        _spread_task_file(_flows(company_a, 20, "large"), 200),
    )
    # Warm: the user's roles and the content types are read once per object and process.
    run_import(TaskDefinition, creator_a, small, dry_run=True)
    results = []
    counts = [
        _queries_of(lambda data=data: results.append(run_import(TaskDefinition, creator_a, data, dry_run=dry_run)))
        for data in (small, large)
    ]
    assert [errors_of(r) for r in results] == [[], []]
    assert [r.totals["new"] for r in results] == [10, 200]
    assert counts[0] == counts[1] and counts[1] <= 40, counts
    assert TaskDefinition.objects.filter(slug__startswith="spread-").count() == (0 if dry_run else 210)


def test_task_file_over_many_workflows_bumps_each_revision_once_and_audits_each_row(creator_a, company_a):
    from workflow_design.models import AuditEntry

    CompanyRoleFactory(company=company_a, slug="manager")
    flows = _flows(company_a, 5, "flow")
    result = run_import(TaskDefinition, creator_a, _spread_task_file(flows, 50))
    assert errors_of(result) == [] and result.totals["new"] == 50
    assert (
        sorted(WorkflowDefinition.objects.filter(slug__startswith="flow-").values_list("revision", flat=True))
        == [2] * 5
    )
    made = access.tasks_for(creator_a).filter(slug__startswith="spread-")
    assert made.count() == 50 and set(made.values_list("created_by", flat=True)) == {creator_a.pk}
    entries = AuditEntry.objects.filter(content_type__model="taskdefinition", action="created")
    assert entries.count() == 50 and set(entries.values_list("channel", flat=True)) == {"code"}


def test_bad_rows_over_many_workflows_are_each_reported_at_their_row_and_nothing_is_written(creator_a, company_a):
    CompanyRoleFactory(company=company_a, slug="manager")
    flows = _flows(company_a, 5, "flow")
    live = WF(company=company_a, slug="live", title="Live")
    WorkflowDefinition.objects.filter(pk=live.pk).update(status="published")
    TaskFactory(workflow=flows[2], slug="taken")
    bad = {
        10: ("assignee_role", "no-such-role"),
        25: ("output_schema", '[{"name": "x", "type": "no-such-type"}]'),
        45: ("slug", "spread-39"),  # row 40's slug in the same workflow (flow-4)
        50: ("workflow", "no-such-workflow"),
        60: ("workflow", "live"),
        90: ("title", ""),
    }
    before = snapshot()
    result = run_import(TaskDefinition, creator_a, _spread_task_file(flows, 100, bad=bad))
    assert {row.number: sorted(row.error_dict) for row in result.invalid_rows} == {
        10: ["assignee_role"],
        25: ["output_schema"],
        45: ["slug"],
        50: ["workflow"],
        60: ["workflow"],
        90: ["title"],
    }
    assert "has no draft" in result.invalid_rows[4].error_dict["workflow"][0]
    assert snapshot() == before


def test_task_row_naming_another_companys_workflow_gets_the_error_of_a_missing_one(
    creator_a, creator_b, company_a, company_b
):
    WF(company=company_b, slug="theirs", title="Theirs")
    before = snapshot()
    header = b"workflow,workflow_version,slug,title\n"
    theirs = run_import(TaskDefinition, creator_a, header + b"theirs,,x,X\n")
    missing = run_import(TaskDefinition, creator_a, header + b"nowhere,,x,X\n")
    assert errors_of(theirs) == [e.replace("nowhere", "theirs") for e in errors_of(missing)]
    assert errors_of(theirs) == ['row 1 workflow: Workflow "theirs" was not found.']
    assert snapshot() == before


def test_changed_task_rows_over_many_workflows_update_in_one_batch_with_their_audit_diffs(creator_a, company_a):
    from workflow_design.models import AuditEntry

    CompanyRoleFactory(company=company_a, slug="manager")
    small_flows, large_flows = _flows(company_a, 2, "small"), _flows(company_a, 20, "large")
    for flows, rows in ((small_flows, 10), (large_flows, 200)):
        assert errors_of(run_import(TaskDefinition, creator_a, _spread_task_file(flows, rows))) == []
    counts = []
    for flows, rows in ((small_flows, 10), (large_flows, 200)):
        changed = _spread_task_file(flows, rows).replace(b",Spread ", b",Renamed ")
        result = run_import(TaskDefinition, creator_a, changed)
        counts.append(len(result.rows))
        assert errors_of(result) == [] and result.totals["update"] == rows
    assert TaskDefinition.objects.filter(title__startswith="Renamed ").count() == 210
    assert set(WorkflowDefinition.objects.filter(slug__startswith="large-").values_list("revision", flat=True)) == {3}
    entry = AuditEntry.objects.get(
        action="changed", object_id=TaskDefinition.objects.get(workflow=large_flows[7], slug="spread-7").pk
    )
    assert entry.changes == {"title": ["Spread 7", "Renamed 7"]}
    header_and_rows = _spread_task_file(large_flows, 200).replace(b",Spread ", b",Again ")
    again = _queries_of(lambda: run_import(TaskDefinition, creator_a, header_and_rows))
    small_again = _queries_of(
        lambda: run_import(
            TaskDefinition, creator_a, _spread_task_file(small_flows, 10).replace(b",Spread ", b",Again ")
        )
    )
    assert again == small_again, (small_again, again)


def _transition_file(flows) -> bytes:
    rows = "".join(f"{flow.slug},,,,spread-{i},,5\n{flow.slug},,,spread-{i},,,9\n" for i, flow in enumerate(flows))
    return ("workflow,workflow_version,slug,from_task,to_task,condition,priority\n" + rows).encode()


def test_transition_file_over_many_workflows_costs_the_same_queries_and_names_free_slugs(creator_a, company_a):
    CompanyRoleFactory(company=company_a, slug="manager")
    small, large = _flows(company_a, 2, "small"), _flows(company_a, 20, "large")
    for flows in (small, large):
        assert errors_of(run_import(TaskDefinition, creator_a, _spread_task_file(flows, len(flows)))) == []
    counts = []
    for flows in (small, large):
        data = _transition_file(flows)
        counts.append(_queries_of(lambda data=data: run_import(WorkflowTransition, creator_a, data)))
    assert counts[0] == counts[1], counts
    made = access.transitions_for(creator_a).filter(workflow__slug="large-3")
    assert sorted(made.values_list("slug", "priority")) == [("spread-3-to-end", 9), ("start-to-spread-3", 5)]
    assert WorkflowTransition.objects.count() == 44


def test_transition_file_condition_error_is_on_its_row_and_nothing_is_written(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    before = snapshot()
    data = (
        b"workflow,slug,from_task,to_task,condition,priority\n"
        b"purchase,fine,order,review,,7\n"
        b"purchase,broken,review,order,output.nothing == 1,8\n"
    )
    result = run_import(WorkflowTransition, creator_a, data)
    assert [(row.number, sorted(row.error_dict)) for row in result.invalid_rows] == [(2, ["condition"])]
    assert snapshot() == before


def test_preview_of_new_task_rows_shows_what_import_exports_own_diff_shows(creator_a, company_a):
    from import_export.resources import Diff

    from workflow_design.files.resources import TaskResource

    class StockDiff(TaskResource):
        def get_diff_class(self):
            return Diff

    rich_workflow(company_a, creator_a)
    data = (
        b"workflow,workflow_version,slug,title,description,task_type,position,assignee_role,output_schema\n"
        b"purchase,,new-a,A <b>&amp;</b>,,FORM,0,manager,[]\n"  # default-equal and empty cells
        b'purchase,,new-b,"Two\nlines",Why,FORM,7,,"[{""name"": ""ok"", ""type"": ""boolean""}]"\n'
        b"purchase,,order,Order renamed,,FORM,2,,[]\n"  # a changed row: import-export's own diff
    )
    previews = [
        resource(user=creator_a).import_data(SafeCSV().create_dataset(data), dry_run=True, user=creator_a)
        for resource in (TaskResource, StockDiff)
    ]
    ours, stock = ([row.diff for row in preview.rows] for preview in previews)
    assert ours == stock
    assert "<ins" in ours[0][3] and "&lt;b&gt;" in ours[0][3] and "<span>FORM</span>" == ours[0][5]


def test_real_import_reports_counts_without_the_preview_diff(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    data = b"workflow,slug,title\npurchase,new-a,A\npurchase,order,Order renamed\n"
    preview = run_import(TaskDefinition, creator_a, data, dry_run=True)
    real = run_import(TaskDefinition, creator_a, data)
    assert [(row.import_type, bool(row.diff)) for row in preview.rows] == [("new", True), ("update", True)]
    assert [(row.import_type, row.diff) for row in real.rows] == [("new", []), ("update", [])]
    assert TaskDefinition.objects.get(slug="order").title == "Order renamed"


def test_file_written_in_batches_reports_the_errors_of_every_batch_at_their_rows(creator_a, company_a):
    from workflow_design.files.resources import TaskResource

    class SevenRowBatches(TaskResource):
        class Meta:
            batch_size = 7

    CompanyRoleFactory(company=company_a, slug="manager")
    flows = _flows(company_a, 3, "flow")
    bad = {
        11: ("slug", "spread-1"),  # batch 2 repeats row 2 of batch 1 (both in flow-1)
        12: ("output_schema", '[{"name": "x", "type": "no-such-type"}]'),
        19: ("slug", "spread-15"),  # batch 3 repeats its own row 16 (both in flow-0)
    }
    before = snapshot()
    result = SevenRowBatches(user=creator_a).import_data(
        SafeCSV().create_dataset(_spread_task_file(flows, 20, bad=bad)), dry_run=False, user=creator_a
    )
    assert {row.number: sorted(row.error_dict) for row in result.invalid_rows} == {
        11: ["slug"],
        12: ["output_schema"],
        19: ["slug"],
    }
    assert (result.totals["new"], result.totals["invalid"]) == (17, 3)
    assert snapshot() == before

    result = SevenRowBatches(user=creator_a).import_data(
        SafeCSV().create_dataset(_spread_task_file(flows, 20)), dry_run=False, user=creator_a
    )
    assert errors_of(result) == [] and result.totals["new"] == 20
    assert access.tasks_for(creator_a).filter(slug__startswith="spread-").count() == 20
    assert sorted({row.object_id for row in result.rows}) == sorted(
        TaskDefinition.objects.filter(slug__startswith="spread-").values_list("pk", flat=True)
    )
