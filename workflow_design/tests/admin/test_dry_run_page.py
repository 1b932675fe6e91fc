"""The dry run's value entry: values outside a field's limits refused at the field; links that
carry sample values (`?values=`) fill the form in."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from ticketflower.testing.factories import TicketFactory, simple_workflow
from workflow_design.services import task_update
from workflow_design.tests.admin.test_admin_lifecycle import messages_of, url

pytestmark = pytest.mark.django_db

SCORE = {"name": "score", "label": "Score", "type": "integer", "min": 1, "max": 10}
NOTE = {"name": "note", "label": "Note", "type": "text", "max_length": 5}


@pytest.fixture
def scored(company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=1, user=creator_a)
    review = workflow.tasks.get(slug="step-1")
    task_update(task=review, user=creator_a, output_schema=[SCORE, NOTE])
    TicketFactory(workflow=workflow, fields=[{"name": "email", "label": "Email", "type": "email"}])
    return workflow, review


def field_block(body: str, name: str) -> str:
    """The form row holding the input `name`."""
    return re.search(rf'<div class="form-row">((?:(?!<div class="form-row">).)*name="{name}"[^>]*>)', body, re.S)[1]


def test_dry_run_refuses_a_value_above_the_fields_maximum_at_the_field(scored, creator_a, client):
    workflow, review = scored
    client.force_login(creator_a)
    response = client.post(url("dry_run", workflow.pk), {f"output__{review.pk}__score": "11", "max_steps": "10"})
    assert response.context["result"] is None
    assert response.context["form"].errors == {f"output__{review.pk}__score": ["Enter a value of at most 10."]}
    assert "Enter a value of at most 10." in field_block(response.content.decode(), f"output__{review.pk}__score")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("score", "0", "Enter a value of at least 1."),
        ("note", "too long", "Enter at most 5 characters."),
    ],
)
def test_dry_run_refuses_values_outside_other_limits(scored, creator_a, client, key, value, message):
    workflow, review = scored
    client.force_login(creator_a)
    response = client.post(url("dry_run", workflow.pk), {f"output__{review.pk}__{key}": value, "max_steps": "10"})
    assert response.context["result"] is None
    assert response.context["form"].errors[f"output__{review.pk}__{key}"] == [message]


def test_dry_run_runs_with_values_inside_the_limits(scored, creator_a, client):
    workflow, review = scored
    client.force_login(creator_a)
    data = {f"output__{review.pk}__score": "10", f"output__{review.pk}__note": "ok", "max_steps": "10"}
    response = client.post(url("dry_run", workflow.pk), data)
    assert response.context["result"].outcome == "ended"


def test_dry_run_inputs_carry_their_limits_for_the_live_check(scored, creator_a, client):
    workflow, review = scored
    client.force_login(creator_a)
    body = client.get(url("dry_run", workflow.pk)).content.decode()
    score = field_block(body, f"output__{review.pk}__score")
    assert 'min="1"' in score and 'max="10"' in score
    schema = json.loads(re.search(r'data-wd-value-schema="([^"]*)"', score)[1].replace("&quot;", '"'))
    assert schema == {"type": "integer", "minimum": 1, "maximum": 10}
    assert "form_preview.js" in body


def test_dry_run_link_fills_the_form_in(scored, creator_a, client):
    workflow, review = scored
    client.force_login(creator_a)
    values = {f"output__{review.pk}__score": 7, "ticket__email": "a@b.example", "max_steps": 12}
    response = client.get(url("dry_run", workflow.pk) + "?values=" + quote(json.dumps(values)))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="7"' in field_block(body, f"output__{review.pk}__score")
    assert 'value="a@b.example"' in field_block(body, "ticket__email")
    assert 'value="12"' in field_block(body, "max_steps")
    assert messages_of(response) == []


def test_dry_run_link_with_unknown_keys_names_them_and_fills_the_rest(scored, creator_a, client):
    workflow, review = scored
    client.force_login(creator_a)
    values = {f"output__{review.pk}__score": 3, "output__999__nothing": 1}
    response = client.get(url("dry_run", workflow.pk) + "?values=" + quote(json.dumps(values)))
    assert response.status_code == 200
    assert 'value="3"' in field_block(response.content.decode(), f"output__{review.pk}__score")
    assert messages_of(response) == [
        "These sample values of the link name no field of this form and were ignored: output__999__nothing."
    ]


@pytest.mark.parametrize("text", ["{broken", "[1, 2]", '"text"', "x" * 70_000, "[" * 30_000 + "]" * 30_000])
def test_dry_run_link_with_bad_values_is_ignored_with_a_message(scored, creator_a, client, text):
    workflow, _review = scored
    client.force_login(creator_a)
    response = client.get(url("dry_run", workflow.pk), {"values": text})
    assert response.status_code == 200
    assert len(messages_of(response)) == 1 and "were ignored" in messages_of(response)[0]
