"""Hostile inputs, each sent through the path a user would send it on: the API, the bundle import
(API and admin), the admin's file import preview and the admin's export page.

Every case must be refused with a 4xx whose text says why (`says`), write nothing, cost little
and leave the server answering others. The tests send each case once; the benchmark
(`bench/measure_hostile.py`) times them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

W = "/api/workflow/workflows/"
T = "/api/workflow/tasks/"
TR = "/api/workflow/transitions/"
BUNDLE_API = f"{W}import-bundle/"
CSV, XLSX = "0", "1"


@dataclass(frozen=True)
class Target:
    """What the cases aim at: a draft workflow of the sender's company with the tasks `first` and
    `second`, and a workflow of another company."""

    workflow_pk: int
    workflow_slug: str
    first_task_pk: int
    second_task_pk: int
    other_workflow_pk: int


@dataclass(frozen=True)
class Clients:
    api: object  # a DRF APIClient authenticated as a workflow creator
    admin: object  # a Django test Client logged in as the same creator


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    send: Callable[[Clients, Target], object]
    says: str  # words the refusal must hold


# Inputs ---------------------------------------------------------------------------------

# A quote then escaped quotes, never closed: a backtracking scan retries from every quote.
ESCAPED_QUOTES_BUNDLE = (
    b'{"format": "ticketflower.workflow-bundle", "format_version": 1, "workflow": {"slug": "x", "title": "'
    + b'\\"' * 24_000
)
ESCAPED_QUOTES_CELL = '["' + '\\"' * 12_000
DEEP_CONDITIONS = {
    "3,000 opening parentheses": "(" * 3000,
    "20,000 negations": "!" * 20_000 + "true",
    "20,000 && terms": "&&".join(["true"] * 20_000),  # 120 KB: under a CSV cell's size limit
}


def bundle(*, task_title: str = "First", role_name: str | None = None, condition: str = "true") -> dict:
    task = {"slug": "first", "title": task_title}
    document = {
        "format": "ticketflower.workflow-bundle",
        "format_version": 1,
        "workflow": {"slug": "hostile", "title": "Hostile"},
        "tasks": [task],
        "transitions": [
            {"slug": "start", "from_task": None, "to_task": "first"},
            {"slug": "finish", "from_task": "first", "to_task": None, "condition": condition},
        ],
        "tickets": [],
        "roles": [],
    }
    if role_name is not None:
        task["assignee_role"] = "hostile-role"
        document["roles"] = [{"slug": "hostile-role", "name": role_name}]
    return document


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


_XLSX_SHEET = "xl/worksheets/sheet1.xml"
_XLSX_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_with_sheet(sheet_data: str, *, dimension: str = "A1:C1") -> bytes:
    """A real workbook (written by openpyxl) whose first sheet holds `sheet_data`."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["workflow", "slug", "title"])
    out = io.BytesIO()
    book.save(out)
    sheet = (
        f'<worksheet xmlns="{_XLSX_NAMESPACE}"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = sheet.encode() if info.filename == _XLSX_SHEET else source.read(info.filename)
            target.writestr(info.filename, content)
    return rebuilt.getvalue()


def _text_cells(row: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{column}{row}" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in zip("ABC", values, strict=False)
    )
    return f'<row r="{row}">{cells}</row>'


def sparse_xlsx(workflow_slug: str, row: int) -> bytes:
    """A header in row 1 and one task in row `row`; every row between is blank (a few KB)."""
    sheet = _text_cells(1, ["workflow", "slug", "title"]) + _text_cells(row, [workflow_slug, "late", "Late"])
    return xlsx_with_sheet(sheet, dimension=f"A1:C{row}")


def wide_xlsx(cells: int) -> bytes:
    """A header, then one row that lists `cells` empty cells."""
    return xlsx_with_sheet(_text_cells(1, ["workflow", "slug", "title"]) + '<row r="2">' + "<c/>" * cells + "</row>")


# Paths ----------------------------------------------------------------------------------


def api_post(url: str, body: Callable[[Target], dict]):
    return lambda clients, target: clients.api.post(url, body(target), format="json")


def api_patch_workflow(body: dict):
    return lambda clients, target: clients.api.patch(f"{W}{target.workflow_pk}/", body, format="json")


def bundle_api_json(document: dict):
    return lambda clients, target: clients.api.post(BUNDLE_API, document, format="json")


def bundle_api_file(content: bytes):
    def send(clients, target):
        return clients.api.post(BUNDLE_API, {"file": SimpleUploadedFile("bundle.json", content)}, format="multipart")

    return send


def bundle_admin_file(content: bytes):
    def send(clients, target):
        url = reverse("admin:workflow_design_workflowdefinition_bundle_import")
        return clients.admin.post(url, {"bundle_file": SimpleUploadedFile("bundle.json", content)})

    return send


def file_preview(model: str, name: str, content: Callable[[Target], bytes], fmt: str = CSV):
    def send(clients, target):
        url = reverse(f"admin:workflow_design_{model}_import")
        upload = SimpleUploadedFile(name, content(target))
        return clients.admin.post(url, {"import_file": upload, "format": fmt, "resource": "0"})

    return send


def export_page(model: str, query: Callable[[Target], str]):
    def send(clients, target):
        return clients.admin.get(reverse(f"admin:workflow_design_{model}_export") + "?" + query(target))

    return send


def _task(title: str, **fields) -> Callable[[Target], dict]:
    return lambda target: {"workflow": target.workflow_pk, "title": title, **fields}


def _transition(condition: str) -> Callable[[Target], dict]:
    return lambda target: {
        "workflow": target.workflow_pk,
        "from_task": target.first_task_pk,
        "to_task": target.second_task_pk,
        "condition": condition,
    }


def _task_csv(title: str = "Task", input_schema: str = "[]") -> Callable[[Target], bytes]:
    return lambda target: csv_file(
        [["workflow", "slug", "title", "input_schema"], [target.workflow_slug, "hostile", title, input_schema]]
    )


def _transition_csv(condition: str) -> Callable[[Target], bytes]:
    return lambda target: csv_file(
        [
            ["workflow", "slug", "from_task", "to_task", "condition"],
            [target.workflow_slug, "hostile", "first", "", condition],
        ]
    )


def _blank_lines_csv(target: Target) -> bytes:
    return b"workflow,slug,title\r\n" + b"\r\n" * 20_000 + f"{target.workflow_slug},late,Late\r\n".encode()


# The corpus -----------------------------------------------------------------------------

FILE_LIMITS = [
    Case(
        "48 KB bundle of escaped quotes (API upload)",
        "bundle API",
        bundle_api_file(ESCAPED_QUOTES_BUNDLE),
        "not valid JSON",
    ),
    Case(
        "48 KB bundle of escaped quotes (admin)",
        "bundle admin",
        bundle_admin_file(ESCAPED_QUOTES_BUNDLE),
        "not valid JSON",
    ),
    Case(
        "24 KB JSON cell of escaped quotes (task CSV)",
        "file preview",
        file_preview("taskdefinition", "tasks.csv", _task_csv(input_schema=ESCAPED_QUOTES_CELL)),
        "not valid JSON",
    ),
    Case(
        "XLSX with a row at 3,000,000",
        "file preview",
        file_preview("taskdefinition", "tasks.xlsx", lambda t: sparse_xlsx(t.workflow_slug, 3_000_000), XLSX),
        "reaches row 3000000",
    ),
    Case(
        "XLSX with a row at 1,000,000,000",
        "file preview",
        file_preview("taskdefinition", "tasks.xlsx", lambda t: sparse_xlsx(t.workflow_slug, 1_000_000_000), XLSX),
        "reaches row 1000000000",
    ),
    Case(
        "XLSX row of 300,000 cells",
        "file preview",
        file_preview("taskdefinition", "tasks.xlsx", lambda t: wide_xlsx(300_000), XLSX),
        "cells",
    ),
    Case(
        "CSV with 20,000 blank lines before its row",
        "file preview",
        file_preview("taskdefinition", "tasks.csv", _blank_lines_csv),
        "blank rows included",
    ),
]

DEEP_CONDITION_CASES = [
    case
    for label, condition in DEEP_CONDITIONS.items()
    for case in (
        Case(f"condition of {label} (API)", "API", api_post(TR, _transition(condition)), "condition"),
        Case(f"condition of {label} (bundle)", "bundle API", bundle_api_json(bundle(condition=condition)), "condition"),
        Case(
            f"condition of {label} (transition CSV)",
            "file preview",
            file_preview("workflowtransition", "transitions.csv", _transition_csv(condition)),
            "condition",
        ),
    )
]

CONTROL_CHARACTER_CASES = [
    Case("task title with a bell (API)", "API", api_post(T, _task("Bell \u0007")), "U+0007"),
    Case(
        "field label with a bell in a form (API)",
        "API",
        api_post(T, _task("Form", output_schema=[{"name": "x", "label": "Ring \u0007", "type": "text"}])),
        "U+0007",
    ),
    Case(
        "workflow description with an escape (API)", "API", api_patch_workflow({"description": "\u001b[31m"}), "U+001B"
    ),
    Case("task title with NUL (bundle)", "bundle API", bundle_api_json(bundle(task_title="Nul \u0000")), "U+0000"),
    Case("role name with NUL (bundle)", "bundle API", bundle_api_json(bundle(role_name="Nul \u0000")), "U+0000"),
    Case(
        "task title with NUL (admin bundle file)",
        "bundle admin",
        bundle_admin_file(json.dumps(bundle(task_title="Nul \u0000")).encode()),
        "U+0000",
    ),
    Case(
        "task title with a bell (task CSV)",
        "file preview",
        file_preview("taskdefinition", "tasks.csv", _task_csv(title="Bell \u0007")),
        "U+0007",
    ),
]

EXPORT_PARAMETER_CASES = [
    Case(
        "export page ?format=0", "export", export_page("workflowdefinition", lambda t: "format=0"), "cannot be filtered"
    ),
    Case(
        "export page ?workflow=2",
        "export",
        export_page("workflowdefinition", lambda t: "workflow=2"),
        "cannot be filtered",
    ),
    Case(
        "export page, another company's workflow id",
        "export",
        export_page("workflowdefinition", lambda t: f"workflow__id__exact={t.other_workflow_pk}"),
        "cannot be filtered",
    ),
    Case(
        "export page, a filter that is not a number",
        "export",
        export_page("taskdefinition", lambda t: "workflow__id__exact=abc"),
        "cannot be filtered",
    ),
]

CASES = [*FILE_LIMITS, *DEEP_CONDITION_CASES, *CONTROL_CHARACTER_CASES, *EXPORT_PARAMETER_CASES]


def row_counts() -> dict[str, int]:
    """The rows of every table a refused input could write to."""
    from users.models import CompanyRole
    from workflow_design.models import (
        AuditEntry,
        TaskDefinition,
        TicketDefinition,
        WorkflowDefinition,
        WorkflowTransition,
    )

    models = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, CompanyRole, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


def target_for(company, creator, other_company) -> Target:
    """A draft workflow of `company` with the tasks `first` and `second`, made through the services."""
    from workflow_design.services import task_create, workflow_create

    workflow = workflow_create(user=creator, company=company, slug="target", title="Target")
    first = task_create(user=creator, workflow=workflow, slug="first", title="First")
    second = task_create(user=creator, workflow=workflow, slug="second", title="Second")
    other = workflow_create(user=None, company=other_company, slug="theirs", title="Theirs")
    return Target(workflow.pk, workflow.slug, first.pk, second.pk, other.pk)


def response_text(response) -> str:
    import html

    return html.unescape(response.content.decode("utf-8", "replace"))
