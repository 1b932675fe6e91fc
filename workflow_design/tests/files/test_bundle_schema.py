"""The published bundle schema: served, kept in docs/, and true of every example and export."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from ticketflower.testing.bundles import one_task_bundle_from_schema
from workflow_design.files import bundles
from workflow_design.files.bundle_schema import DOC_PATH, bundle_json_schema, bundle_json_schema_text
from workflow_design.models import WorkflowDefinition
from workflow_design.services.bundle_import import bundle_import

EXAMPLES = sorted((Path(settings.BASE_DIR) / "docs" / "examples").glob("*.json"))


def _validator() -> Draft202012Validator:
    return Draft202012Validator(bundle_json_schema())


def _problems(document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(document)]


def test_bundle_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(bundle_json_schema())


def test_bundle_schema_doc_is_the_generated_schema():
    assert DOC_PATH.read_text(encoding="utf-8") == bundle_json_schema_text(), (
        "docs/bundle.schema.json is out of date: run `python manage.py shell -c "
        '"from workflow_design.files.bundle_schema import write_bundle_schema_doc; write_bundle_schema_doc()"`'
    )


def test_bundle_schema_follows_the_reader_declarations():
    schema = bundle_json_schema()
    assert list(schema["properties"]) == list(bundles.TOP_KEYS)
    assert schema["properties"]["format"] == {"const": bundles.BUNDLE_FORMAT}
    assert list(schema["properties"]["tasks"]["items"]["properties"]) == list(bundles.TASK_KEYS)
    assert list(schema["properties"]["transitions"]["items"]["properties"]) == list(bundles.TRANSITION_KEYS)
    assert "slug" in schema["properties"]["workflow"]["required"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_bundle_schema_accepts_every_example_file(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == bundles.BUNDLE_FORMAT
    assert _problems(document) == []


def test_bundle_schema_has_examples_to_check():
    assert EXAMPLES, "docs/examples/ holds no bundle"


@pytest.mark.django_db
def test_bundle_schema_accepts_every_exported_demo_workflow():
    call_command("loaddata", "demo", verbosity=0)
    workflows = list(WorkflowDefinition.objects.all())
    assert len(workflows) >= 2
    for workflow in workflows:
        document = bundles.bundle_export(workflow=workflow)
        assert document["tasks"], workflow.slug
        assert _problems(json.loads(bundles.bundle_dumps(document))) == [], workflow.slug


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["tasks"][0].update(position="first"), "tasks/0/position"),
        (lambda d: d["tasks"][0].update(colour="red"), "tasks/0"),
        (lambda d: d["tasks"][0].pop("slug"), "tasks/0"),
        (lambda d: d["tasks"][0].update(slug="with space"), "tasks/0/slug"),
        (lambda d: d["tasks"][0]["output_schema"][0].update(type="colour"), "tasks/0/output_schema"),
        (lambda d: d["transitions"][0].update(from_task=7), "transitions/0/from_task"),
    ],
)
def test_bundle_schema_refuses_what_the_reader_refuses(change, where):
    document = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    broken = copy.deepcopy(document)
    change(broken)
    assert any(problem.startswith(f"{where}:") for problem in _problems(broken)), _problems(broken)


def test_bundle_schema_served_without_login_equals_the_generated_schema(db):
    response = APIClient().get("/api/schema/bundle/")
    assert response.status_code == 200
    assert response.json() == bundle_json_schema()
    assert response["Content-Type"].startswith("application/schema+json")


@pytest.mark.django_db
def test_bundle_written_against_the_schema_imports(creator_a):
    """A bundle written by hand from the schema alone (its required keys) imports."""
    schema = bundle_json_schema()
    document = one_task_bundle_from_schema(
        schema, slug="by-hand", title="By hand", task_slug="only", task_title="Only step"
    )
    assert _problems(document) == []
    result = bundle_import(user=creator_a, document=document, dry_run=False)
    assert result.ok, result.errors
    assert WorkflowDefinition.objects.get(slug="by-hand").tasks.count() == 1


@pytest.mark.django_db
def test_bundle_form_as_json_schema_object_imports_as_its_field_list(creator_a):
    document = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    document["workflow"]["slug"] = "schema-forms"
    listed = document["tasks"][0]["output_schema"]
    document["tasks"][0]["output_schema"] = {
        "type": "object",
        "properties": {"approved": {"type": "boolean", "title": "Approved"}, "comment": {"type": "string"}},
        "required": ["approved"],
    }
    assert _problems(document) == []
    result = bundle_import(user=creator_a, document=document, dry_run=False, create_missing_roles=True)
    assert result.ok, result.errors
    task = WorkflowDefinition.objects.get(slug="schema-forms").tasks.get(slug=document["tasks"][0]["slug"])
    assert [f["name"] for f in task.output_schema] == [f["name"] for f in listed]
    assert task.output_schema[0]["required"] is True and task.output_schema[0]["type"] == "boolean"


@pytest.mark.django_db
def test_bundle_form_schema_keyword_not_expressible_is_refused_where_it_stands(creator_a):
    document = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    document["tasks"][0]["output_schema"] = {"type": "object", "properties": {"n": {"type": "string", "pattern": "x"}}}
    result = bundle_import(user=creator_a, document=document, dry_run=True)
    assert not result.ok
    [error] = result.errors
    assert error["code"] == "invalid-field-schema"
    assert error["pointer"].startswith("/tasks/0/output_schema/properties/n")
