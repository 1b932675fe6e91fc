"""The form preview's server side: the builder's schema endpoint and the read-only pages."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from ticketflower.testing.factories import TaskFactory, TicketFactory, simple_workflow
from workflow_design.admin.widgets import value_errors
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.rules.field_schemas import field_list_errors, field_list_to_json_schema, field_to_json_schema

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:workflow_design_workflowdefinition_form_preview")
FORM = [
    {"name": "amount", "label": "Amount", "type": "integer", "required": True, "min": 1, "max": 10},
    {"name": "reason", "label": "Reason", "type": "long_text", "max_length": 20, "help_text": "Why?"},
    {"name": "level", "label": "Level", "type": "choice", "choices": [{"value": "low"}, {"value": "high"}]},
]


def ask(client, body, **extra):
    return client.post(PREVIEW, data=json.dumps(body), content_type="application/json", **extra)


def written_previews(body: str) -> list[dict]:
    return [
        json.loads(html.unescape(raw)) for raw in re.findall(r'class="wd-form-preview" data-wd-schema="([^"]*)"', body)
    ]


def test_preview_endpoint_answers_the_generated_schema(client_a):
    answer = ask(client_a, {"fields": FORM}).json()
    assert answer["errors"] == []
    assert answer["schema"] == json.loads(json.dumps(field_list_to_json_schema(FORM)))
    assert answer["widgets"] == {"amount": "integer", "reason": "long_text", "level": "choice"}
    assert answer["messages"]["maximum"] == "Enter a value of at most %(limit)s."


def test_preview_endpoint_answers_the_lists_problems_without_a_schema(client_a):
    broken = [{"name": "Bad Name", "label": "x", "type": "integer", "max_length": 3}]
    answer = ask(client_a, {"fields": broken}).json()
    assert answer["schema"] is None
    assert answer["errors"] == field_list_errors(broken) and len(answer["errors"]) == 2


def test_preview_endpoint_refuses_what_is_not_json_or_too_big(client_a, settings):
    refused = client_a.post(PREVIEW, data="{not json", content_type="application/json")
    assert refused.status_code == 400 and refused.json()["schema"] is None
    assert "not valid JSON" in refused.json()["errors"][0]
    settings.TICKETFLOWER_FORM_PREVIEW_MAX_BYTES = 100
    big = ask(client_a, {"fields": FORM})
    assert big.status_code == 413 and "larger than 100 bytes" in big.json()["errors"][0]


@pytest.mark.parametrize("levels", [60, 30_000])
def test_preview_endpoint_refuses_deep_json(client_a, levels):
    text = '{"fields": ' + "[" * levels + "]" * levels + "}"
    answer = client_a.post(PREVIEW, data=text, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["schema"] is None
    assert "nest" in answer.json()["errors"][0]


def test_preview_endpoint_needs_a_signed_in_creator_and_post(client, client_a, company_a):
    assert client_a.get(PREVIEW).status_code == 405
    client.logout()
    assert ask(client, {"fields": FORM}).status_code == 302  # to the login page


def test_published_task_page_shows_the_form_preview_instead_of_raw_json(company_a, creator_a, client):
    workflow = simple_workflow(company_a, user=creator_a)
    task = TaskFactory(workflow=workflow, slug="check", title="Check", position=5, output_schema=FORM)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status=DefinitionStatus.PUBLISHED)
    client.force_login(creator_a)
    body = client.get(reverse("admin:workflow_design_taskdefinition_change", args=[task.pk])).content.decode()
    previews = written_previews(body)
    assert field_list_to_json_schema(FORM, title="Check output") in previews
    assert "form_preview.js" in body
    # The field list itself is not written out as JSON text.
    assert "&quot;max_length&quot;: 20" not in body and '"max_length": 20,' not in body.split("<pre>")[0]


def test_draft_ticket_page_keeps_the_editor_and_the_schema_for_integrators(company_a, creator_a, client):
    workflow = simple_workflow(company_a, user=creator_a)
    ticket = TicketFactory(workflow=workflow, fields=FORM)
    client.force_login(creator_a)
    body = client.get(reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk])).content.decode()
    assert 'id="wd-editor-schemas"' in body and "field_builder" in body
    assert written_previews(body) == []
    assert "Show the generated JSON Schema" in body


def test_value_errors_speak_the_previews_words_for_each_limit():
    amount = field_to_json_schema(FORM[0])
    assert value_errors(amount, 11) == ["Enter a value of at most 10."]
    assert value_errors(amount, 0) == ["Enter a value of at least 1."]
    assert value_errors(amount, 2.5) == ["Enter a whole number."]
    assert value_errors(field_to_json_schema(FORM[1]), "x" * 21) == ["Enter at most 20 characters."]
    assert value_errors(field_to_json_schema(FORM[2]), "medium") == ["Pick one of the listed choices."]
    email = field_to_json_schema({"name": "e", "type": "email"})
    assert value_errors(email, "nobody") == ["Enter an email address."]
    date = field_to_json_schema({"name": "d", "type": "date"})
    assert value_errors(date, "2026-02-30") == ["Enter a date (YYYY-MM-DD)."]
    assert value_errors(date, "2026-02-28") == []
