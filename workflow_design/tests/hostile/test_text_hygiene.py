"""Text hygiene: control characters (other than tab and line breaks) refused by one rule on every
path, and text stored before the rule still exported."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ticketflower import text_hygiene
from ticketflower.testing.factories import TaskFactory, TicketFactory, WorkflowFactory
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.services import task_create, ticket_create, transition_create, workflow_update


@pytest.mark.parametrize("text", ["plain", "tab\there", "lines\nand\r\nmore", "Ünïcödé – € 中文 😀", ""])
def test_text_with_tabs_and_line_breaks_is_allowed(text):
    assert text_hygiene.text_problem(text) is None


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [("a\x00", "U+0000", 2), ("\x07bell", "U+0007", 1), ("ab\x1b[31m", "U+001B", 3), ("\x7f", "U+007F", 1)],
)
def test_control_characters_are_refused_naming_the_character_and_its_place(text, code, position):
    problem = text_hygiene.text_problem(text)
    assert f"{code} at character {position}" in problem
    assert "Only tabs and line breaks" in problem


def test_c1_controls_and_lone_surrogates_are_refused():
    assert "U+0085" in text_hygiene.text_problem("next\x85line")
    assert "U+D800" in text_hygiene.text_problem("half \ud800")


def test_json_values_are_checked_keys_included_naming_where():
    fields = [{"name": "a", "label": "A"}, {"name": "b", "choices": [{"value": "x"}, {"value": "y", "label": "Y\x07"}]}]
    assert text_hygiene.json_text_problem(fields).startswith("[1].choices[1].label: Control characters")
    assert text_hygiene.json_text_problem({"ti\x00tle": "x"}).startswith("ti\ufffdtle: ")
    assert text_hygiene.json_text_problem({"tasks": [{"title": "ok"}, {"title": "bad\x00"}]}).startswith(
        "tasks[1].title: "
    )
    assert text_hygiene.json_text_problem([{"deep": [[["fine"]]]}, 1, None, True]) is None


@pytest.mark.django_db
def test_every_definition_refuses_control_characters_at_the_field(creator_a, company_a):
    workflow = WorkflowFactory(company=company_a)
    task = TaskFactory(workflow=workflow, slug="first")
    with pytest.raises(ValidationError) as refused:
        task_create(user=creator_a, workflow=workflow, slug="bell", title="Bell \x07")
    assert "U+0007" in " ".join(refused.value.message_dict["title"])
    with pytest.raises(ValidationError) as refused:
        workflow_update(workflow=workflow, user=creator_a, description="\x1b[31m red")
    assert "U+001B" in " ".join(refused.value.message_dict["description"])
    with pytest.raises(ValidationError) as refused:
        transition_create(user=creator_a, workflow=workflow, from_task=task, to_task=None, condition="true\x00")
    assert "U+0000" in " ".join(refused.value.message_dict["condition"])
    with pytest.raises(ValidationError) as refused:
        ticket_create(
            user=creator_a,
            company=company_a,
            workflow=workflow,
            slug="t",
            title="T",
            fields=[{"name": "x", "label": "X\x08", "type": "text"}],
        )
    assert "[0].label: " in " ".join(refused.value.message_dict["fields"])
    assert not TaskDefinition.objects.filter(slug="bell").exists()
    assert WorkflowDefinition.objects.get().description == workflow.description


@pytest.mark.django_db
def test_admin_form_refuses_control_characters_at_the_field(client_a, company_a):
    response = client_a.post(
        reverse("admin:workflow_design_workflowdefinition_add"), {"title": "Bell \x07", "slug": "bell"}
    )
    assert response.status_code == 200
    assert "U+0007 at character 6" in response.content.decode()
    assert not WorkflowDefinition.objects.exists()


@pytest.mark.django_db
def test_xlsx_export_of_text_stored_before_the_rule_shows_a_replacement(client_a, company_a):
    workflow = WorkflowFactory(company=company_a, slug="old")
    TaskFactory(workflow=workflow, slug="old-task")
    TaskDefinition.objects.filter(slug="old-task").update(title="Bell \x07 and \x1b")  # as stored long ago
    TicketFactory(workflow=workflow, company=company_a)
    fields = {f"taskresource_{name}": "on" for name in ("workflow", "slug", "title")}
    response = client_a.post(reverse("admin:workflow_design_taskdefinition_export"), {"format": "1", **fields})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("old", "old-task", "Bell \ufffd and \ufffd")
