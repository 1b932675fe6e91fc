"""A long workflow's page in a real Chromium: its tables are laid out when they come into view,
its transition lists read right as written by the server, its blank rows wait for the end of
their table, and nothing of it is lost by a save made without scrolling to it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from workflow_design.models import WorkflowDefinition
from workflow_design.tests.admin.browser_designer import DEMO_CREATOR, demo_creator_at_1280, save, screenshot
from workflow_design.tests.admin.designer_pages import change_url, long_workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TASKS = 60  # past the designer's "short table" of 40 rows: 60 tasks, 181 transitions

LAID_OUT = "(row) => row.checkVisibility({contentVisibilityAuto: true})"
NEW_ROWS = "#{prefix}-group tr.form-row:not(.has_original):not(.empty-form)"


def open_long_workflow(page) -> WorkflowDefinition:
    demo_creator_at_1280(page)
    company = get_user_model().objects.get(email=DEMO_CREATOR).company
    workflow = long_workflow(company, TASKS)
    page.goto(change_url(workflow))
    return workflow


def test_long_workflow_tables_laid_out_when_scrolled_to(page):
    open_long_workflow(page)
    # Parsed: the tables are no longer held back, and off screen they are not laid out yet.
    assert page.evaluate("document.documentElement.classList.contains('wd-parsing')") is False
    last_transition = page.locator("#transitions-group tr.has_original").last
    assert last_transition.evaluate(LAID_OUT) is False
    # As the page's own jumps scroll (a diagram node to its task row).
    last_transition.evaluate("(row) => row.scrollIntoView({block: 'center'})")
    assert last_transition.evaluate(LAID_OUT) is True
    box = last_transition.bounding_box()
    assert box["height"] > 0 and 0 <= box["y"] < 800


def test_long_workflow_lists_name_their_tasks_and_fill_when_opened(page):
    workflow = open_long_workflow(page)
    transition = workflow.transitions.get(from_task__slug="t7", priority=1)
    row = page.locator(f"#transitions-group tr:has(input[name$='-id'][value='{transition.pk}'])")
    source, target = row.locator("select.wd-task-pick").all()
    # As written: one option each, the task the row names, by title.
    assert source.evaluate("(s) => [s.options.length, s.value, s.selectedOptions[0].text]") == [1, "t7", "Task 7"]
    assert target.evaluate("(s) => [s.options.length, s.value, s.selectedOptions[0].text]") == [1, "t8", "Task 8"]
    # Opened, a list offers every task of the page (and "end"); a pick reaches the input sent.
    target.focus()
    assert target.evaluate("(s) => s.options.length") == TASKS + 1
    target.select_option("t30")
    assert row.locator("input[name$='-to_task']").input_value() == "t30"
    # A task renamed on the page is followed by the closed lists naming it.
    page.locator("#tasks-group input[name$='-title'][value='Task 7']").fill("Check order")
    expect(source.locator("option:checked")).to_have_text("Check order")
    screenshot(page, "designer-long-workflow-lists")


def test_long_workflow_blank_row_waits_for_the_end_of_its_table(page):
    open_long_workflow(page)
    new_transitions = page.locator(NEW_ROWS.format(prefix="transitions"))
    page.wait_for_load_state("load")
    assert new_transitions.count() == 0
    page.locator("#transitions-group tr.add-row").evaluate("(row) => row.scrollIntoView({block: 'center'})")
    expect(new_transitions).to_have_count(1)
    # Typing in the blank row adds the next one, as on a short workflow's page.
    new_transitions.first.locator("textarea[name$='-condition']").fill("true")
    expect(new_transitions).to_have_count(2)


def test_long_workflow_saved_without_scrolling_keeps_every_row(page):
    workflow = open_long_workflow(page)
    before = sorted(
        workflow.transitions.values_list("pk", "from_task__slug", "to_task__slug", "priority", "condition", "slug")
    )
    page.fill("#id_title", "Long workflow, renamed")
    save(page)
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    workflow.refresh_from_db()
    assert workflow.title == "Long workflow, renamed"
    assert workflow.tasks.count() == TASKS
    after = sorted(
        workflow.transitions.values_list("pk", "from_task__slug", "to_task__slug", "priority", "condition", "slug")
    )
    assert after == before
