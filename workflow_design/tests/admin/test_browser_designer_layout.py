"""The workflow page at 1280 × 800 in a real Chromium: nothing wider than the window with any
editor open, transitions that follow a renamed task, checks of the unsaved page, and a jump
from the diagram to a task's row."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from workflow_design.models import WorkflowDefinition
from workflow_design.tests.admin.browser_designer import (
    ADD_URL,
    demo_creator_at_1280,
    save,
    screenshot,
    sideways_overflow,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_WORKFLOW = "it-access-request"


def open_demo_workflow(page) -> WorkflowDefinition:
    demo_creator_at_1280(page)
    workflow = WorkflowDefinition.objects.get(slug=DEMO_WORKFLOW)
    page.goto(f"/admin/workflow_design/workflowdefinition/{workflow.pk}/change/")
    # The designer's script has run once the page's blank rows are there.
    expect(page.locator("#transitions-group select.wd-task-pick").first).to_be_visible()
    return workflow


def test_workflow_page_fits_1280_with_each_editor_open(page):
    workflow = open_demo_workflow(page)
    assert sideways_overflow(page) == 0
    screenshot(page, "designer-1280-closed")
    for task in workflow.tasks.order_by("position", "id"):
        row = page.locator("#tasks-group tr.has_original").filter(has=page.locator(f"input[value='{task.slug}']"))
        row.locator(".wd-editor-open").click()
        dialog = page.locator("dialog.wd-editor-dialog[open]")
        expect(dialog).to_be_visible()
        expect(dialog.locator("h2")).to_contain_text(task.title)
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (task.slug, box)
        assert sideways_overflow(page) == 0, task.slug
        if task.position == 1:
            screenshot(page, "designer-1280-task-form-dialog")
        dialog.locator(".wd-editor-done").click()
        expect(dialog).to_have_count(0)
    # A new task's form, and the workflow's own field list on the page.
    page.fill("#tasks-group tr.form-row:not(.has_original):not(.empty-form) input[name$='-title']", "Handover")
    page.locator("#tasks-group tr.form-row:not(.has_original):not(.empty-form) .wd-editor-open").first.click()
    expect(page.locator("dialog.wd-editor-dialog[open]")).to_contain_text("Handover")
    assert sideways_overflow(page) == 0
    page.locator("dialog.wd-editor-dialog[open] .wd-editor-done").click()
    page.locator(".field-fields .wd-builder-add, .field-fields button").first.click()
    assert sideways_overflow(page) == 0
    # The add page, with a new task's form open.
    page.goto(ADD_URL)
    expect(page.locator("#tasks-0 .wd-editor-open")).to_be_visible()
    assert sideways_overflow(page) == 0
    page.locator("#tasks-0 .wd-editor-open").click()
    expect(page.locator("dialog.wd-editor-dialog[open]")).to_be_visible()
    assert sideways_overflow(page) == 0
    screenshot(page, "designer-1280-new-workflow-form-dialog")


def references_to(page, slug: str) -> int:
    """Transition rows naming the task `slug` as source or target, as the page would send them."""
    return page.eval_on_selector_all(
        "#transitions-group input.wd-task-ref", "(inputs, slug) => inputs.filter(i => i.value === slug).length", slug
    )


def test_renamed_task_carried_into_its_transitions(page):
    workflow = open_demo_workflow(page)
    task = workflow.tasks.get(slug="manager-approval")
    leaving = set(workflow.transitions.filter(from_task=task).values_list("pk", flat=True))
    arriving = set(workflow.transitions.filter(to_task=task).values_list("pk", flat=True))
    references = references_to(page, "manager-approval")
    assert references == len(leaving) + len(arriving) >= 3
    row = page.locator("#tasks-group tr.has_original").filter(has=page.locator("input[value='manager-approval']"))
    row.locator("input[name$='-slug']").fill("manager-ok")
    expect(page.locator("#transitions-group select.wd-task-pick option[value='manager-ok']").first).to_be_attached()
    assert references_to(page, "manager-approval") == 0
    assert references_to(page, "manager-ok") == references
    # The lists show the task by its title, picked.
    picked = page.eval_on_selector_all(
        "#transitions-group select.wd-task-pick",
        "lists => lists.filter(s => s.value === 'manager-ok').map(s => s.selectedOptions[0].textContent)",
    )
    assert picked == ["Manager approval"] * references
    screenshot(page, "designer-rename-followed")
    save(page)
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    task.refresh_from_db()
    assert task.slug == "manager-ok"
    assert set(workflow.transitions.filter(from_task=task).values_list("pk", flat=True)) == leaving
    assert set(workflow.transitions.filter(to_task=task).values_list("pk", flat=True)) == arriving


def test_live_check_shows_and_clears_a_finding_without_saving(page):
    workflow = open_demo_workflow(page)
    revision = workflow.revision
    transition = workflow.transitions.exclude(condition="").select_related("from_task").first()
    row_id = (
        page.locator("#transitions-group tr.has_original")
        .filter(has=page.locator(f"input[name$='-slug'][value='{transition.slug}']"))
        .get_attribute("id")
    )
    condition = page.locator(f"#id_{row_id}-condition")
    condition.fill("output.no_such_field == true")
    finding = page.locator(f"#{row_id} td.field-condition .wd-live-findings")
    expect(finding).to_contain_text("no_such_field")
    expect(page.locator("#wd-live-check .wd-live-status")).to_contain_text("1")
    # The drawing follows the unsaved page and marks the task the condition leaves.
    expect(page.locator("#workflow-diagram svg")).to_contain_text("output.no_such_field")
    expect(page.locator("#workflow-diagram g.task.faulty")).to_contain_text(transition.from_task.title)
    screenshot(page, "designer-live-check-finding")
    condition.fill(transition.condition)
    expect(finding).to_have_count(0)
    expect(page.locator("#workflow-diagram svg")).not_to_contain_text("output.no_such_field")
    screenshot(page, "designer-live-check-cleared")
    workflow.refresh_from_db()
    transition.refresh_from_db()
    assert workflow.revision == revision
    assert "no_such_field" not in transition.condition


def test_diagram_task_jumps_to_its_row(page):
    workflow = open_demo_workflow(page)
    last = workflow.tasks.order_by("-position").first()
    page.locator("#workflow-diagram g.task").filter(has_text=last.title).first.click()
    row = page.locator("#tasks-group tr.has_original").filter(has=page.locator(f"input[value='{last.slug}']"))
    expect(row).to_have_class(re.compile(r"\bwd-jumped\b"))
    expect(row.locator("input[name$='-title']")).to_be_focused()
    assert row.bounding_box()["y"] >= 0
    page.goto(page.url.split("#")[0] + "#task-provisioning")
    provisioning = page.locator("#tasks-group tr.has_original").filter(has=page.locator("input[value='provisioning']"))
    expect(provisioning.locator("input[name$='-title']")).to_be_focused()
