"""The form builder, its preview and the dry run's value entry in a real Chromium.

The preview's verdicts are compared with the server's own validator (jsonschema on the schema
`rules/field_schemas.py` generates), not with answers written down here.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from jsonschema import Draft202012Validator
from playwright.sync_api import expect

from conftest import admin_login
from ticketflower.testing.factories import CompanyFactory, TaskFactory, UserFactory, simple_workflow
from users.services import system_roles_ensure
from workflow_design.admin.widgets import PREVIEW_MESSAGES, value_errors
from workflow_design.models import DefinitionStatus, TaskDefinition, WorkflowDefinition
from workflow_design.rules.field_schemas import field_list_to_json_schema
from workflow_design.services import task_update
from workflow_design.tests.admin.browser_designer import WHOLE_PAGE_DRAWN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", settings.BASE_DIR / "test-artifacts"))
BUILDER = "#id_output_schema_jsonform"


@pytest.fixture
def creator(db):
    system_roles_ensure()
    company = CompanyFactory(slug="alpha", name="Alpha Ltd")
    return UserFactory(company=company, email="creator@alpha.example", creator=True)


def fields_with_errors(schema: dict, data: dict) -> set[str]:
    """The fields the server's validator refuses in `data`, by name."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    names = set()
    for error in validator.iter_errors(data):
        if error.validator == "required":
            names.update(name for name in error.validator_value if name not in data)
        else:
            names.add(error.path[0])
    return names


def add_field(page, label: str, field_type: str) -> None:
    page.locator(f"{BUILDER} button.wd-builder-add").click()
    card = page.locator(f"{BUILDER} .wd-builder-field").last
    card.locator("input[data-key=label]").fill(label)
    card.locator("select[data-key=type]").select_option(field_type)


def setting_keys(card) -> list[str]:
    """The type-specific settings a field shows (beyond name, label, type, required, help)."""
    keys = card.locator(".wd-builder-options [data-key]").evaluate_all("nodes => nodes.map(n => n.dataset.key)")
    return sorted(set(keys))


