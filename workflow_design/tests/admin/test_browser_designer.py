"""The designer in a real Chromium: the demo creator designs a branching workflow on one page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import admin_login
from users.services import system_roles_ensure
from workflow_design.models import WorkflowDefinition
from workflow_design.tests.admin.browser_designer import WHOLE_PAGE_DRAWN, save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_CREATOR = "creator@acme.example"
DEMO_PASSWORD = "TicketFlower-demo-2026"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", settings.BASE_DIR / "test-artifacts"))


def add_task(page, index: int, title: str, slug: str, role: str) -> None:
    page.click("#tasks-group .add-row a")
    page.fill(f"#id_tasks-{index}-position", str((index + 1) * 10))
    # Slug first: the admin fills an untouched slug from the title while we type.
    page.fill(f"#id_tasks-{index}-slug", slug)
    page.fill(f"#id_tasks-{index}-title", title)
    page.select_option(f"#id_tasks-{index}-assignee_role", label=role)


def add_output_field(page, task_index: int, name: str, label: str, field_type: str) -> None:
    # A task's output form opens in a dialog from its row (a summary and "Edit form").
    if not page.locator("dialog.wd-editor-dialog[open]").count():
        page.locator(f"#tasks-{task_index} td.field-output_schema .wd-editor-open").click()
    builder = page.locator(f"#id_tasks-{task_index}-output_schema_jsonform")
    builder.locator("button.wd-builder-add").click()
    field = builder.locator(".wd-builder-field").last
    field.locator("input[data-key=label]").fill(label)
    field.locator("input[data-key=name]").fill(name)
    field.locator("select[data-key=type]").select_option(field_type)


def close_editor(page) -> None:
    page.locator("dialog.wd-editor-dialog[open] .wd-editor-done").click()


def add_transition(page, index: int, source: str, target: str, priority: int, condition: str = "") -> None:
    page.click("#transitions-group .add-row a")
    # A transition picks its tasks from the task rows of the page.
    pickers = page.locator(f"#transitions-{index} select.wd-task-pick")
    pickers.nth(0).select_option(source)
    pickers.nth(1).select_option(target)
    page.fill(f"#id_transitions-{index}-priority", str(priority))
    page.fill(f"#id_transitions-{index}-condition", condition)


def test_demo_creator_designs_branching_workflow_in_one_save(page):
    # A transactional test starts from a flushed database: the system roles the demo users
    # belong to (made by a data migration) are created again first.
    system_roles_ensure()
    call_command("loaddata", "demo", verbosity=0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 1000})
    admin_login(page, DEMO_CREATOR, DEMO_PASSWORD)
    page.goto("/admin/workflow_design/workflowdefinition/add/")

    page.fill("#id_slug", "laptop-request")
    page.fill("#id_title", "Laptop request")
    add_task(page, 0, "Manager review", "manager-review", "Manager")
    add_task(page, 1, "Order laptop", "order-laptop", "IT support")
    add_task(page, 2, "Explain refusal", "explain-refusal", "IT support")

    add_output_field(page, 0, "comment", "Comment", "long_text")
    add_output_field(page, 0, "approved", "Approved", "boolean")
    # One click moves "approved" above "comment".
    page.locator("#id_tasks-0-output_schema_jsonform button[title='Move up']").last.click()
    first_name = page.locator("#id_tasks-0-output_schema_jsonform .wd-builder-field input[data-key=name]").first
    expect(first_name).to_have_value("approved")
    close_editor(page)

    add_transition(page, 0, "", "manager-review", 1)
    add_transition(page, 1, "manager-review", "order-laptop", 10, "output.approved == true")
    add_transition(page, 2, "manager-review", "explain-refusal", 20, "output.approved == false")
    add_transition(page, 3, "order-laptop", "", 1)
    add_transition(page, 4, "explain-refusal", "", 1)
    save(page)

    assert "was added successfully" in page.locator("ul.messagelist").inner_text()
    diagram = page.locator("#workflow-diagram svg")
    assert diagram.locator("g.task").count() == 3
    texts = [text.text_content() for text in diagram.locator("text").all()]
    assert {"Start", "End"} <= set(texts)
    for title in ("Manager review", "Order laptop", "Explain refusal"):
        # A task the checks warn about is drawn marked ("⚠ title").
        assert any(text.removeprefix("⚠ ") == title for text in texts), (title, texts)
    assert "10: output.approved == true" in texts
    page.screenshot(path=str(ARTIFACTS / "designer-saved.png"), full_page=True, style=WHOLE_PAGE_DRAWN)

    workflow = WorkflowDefinition.objects.get(slug="laptop-request")
    review = workflow.tasks.get(slug="manager-review")
    assert [field["name"] for field in review.output_schema] == ["approved", "comment"]
    assert workflow.transitions.count() == 5

    # Saved tasks show their output forms closed; saving without opening them keeps them.
    review_row = page.locator("#tasks-group tr.has_original").filter(has=page.locator("input[value='manager-review']"))
    assert "2 fields: Approved, Comment" in review_row.locator(".wd-editor-summary").inner_text()
    save(page)
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    review.refresh_from_db()
    assert [field["name"] for field in review.output_schema] == ["approved", "comment"]

    # An invalid field name is refused at the task's row, in words the creator understands.
    row = page.locator("#tasks-group tr.has_original").filter(has=page.locator("input[value='order-laptop']"))
    index = row.get_attribute("id").split("-")[-1]
    add_output_field(page, int(index), "Serial Number", "Serial number", "text")
    close_editor(page)
    save(page)
    expect(page.locator("p.errornote").first).to_be_visible()
    error = page.locator(f"#tasks-{index} ul.errorlist").first.inner_text()
    assert "Field 1 (Serial Number): the name must start with a lower-case letter" in error
    page.screenshot(path=str(ARTIFACTS / "designer-field-name-error.png"), full_page=True, style=WHOLE_PAGE_DRAWN)
    assert workflow.tasks.get(slug="order-laptop").output_schema == []
