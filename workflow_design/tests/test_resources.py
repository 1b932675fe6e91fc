"""Per-model files: round trips in every format, the documented examples, refusals that change nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, TicketFactory, TransitionFactory
from ticketflower.testing.factories import WorkflowFactory as WF
from workflow_design import access
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.resources import RESOURCES, SafeCSV, SafeJSON, SafeXLSX

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
# The order a set of files is imported in: each names only what the earlier ones made.
IMPORT_ORDER = (WorkflowDefinition, TaskDefinition, TicketDefinition, WorkflowTransition)
APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


def snapshot() -> dict:
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in IMPORT_ORDER}


def export(model, user, fmt):
    resource = RESOURCES[model](user=user)
    data = fmt().export_data(resource.export(access.definitions_for(user, model)))
    return data.encode("utf-8") if isinstance(data, str) else data


def run_import(model, user, data: bytes, fmt=SafeCSV, *, dry_run=False, company=None):
    dataset = fmt().create_dataset(data)
    return RESOURCES[model](user=user, company=company).import_data(dataset, dry_run=dry_run, user=user)


def errors_of(result) -> list[str]:
    found = [str(e.error) for e in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            found += [f"row {row.number} {column}: {m}" for m in messages]
    return found


def rich_workflow(company, user=None):
    for slug in ("manager", "employee"):
        CompanyRoleFactory(company=company, slug=slug, name=slug.title())
    manager = company.roles.get(slug="manager")
    workflow = WF(
        company=company,
        slug="purchase",
        title="Purchase, with “quotes” & commas",
        description="Line one\nline two",
        ext_ref=[{"system": "jira", "reference": "P-1", "url": "https://jira.example.com/P-1"}],
        fields=[{"name": "budget", "label": "Budget", "type": "number", "required": False}],
        created_by=user,
    )
    review = TaskFactory(
        workflow=workflow, slug="review", title="-Review", position=1, assignee_role=manager, output_schema=APPROVED
    )
    order = TaskFactory(workflow=workflow, slug="order", title="Order", position=2)
    TicketFactory(
        workflow=workflow,
        company=company,
        slug="purchase-ticket",
        title="@Buy",
        fields=[{"name": "amount", "label": "Amount", "type": "number"}],
        company_role_access=["employee"],
    )
    TransitionFactory(workflow=workflow, from_task=None, to_task=review, slug="begin")
    TransitionFactory(
        workflow=workflow, from_task=review, to_task=order, condition="output.approved == true", priority=5
    )
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, priority=50)
    TransitionFactory(workflow=workflow, from_task=order, to_task=None)
    return workflow


@pytest.mark.parametrize("fmt", [SafeCSV, SafeXLSX, SafeJSON], ids=lambda f: f.title)
def test_every_model_round_trips_into_another_company(fmt, creator_a, creator_b, company_a, company_b):
    rich_workflow(company_a, creator_a)
    for slug in ("manager", "employee"):
        CompanyRoleFactory(company=company_b, slug=slug, name=slug.title())
    for model in IMPORT_ORDER:
        exported = export(model, creator_a, fmt)
        result = run_import(model, creator_b, exported, fmt)
        assert errors_of(result) == [], model
        assert model.objects.count() == 2 * (model.objects.filter(**_of(model, company_a)).count())
        if fmt is SafeXLSX:
            assert _xlsx_rows(export(model, creator_b, fmt)) == _xlsx_rows(exported)
        else:
            assert export(model, creator_b, fmt) == exported
    copied = WorkflowDefinition.objects.get(company=company_b)
    assert copied.created_by == creator_b
    assert copied.tasks.get(slug="review").assignee_role.company == company_b


def _of(model, company):
    return {"workflow__company": company} if model is WorkflowTransition else {"company": company}


def _xlsx_rows(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_documented_examples_import_as_documented(creator_a, company_a):
    for slug in ("employee", "manager", "it-support"):
        CompanyRoleFactory(company=company_a, slug=slug, name=slug)
    for model, name in zip(IMPORT_ORDER, ("workflows", "tasks", "tickets", "transitions"), strict=True):
        result = run_import(model, creator_a, (EXAMPLES / f"{name}.csv").read_bytes())
        assert errors_of(result) == [], name
    workflow = WorkflowDefinition.objects.get(slug="equipment-request")
    assert (workflow.company, workflow.version, workflow.status) == (company_a, 1, "draft")
    assert list(workflow.tasks.values_list("slug", "assignee_role__slug")) == [
        ("manager-approval", "manager"),
        ("hand-over", "it-support"),
    ]
    assert workflow.transitions.count() == 4
    assert workflow.transitions.get(slug="approved").condition == "output.approved == true"
    assert TicketDefinition.objects.get(slug="equipment").company_role_access == ["employee", "manager"]


def test_reimporting_the_same_file_reports_every_row_unchanged(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    for model in IMPORT_ORDER:
        result = run_import(model, creator_a, export(model, creator_a, SafeCSV), dry_run=True)
        assert errors_of(result) == []
        assert result.totals["skip"] == model.objects.count() and result.totals["new"] == 0, model


def test_changed_title_updates_the_draft(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    data = export(TaskDefinition, creator_a, SafeCSV).replace(b",Order,", b",Place the order,")
    result = run_import(TaskDefinition, creator_a, data)
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    assert TaskDefinition.objects.get(slug="order").title == "Place the order"


def test_invalid_json_cell_names_row_and_column_and_changes_nothing(creator_a, company_a):
    rich_workflow(company_a, creator_a)
    before = snapshot()
    data = b'workflow,slug,title,output_schema\npurchase,new-one,New,[]\npurchase,broken,Broken,[{"name": \n'
    result = run_import(TaskDefinition, creator_a, data)
    assert result.has_validation_errors()
    assert any(e.startswith("row 2 output_schema: The cell is not valid JSON") for e in errors_of(result))
    assert snapshot() == before


def test_unknown_column_is_refused(creator_a, company_a):
    before = snapshot()
    result = run_import(WorkflowDefinition, creator_a, b"slug,titel\nx,X\n")
    assert any("Unknown column(s): titel" in e for e in errors_of(result))
    assert snapshot() == before


def test_company_in_the_file_is_ignored_for_a_creator(creator_a, company_a, company_b):
    result = run_import(WorkflowDefinition, creator_a, b"slug,title\nmine,Mine\n", company=company_b)
    assert errors_of(result) == []
    assert WorkflowDefinition.objects.get(slug="mine").company == company_a


def test_superuser_imports_into_the_chosen_company(superuser, company_b):
    result = run_import(WorkflowDefinition, superuser, b"slug,title\nroot-made,Root\n", company=company_b)
    assert errors_of(result) == []
    assert WorkflowDefinition.objects.get(slug="root-made").company == company_b


def test_transition_naming_another_companys_task_is_not_found(creator_a, creator_b, company_a, company_b):
    rich_workflow(company_b, creator_b)
    WF(company=company_a, slug="purchase", title="Mine")
    before = snapshot()
    result = run_import(WorkflowTransition, creator_a, b"workflow,slug,from_task,to_task\npurchase,x,review,\n")
    assert errors_of(result) == ['row 1 from_task: Workflow "purchase" has no task "review".']
    assert snapshot() == before


def test_one_invalid_row_among_many_writes_nothing(creator_a, company_a):
    rows = "".join(f"wf-{i},Workflow {i}\n" for i in range(20))
    before = snapshot()
    result = run_import(WorkflowDefinition, creator_a, f"slug,title\n{rows}Bad Slug!,X\n".encode())
    assert [r.number for r in result.invalid_rows] == [21]
    assert snapshot() == before


@pytest.mark.parametrize("title", ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "'=quoted"])
def test_formula_like_title_is_neutralised_in_csv_and_xlsx_and_restored_on_import(
    title, creator_a, creator_b, company_a, company_b
):
    WF(company=company_a, slug="f", title=title)
    csv_rows = list(csv.reader(io.StringIO(export(WorkflowDefinition, creator_a, SafeCSV).decode(), newline="")))
    assert csv_rows[1][2] == "'" + title
    xlsx = export(WorkflowDefinition, creator_a, SafeXLSX)
    cell = openpyxl.load_workbook(io.BytesIO(xlsx)).active["C2"]
    # Stored as text, never as a formula (XML keeps no lone carriage return, hence the strip).
    assert cell.data_type == "s" and cell.value.startswith("'") and cell.value[1:].strip() == title.strip()
    assert errors_of(run_import(WorkflowDefinition, creator_b, export(WorkflowDefinition, creator_a, SafeCSV))) == []
    assert WorkflowDefinition.objects.get(company=company_b).title == title


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
        assert errors_of(result) == ["row 4 slug: This workflow already has a task definition with this slug."]
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
