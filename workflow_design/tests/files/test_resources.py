"""Per-model files: round trips in every format, the documented examples, refusals that change nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from ticketflower.testing.factories import CompanyRoleFactory
from ticketflower.testing.factories import WorkflowFactory as WF
from workflow_design.files.formats import SafeCSV, SafeJSON, SafeXLSX
from workflow_design.files.resources import RESOURCES
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.files.resource_files import (
    IMPORT_ORDER,
    errors_of,
    export,
    rich_workflow,
    run_import,
    snapshot,
)

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


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


def test_creator_naming_another_company_is_refused_and_nothing_is_read(creator_a, company_a, company_b):
    result = run_import(WorkflowDefinition, creator_a, b"slug,title\nmine,Mine\n", company=company_b)
    assert errors_of(result) == ["You can create definitions only in your own company."]
    assert result.rows == [] and not WorkflowDefinition.objects.exists()
    result = run_import(WorkflowDefinition, creator_a, b"slug,title\nmine,Mine\n", company=company_a)
    assert errors_of(result) == []
    assert WorkflowDefinition.objects.get(slug="mine").company == company_a


def test_user_without_the_creator_role_may_neither_import_nor_export(company_a):
    from django.core.exceptions import PermissionDenied

    from ticketflower.testing.factories import UserFactory
    from workflow_design.policy import DENIED, Action

    WF(company=company_a, slug="kept", title="Kept")
    plain = UserFactory(company=company_a, is_staff=True)
    before = snapshot()
    result = run_import(WorkflowDefinition, plain, b"slug,title\nkept,Changed\nnew,New\n")
    # Refused once for the file, its rows not read at all.
    assert errors_of(result) == [str(DENIED[Action.IMPORT])] and result.rows == []
    assert snapshot() == before
    with pytest.raises(PermissionDenied, match=str(DENIED[Action.EXPORT])):
        RESOURCES[WorkflowDefinition](user=plain).export()


def test_export_without_a_queryset_holds_the_rows_the_user_may_export(creator_a, company_a, company_b):
    WF(company=company_a, slug="mine", title="Mine")
    WF(company=company_b, slug="theirs", title="Theirs")
    exported = RESOURCES[WorkflowDefinition](user=creator_a).export()
    assert exported["slug"] == ["mine"]


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
