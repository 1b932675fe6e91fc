"""POST /api/workflow/workflows/validate-bundle/: every finding at once, pointing into the bundle."""

from __future__ import annotations

import copy
import json

import jsonpatch
import jsonpointer
import pytest

from ticketflower.testing.factories import WorkflowFactory
from users.models import CompanyRole
from workflow_design.models import AuditEntry, WorkflowDefinition

VALIDATE = "/api/workflow/workflows/validate-bundle/"


def _bundle(**parts) -> dict:
    document = {
        "format": "ticketflower.workflow-bundle",
        "format_version": 1,
        "workflow": {"slug": "leave", "title": "Leave request"},
        "tasks": [
            {
                "slug": "approve",
                "title": "Approve",
                "assignee_role": "manager",
                "output_schema": [{"name": "ok", "label": "OK", "type": "boolean"}],
            },
            {"slug": "book", "title": "Book"},
        ],
        "transitions": [
            {"slug": "in", "from_task": None, "to_task": "approve", "priority": 1},
            {"slug": "yes", "from_task": "approve", "to_task": "book", "condition": "output.ok", "priority": 1},
            {"slug": "no", "from_task": "approve", "to_task": None, "priority": 2},
            {"slug": "done", "from_task": "book", "to_task": None, "priority": 1},
        ],
        "roles": [{"slug": "manager", "name": "Manager"}],
    }
    document.update(parts)
    return document


@pytest.fixture
def manager_role(creator_a):
    return CompanyRole.objects.create(company=creator_a.company, name="Manager", slug="manager")


