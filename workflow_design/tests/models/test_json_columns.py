"""The design models' JSON columns read back exactly what was stored, whichever parser reads them."""

from __future__ import annotations

import json

import pytest

from ticketflower.testing.factories import WorkflowFactory
from workflow_design.fast.json_columns import JSONField
from workflow_design.models import AuditEntry, TaskDefinition, TicketDefinition, WorkflowDefinition

pytestmark = pytest.mark.django_db

STORED = [
    [],
    {},
    [{"name": "amount", "type": "decimal", "min_value": -1.5e-7, "max_value": 1.5e10, "label": "Amount €"}],
    {"nested": [[[{"deep": [1, 2.5, True, False, None, 'text with "quotes" and \\ and \u2028']}]]]},
    # What orjson would read otherwise is read as Django reads it: integers past 64 bits.
    {"big": 123456789012345678901234567890, "negative": -(2**70), "edge": -(2**63) - 1},
]


@pytest.mark.parametrize("value", STORED, ids=["list", "dict", "field", "nested", "big-integers"])
def test_json_column_reads_back_what_was_stored(value, company_a):
    # given a workflow whose field list column holds the value, written without the model's rules
    workflow = WorkflowFactory(company=company_a)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(ext_ref=value)
    # when it is read back, row and value alike
    row = WorkflowDefinition.objects.get(pk=workflow.pk)
    [(listed,)] = WorkflowDefinition.objects.filter(pk=workflow.pk).values_list("ext_ref")
    # then it is the value stored, as the standard library's parser reads the same text
    assert row.ext_ref == value == listed
    assert row.ext_ref == json.loads(json.dumps(value))


def test_json_column_refused_by_orjson_is_read_by_django():
    field = WorkflowDefinition._meta.get_field("fields")
    # A lone surrogate escape: valid JSON to the standard library, refused by orjson.
    assert field.from_db_value('["\\ud800"]', None, None) == ["\ud800"]
    assert field.from_db_value(None, None, None) is None


def test_json_columns_of_every_design_model_use_the_reading_field():
    models = (WorkflowDefinition, TaskDefinition, TicketDefinition, AuditEntry)
    json_fields = {
        f"{model._meta.model_name}.{field.name}": field
        for model in models
        for field in model._meta.concrete_fields
        if field.get_internal_type() == "JSONField"
    }
    assert set(json_fields) == {
        "workflowdefinition.ext_ref",
        "workflowdefinition.display_layout",
        "workflowdefinition.fields",
        "ticketdefinition.ext_ref",
        "ticketdefinition.display_layout",
        "ticketdefinition.fields",
        "ticketdefinition.company_role_access",
        "ticketdefinition.edit_layout",
        "taskdefinition.input_schema",
        "taskdefinition.output_schema",
        "auditentry.changes",
    }
    assert all(isinstance(field, JSONField) for field in json_fields.values())