def test_builder_shows_each_types_settings_and_the_preview_validates_as_the_schema(page, creator, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workflow = simple_workflow(creator.company, tasks=1, user=creator)
    task = workflow.tasks.get()
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_login(page, creator.email)
    page.goto(reverse("admin:workflow_design_taskdefinition_change", args=[task.pk]))

    add_field(page, "Amount", "integer")
    card = page.locator(f"{BUILDER} .wd-builder-field").last
    # The name follows the label until it is typed; each type shows only the settings it uses.
    expect(card.locator("input[data-key=name]")).to_have_value("amount")
    assert setting_keys(card) == ["default", "max", "min"]
    card.locator("select[data-key=type]").select_option("choice")
    assert setting_keys(card) == ["default"]  # and its choices, none yet
    assert card.locator(".wd-builder-add-choice").is_visible()
    card.locator("select[data-key=type]").select_option("boolean")
    assert setting_keys(card) == ["default"]
    card.locator("select[data-key=type]").select_option("integer")
    card.locator("input[data-key=required]").check()
    card.locator("input[data-key=min]").fill("1")
    card.locator("input[data-key=max]").fill("10")

    add_field(page, "Note", "text")
    note = page.locator(f"{BUILDER} .wd-builder-field").nth(1)
    assert setting_keys(note) == ["default", "max_length", "min"]
    assert "Max length" in note.inner_text() and "Maximum" not in note.inner_text()
    note.locator("input[data-key=max_length]").fill("5")

    add_field(page, "Level", "choice")
    level = page.locator(f"{BUILDER} .wd-builder-field").nth(2)
    for value in ("low", "high"):
        level.locator(".wd-builder-add-choice").click()
        level.locator("input[data-key=choice-value]").last.fill(value)

    add_field(page, "Contact", "email")
    add_field(page, "Due", "date")
    # Named like the task's own title field: the preview sits inside the task's form.
    add_field(page, "Title", "text")

    preview = page.locator(".wd-builder-preview .wd-form-preview")
    expect(preview.locator(".wd-preview-row")).to_have_count(6)
    fields = json.loads(page.locator("#id_output_schema").input_value())
    schema = field_list_to_json_schema(fields)
    assert [row.get_attribute("data-field") for row in preview.locator(".wd-preview-row").all()] == list(
        schema["properties"]
    )
    page.screenshot(path=str(ARTIFACTS / "form-builder-preview.png"), full_page=True, style=WHOLE_PAGE_DRAWN)

    cases = [
        ({}, {}),
        (
            {"amount": "11", "note": "toolong", "contact": "nobody"},
            {"amount": 11, "note": "toolong", "contact": "nobody"},
        ),
        ({"amount": "0", "note": "ok"}, {"amount": 0, "note": "ok"}),
        ({"amount": "2.5"}, {"amount": 2.5}),
        (
            {"amount": "10", "note": "fine", "contact": "a@b.example", "level": "high", "due": "2026-03-01"},
            {"amount": 10, "note": "fine", "contact": "a@b.example", "level": "high", "due": "2026-03-01"},
        ),
    ]
    for typed, data in cases:
        for name in schema["properties"]:
            control = preview.locator(f".wd-preview-row[data-field={name}] [data-name={name}]")
            value = typed.get(name, "")
            if name == "level":
                control.select_option(value)
            else:
                control.fill(value)
        preview.locator("button.wd-preview-check").click()
        refused = {
            row.get_attribute("data-field")
            for row in preview.locator(".wd-preview-row").all()
            if row.locator(".wd-preview-errors li").count()
        }
        assert refused == fields_with_errors(schema, data), typed
        if not refused:
            expect(preview.locator(".wd-preview-status")).to_have_text("Every value is valid.")
        if typed.get("amount") == "11":
            amount_errors = preview.locator(".wd-preview-row[data-field=amount] .wd-preview-errors")
            expect(amount_errors).to_have_text("Enter a value of at most 10.")
            page.screenshot(path=str(ARTIFACTS / "form-preview-refusals.png"), full_page=True, style=WHOLE_PAGE_DRAWN)

    # A form the server refuses shows its problems beside the fields, where they are fixed.
    note.locator("input[data-key=name]").fill("Bad Name")
    expect(page.locator(f"{BUILDER} ul.wd-builder-problems")).to_contain_text("the name must start with")
    note.locator("input[data-key=name]").fill("note")
    expect(page.locator(f"{BUILDER} ul.wd-builder-problems")).to_be_hidden()
    preview.locator("[data-name=title]").fill("Typed in the preview")
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    saved = TaskDefinition.objects.get(pk=task.pk)
    assert field_list_to_json_schema(saved.output_schema) == schema
    assert saved.title == task.title  # what is typed in the preview is never saved


def test_published_task_shows_the_form_as_the_worker_sees_it(page, creator, live_server):
    workflow = simple_workflow(creator.company, tasks=1, user=creator)
    fields = [
        {"name": "score", "label": "Score", "type": "number", "required": True, "max": 5},
        {"name": "comment", "label": "Comment", "type": "long_text"},
    ]
    task = TaskFactory(workflow=workflow, slug="rate", title="Rate", position=3, output_schema=fields)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status=DefinitionStatus.PUBLISHED)
    admin_login(page, creator.email)
    page.goto(reverse("admin:workflow_design_taskdefinition_change", args=[task.pk]))
    preview = page.locator(".field-output_schema_preview .wd-form-preview")
    expect(preview.locator(".wd-preview-row")).to_have_count(2)
    assert preview.locator("textarea[data-name=comment]").count() == 1
    preview.locator("input[data-name=score]").fill("6")
    preview.locator("button.wd-preview-check").click()
    expect(preview.locator(".wd-preview-row[data-field=score] .wd-preview-errors")).to_have_text(
        "Enter a value of at most 5."
    )
    page.screenshot(path=str(ARTIFACTS / "form-preview-published.png"), full_page=True, style=WHOLE_PAGE_DRAWN)


