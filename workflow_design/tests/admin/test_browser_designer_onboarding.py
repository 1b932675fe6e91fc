"""A new workflow designed from scratch in a real Chromium at 1280 × 800: the onboarding
workflow within its interaction budget, and a first save refused for one wrong condition."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workflow_design.models import WorkflowDefinition
from workflow_design.rules.linting import lint_errors, lint_workflow
from workflow_design.tests.admin.browser_designer import (
    ADD_URL,
    demo_creator_at_1280,
    save,
    screenshot,
    sideways_overflow,
    visible_row_errors,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Clicks, entries and picks a creator may need for the onboarding workflow below.
INTERACTION_BUDGET = 60

ONBOARDING_TASKS = [
    ("Collect details", [("Full name", "text"), ("Start date", "date"), ("Work email", "email")]),
    ("Manager approval", [("Approved", "boolean"), ("Comment", "long_text"), ("Team", "text")]),
    ("Set up accounts", [("Username", "text"), ("Laptop ready", "boolean"), ("Notes", "long_text")]),
    ("Welcome", [("Buddy", "text"), ("Meeting held", "boolean"), ("Feedback", "long_text"), ("Rating", "integer")]),
]
# (from, to, condition) by task slug; "" is the start (from) or the end (to).
ONBOARDING_TRANSITIONS = [
    ("", "collect-details", ""),
    ("collect-details", "manager-approval", ""),
    ("manager-approval", "set-up-accounts", "output.approved == true"),
    ("manager-approval", "", ""),
    ("set-up-accounts", "welcome", ""),
    ("welcome", "", ""),
]


class CountedPage:
    """The page's actions a creator takes, each counted: a click, a text entered, a pick."""

    def __init__(self, page) -> None:
        self.page = page
        self.interactions = 0

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.interactions += 1

    def fill(self, selector: str, text: str) -> None:
        self.page.locator(selector).first.fill(text)
        self.interactions += 1

    def pick(self, selector: str, value: str) -> None:
        self.page.locator(selector).first.select_option(value)
        self.interactions += 1


def pick_tasks(creator: CountedPage, index: int, source: str, target: str) -> None:
    # A new row starts at "start" and "end": only a task is picked.
    lists = f"#transitions-{index} select.wd-task-pick"
    if source:
        creator.pick(f"{lists} >> nth=0", source)
    if target:
        creator.pick(f"{lists} >> nth=1", target)


def test_onboarding_workflow_designed_within_the_interaction_budget(page):
    demo_creator_at_1280(page)
    page.goto(ADD_URL)
    expect(page.locator("#transitions-0 select.wd-task-pick").first).to_be_visible()
    creator = CountedPage(page)
    creator.fill("#id_title", "Employee onboarding")
    for index, (title, _fields) in enumerate(ONBOARDING_TASKS):
        # A blank row waits at the end of the table; typing in it brings the next one.
        creator.fill(f"#id_tasks-{index}-title", title)
    for index, (_title, fields) in enumerate(ONBOARDING_TASKS):
        creator.click(f"#tasks-{index} .wd-editor-open")
        dialog = "dialog.wd-editor-dialog[open]"
        for label, field_type in fields:
            creator.click(f"{dialog} .wd-builder-add")
            card = f"{dialog} .wd-builder-field:last-child"
            creator.fill(f"{card} input[data-key=label]", label)
            if field_type != "text":
                creator.pick(f"{card} select[data-key=type]", field_type)
        if index == 1:
            assert sideways_overflow(page) == 0
            screenshot(page, "designer-onboarding-form-dialog")
        creator.click(f"{dialog} .wd-editor-done")
    for index, (source, target, condition) in enumerate(ONBOARDING_TRANSITIONS):
        pick_tasks(creator, index, source, target)
        if condition:
            creator.fill(f"#id_transitions-{index}-condition", condition)
    expect(page.locator("#wd-live-check .wd-live-status")).to_contain_text("No problems")
    screenshot(page, "designer-onboarding-before-save")
    save(page)
    creator.interactions += 1
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    screenshot(page, "designer-onboarding-saved")

    assert creator.interactions <= INTERACTION_BUDGET, creator.interactions
    workflow = WorkflowDefinition.objects.get(title="Employee onboarding")
    tasks = list(workflow.tasks.order_by("position"))
    assert [task.title for task in tasks] == [title for title, _fields in ONBOARDING_TASKS]
    assert [task.position for task in tasks] == [1, 2, 3, 4]
    assert [[(f["label"], f["type"]) for f in task.output_schema] for task in tasks] == [
        fields for _title, fields in ONBOARDING_TASKS
    ]
    assert tasks[1].output_schema[0]["name"] == "approved"
    made = {
        (t.from_task.slug if t.from_task else "", t.to_task.slug if t.to_task else "", t.condition)
        for t in workflow.transitions.select_related("from_task", "to_task")
    }
    assert made == set(ONBOARDING_TRANSITIONS)
    assert lint_errors(lint_workflow(workflow)) == []


def test_new_workflow_first_save_with_wrong_condition_shows_one_error_at_its_row(page):
    demo_creator_at_1280(page)
    page.goto(ADD_URL)
    expect(page.locator("#transitions-0 select.wd-task-pick").first).to_be_visible()
    page.fill("#id_title", "Laptop request")
    page.fill("#id_tasks-0-title", "Review")
    page.fill("#id_tasks-1-title", "Order")
    rows = [("", "review", ""), ("review", "order", "output.aproved == true"), ("review", "", ""), ("order", "", "")]
    for index, (source, target, condition) in enumerate(rows):
        pick_tasks(CountedPage(page), index, source, target)
        if condition:
            page.fill(f"#id_transitions-{index}-condition", condition)
    save(page)
    expect(page.locator("p.errornote")).to_be_visible()
    screenshot(page, "designer-first-save-one-error")

    errors = visible_row_errors(page)
    assert len(errors) == 1, errors
    row, text = errors[0]
    assert row == "transitions-1" and "aproved" in text
    assert "not a valid choice" not in page.content()
    assert not WorkflowDefinition.objects.filter(title="Laptop request").exists()
    # Everything typed is there as typed.
    assert page.input_value("#id_title") == "Laptop request"
    assert [page.input_value(f"#id_tasks-{i}-title") for i in (0, 1)] == ["Review", "Order"]
    assert page.input_value("#id_transitions-1-condition") == "output.aproved == true"
    picked = page.eval_on_selector_all(
        "#transitions-group tr.form-row:not(.empty-form) select.wd-task-pick", "lists => lists.map(s => s.value)"
    )
    assert picked[:8] == ["", "review", "review", "order", "review", "", "order", ""]

    # Fixed, the next save goes through.
    page.fill("#id_transitions-1-condition", "")
    save(page)
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    assert WorkflowDefinition.objects.get(title="Laptop request").transitions.count() == 4