def _validate(api, document) -> dict:
    response = api.post(VALIDATE, document, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _keys(findings) -> set[tuple[str, str]]:
    return {(finding["code"], finding["pointer"]) for finding in findings}


def test_validate_bundle_clean_bundle_is_ok_and_saves_nothing(api, manager_role):
    body = _validate(api, _bundle())
    assert body["ok"] is True and body["saved"] is False, body["findings"]
    assert body["errors"] == 0
    assert sorted(body["would_create"]["tasks"]) == ["approve", "book"]
    assert not WorkflowDefinition.objects.filter(slug="leave").exists()
    assert not AuditEntry.objects.exists()


def test_validate_bundle_reports_every_group_at_once(api, creator_a, manager_role):
    WorkflowFactory(company=creator_a.company, slug="leave")
    document = _bundle()
    document["tasks"][0]["assignee_role"] = "manger"  # misspelt
    document["tasks"][1]["position"] = "last"  # wrong type
    document["transitions"][2]["priority"] = 0  # the default before the conditional branch
    body = _validate(api, document)
    keys = _keys(body["findings"])
    assert ("slug-clash", "/workflow/slug") in keys
    assert ("missing-role", "/tasks/0/assignee_role") in keys
    assert ("expected-integer", "/tasks/1/position") in keys
    assert ("default-not-last", "/transitions/2/priority") in keys
    assert body["ok"] is False and body["errors"] >= 4
    assert {finding["source"] for finding in body["findings"]} == {"import", "lint"}
    assert all(finding["hint"] and finding["code"] for finding in body["findings"])
    assert WorkflowDefinition.objects.filter(slug="leave").count() == 1


def test_validate_bundle_pointers_resolve_to_the_node_at_fault(api, creator_a, manager_role):
    WorkflowFactory(company=creator_a.company, slug="leave")
    document = _bundle()
    document["transitions"][2]["priority"] = 0
    document["transitions"][3]["condition"] = "output.missing == 1"
    document["tasks"][0]["colour"] = "red"
    body = _validate(api, document)
    by_code = {finding["code"]: finding["pointer"] for finding in body["findings"]}
    assert jsonpointer.resolve_pointer(document, by_code["slug-clash"]) == "leave"
    assert jsonpointer.resolve_pointer(document, by_code["default-not-last"]) == 0
    assert jsonpointer.resolve_pointer(document, by_code["unknown-key"]) == "red"
    assert jsonpointer.resolve_pointer(document, by_code["invalid-value"]) == "output.missing == 1"
    assert by_code["dead-end-task"] == "/tasks/1"  # its only way out was refused
    for finding in body["findings"]:
        assert finding["pointer"] == "" or jsonpointer.resolve_pointer(document, finding["pointer"], None) is not None


def _mechanical_cases(creator_a) -> list[dict]:
    clash = _bundle()
    WorkflowFactory(company=creator_a.company, slug="leave")
    misspelt_role = _bundle()
    misspelt_role["tasks"][0]["assignee_role"] = "manger"
    default_first = _bundle()
    default_first["transitions"][2]["priority"] = 0
    same_priority = _bundle()
    same_priority["transitions"][2]["priority"] = 1
    twice = _bundle()
    twice["tasks"].append({"slug": "book", "title": "Book again"})
    unlisted_role = _bundle(roles=[])
    misspelt_task = _bundle()
    misspelt_task["transitions"][3]["from_task"] = "bok"
    return [clash, misspelt_role, default_first, same_priority, twice, unlisted_role, misspelt_task]


def test_validate_bundle_every_suggested_patch_makes_its_finding_disappear(api, creator_a, manager_role):
    patched_codes = set()
    for document in _mechanical_cases(creator_a):
        findings = _validate(api, document)["findings"]
        with_patch = [finding for finding in findings if finding.get("patch")]
        assert with_patch, findings
        for finding in with_patch:
            fixed = jsonpatch.apply_patch(copy.deepcopy(document), finding["patch"])
            after = _keys(_validate(api, fixed)["findings"])
            assert (finding["code"], finding["pointer"]) not in after, (finding, after)
            patched_codes.add(finding["code"])
    assert {
        "slug-clash",
        "missing-role",
        "default-not-last",
        "duplicate-priority",
        "role-not-in-bundle",
        "unknown-task",
    } <= patched_codes


def test_validate_bundle_not_a_bundle_points_at_the_format(api):
    body = _validate(api, {"format": "something-else"})
    assert body["ok"] is False
    assert [(f["code"], f["pointer"]) for f in body["findings"]] == [("wrong-format", "/format")]


def test_validate_bundle_needs_the_import_right(plain_api):
    response = plain_api.post(VALIDATE, _bundle(), format="json")
    assert response.status_code == 403


def test_validate_bundle_other_company_slug_is_no_clash(api, company_b, manager_role):
    WorkflowFactory(company=company_b, slug="leave")
    body = _validate(api, _bundle())
    assert "slug-clash" not in {finding["code"] for finding in body["findings"]}


def test_lint_of_a_stored_workflow_points_into_its_bundle(api, manager_role):
    document = _bundle()
    document["transitions"][2]["priority"] = 0
    assert api.post("/api/workflow/workflows/import-bundle/", document, format="json").status_code == 201
    workflow = WorkflowDefinition.objects.get(slug="leave")
    findings = api.get(f"/api/workflow/workflows/{workflow.pk}/lint/").json()["findings"]
    exported = api.get(f"/api/workflow/workflows/{workflow.pk}/bundle/").json()
    [finding] = [f for f in findings if f["code"] == "default-not-last"]
    assert jsonpointer.resolve_pointer(exported, finding["pointer"]) == 0
    assert jsonpointer.resolve_pointer(exported, finding["pointer"].rsplit("/", 1)[0])["slug"] == "no"
    fixed = jsonpatch.apply_patch(exported, finding["patch"])
    fixed["workflow"]["slug"] = "leave-fixed"
    assert "default-not-last" not in {f["code"] for f in _validate(api, fixed)["findings"]}


def test_validate_bundle_routing_findings_point_at_the_condition(api, manager_role):
    document = _bundle()
    document["transitions"][1]["condition"] = "output.ok && !output.ok"
    findings = _validate(api, document)["findings"]
    [never] = [f for f in findings if f["code"] == "never-true"]
    assert never["source"] == "lint" and never["pointer"] == "/transitions/1/condition"
    assert jsonpointer.resolve_pointer(document, never["pointer"]) == "output.ok && !output.ok"
    assert never["hint"]


def test_validate_bundle_every_example_file_is_clean(api):
    from django.conf import settings

    examples = sorted((settings.BASE_DIR / "docs" / "examples").glob("*.workflow-bundle.json"))
    assert examples
    for path in examples:
        document = json.loads(path.read_text(encoding="utf-8"))
        response = api.post(f"{VALIDATE}?create_missing_roles=1", document, format="json")
        body = response.json()
        assert body["errors"] == 0, (path.name, body["findings"])
        assert body["would_create"]["tasks"] == [task["slug"] for task in document["tasks"]]
        assert not WorkflowDefinition.objects.exists()


def test_lint_with_pointers_costs_the_same_queries_for_any_size(api, creator_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ticketflower.testing.factories import simple_workflow

    counts = []
    for tasks in (2, 20):
        workflow = simple_workflow(creator_a.company, tasks=tasks)
        api.get(f"/api/workflow/workflows/{workflow.pk}/lint/")  # caches warmed
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/workflow/workflows/{workflow.pk}/lint/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