def contrast(page, selector: str) -> float:
    """WCAG contrast of an element's text colour against the page's background."""
    return page.locator(selector).first.evaluate(
        """node => {
          const rgb = text => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map(c => { c /= 255;
            return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); })
            .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
          let back = node, bg = "rgba(0, 0, 0, 0)";
          while (back && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) {
            bg = getComputedStyle(back).backgroundColor; back = back.parentElement;
          }
          const a = lum(rgb(getComputedStyle(node).color)), b = lum(rgb(bg));
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
    )


def test_dry_run_refuses_an_out_of_range_value_and_shows_readable_results(page, creator, live_server):
    workflow = simple_workflow(creator.company, tasks=1, user=creator)
    review = workflow.tasks.get()
    task_update(
        task=review, user=creator, output_schema=[{"name": "score", "label": "Score", "type": "integer", "max": 10}]
    )
    admin_login(page, creator.email)
    page.goto(reverse("admin:workflow_design_workflowdefinition_dry_run", args=[workflow.pk]))
    score = page.locator(f"[name=output__{review.pk}__score]")
    score.fill("11")
    live = page.locator(f"[name=output__{review.pk}__score] + ul.wd-preview-errors")
    expect(live).to_have_text("Enter a value of at most 10.")
    page.click("#dry-run-form input[type=submit]")
    expect(page.locator("#dry-run-form .errorlist").first).to_contain_text("Enter a value of at most 10.")
    assert page.locator("#dry-run-result").count() == 0
    page.screenshot(path=str(ARTIFACTS / "dry-run-refused.png"), full_page=True, style=WHOLE_PAGE_DRAWN)

    page.locator(f"[name=output__{review.pk}__score]").fill("10")
    page.click("#dry-run-form input[type=submit]")
    expect(page.locator("#dry-run-result")).to_be_visible()
    assert contrast(page, ".tf-check.tf-true") >= 4.5
    assert contrast(page, ".tf-outcome") >= 4.5
    page.screenshot(path=str(ARTIFACTS / "dry-run-result.png"), full_page=True, style=WHOLE_PAGE_DRAWN)


def generated_cases(count: int, seed: int = 17) -> list[dict]:
    """Forms of every field type with random limits, and values of the kinds their inputs give."""
    rng = random.Random(seed)
    words = ["", "a", "ok", "toolong", "nobody", "a@b.example", "2026-02-28", "2026-02-30", "2026-1-1", "low"]
    cases = []
    for _case in range(count):
        low = rng.choice([None, rng.randint(-3, 5)])
        high = rng.choice([None, (low or 0) + rng.randint(0, 6)])
        fields = [
            {"name": "whole", "type": "integer", "required": rng.random() < 0.5, "min": low, "max": high},
            {"name": "amount", "type": "number", "min": rng.choice([None, 0.5]), "max": rng.choice([None, 9.5])},
            {"name": "note", "type": "text", "min": rng.choice([None, 2]), "max_length": rng.choice([None, 4])},
            {"name": "contact", "type": "email"},
            {"name": "due", "type": "date", "required": rng.random() < 0.3},
            {"name": "level", "type": "choice", "choices": [{"value": "low"}, {"value": "high"}]},
            {"name": "tags", "type": "multiple_choice", "choices": [{"value": "x"}, {"value": "y"}]},
            {"name": "agreed", "type": "boolean", "required": rng.random() < 0.3},
        ]
        fields = [{key: value for key, value in field.items() if value is not None} for field in fields]
        candidates = {
            "whole": [rng.randint(-5, 15), 2.5, 7],
            "amount": [rng.uniform(-2, 12), 3],
            "note": words,
            "contact": words,
            "due": words,
            "level": ["low", "high", "medium"],
            "tags": [["x"], ["x", "y"], ["x", "x"], ["z"]],
            "agreed": [True, False],
        }
        data = {name: rng.choice(pool) for name, pool in candidates.items() if rng.random() < 0.7}
        cases.append({"schema": field_list_to_json_schema(fields), "data": data})
    return cases


def test_preview_validation_agrees_with_the_servers_validator_on_generated_values(page, creator, live_server):
    admin_login(page, creator.email)
    page.goto(reverse("admin:workflow_design_taskdefinition_changelist"))
    cases = generated_cases(300)
    verdicts = page.evaluate(
        "cases => cases.map(c => Object.keys(window.wdFormPreview.formErrors(c.schema, c.data, {})).sort())", cases
    )
    disagreements = [
        (case["data"], verdict, sorted(fields_with_errors(case["schema"], case["data"])))
        for case, verdict in zip(cases, verdicts, strict=True)
        if verdict != sorted(fields_with_errors(case["schema"], case["data"]))
    ]
    assert disagreements == []
    # Each value's messages are the server's words for it (the dry run's, `value_errors`).
    messages = json.loads(json.dumps(PREVIEW_MESSAGES, cls=DjangoJSONEncoder))
    said = page.evaluate(
        """([cases, messages]) => cases.map(c => Object.fromEntries(Object.entries(c.data).map(
             ([name, value]) => [
               name, window.wdFormPreview.valueErrors(c.schema.properties[name], value, messages)
             ])))""",
        [cases, messages],
    )
    for case, by_field in zip(cases, said, strict=True):
        for name, words in by_field.items():
            assert set(words) == set(value_errors(case["schema"]["properties"][name], case["data"][name])), (name, case)
    # The values try both sides of each field's limits: each field is refused in some cases and
    # has a value accepted in others.
    for name in cases[0]["schema"]["properties"]:
        refused = sum(1 for verdict in verdicts if name in verdict)
        pairs = zip(cases, verdicts, strict=True)
        accepted = sum(1 for case, verdict in pairs if name in case["data"] and name not in verdict)
        assert refused > 5 and accepted > 5, (name, refused, accepted)
