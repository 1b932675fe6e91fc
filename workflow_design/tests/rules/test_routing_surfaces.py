"""Routing findings where creators and clients see them: the workflow page, the API lint, publishing."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ticketflower.testing import factories
from workflow_design.services import LintRefused, workflow_publish
from workflow_design.tests.rules.test_routing_checks import DECISION


def stranding_workflow(company):
    workflow = factories.WorkflowFactory(company=company, slug="strands")
    task = factories.TaskFactory(workflow=workflow, slug="decide", title="Decide", output_schema=[DECISION])
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=task, priority=1)
    for priority, value in ((10, "approve"), (20, "reject")):
        condition = f'output.decision == "{value}"'
        factories.TransitionFactory(
            workflow=workflow, from_task=task, to_task=None, priority=priority, condition=condition
        )
    return workflow, task


def test_routing_counterexample_on_the_workflow_page_opens_the_dry_run(client_a, company_a):
    workflow, task = stranding_workflow(company_a)
    html = client_a.get(reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])).content.decode()
    assert 'data-code="uncovered-values"' in html and "output.decision = <code>ask</code>" in html
    start = html.index('class="tf-open-dry-run" href="') + len('class="tf-open-dry-run" href="')
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    values = json.loads(parse_qs(urlsplit(link).query)["values"][0])
    assert values == {f"output__{task.pk}__decision": "ask"}
    page = client_a.get(link)
    assert page.status_code == 200
    assert 'value="ask" selected' in page.content.decode() or '<option value="ask" selected>' in page.content.decode()


def test_routing_finding_with_counterexample_in_api_lint(creator_a, company_a):
    workflow, task = stranding_workflow(company_a)
    api = APIClient()
    api.force_authenticate(creator_a)
    report = api.get(f"/api/workflow/workflows/{workflow.pk}/lint/").json()
    finding = next(f for f in report["findings"] if f["code"] == "uncovered-values")
    assert finding["object_id"] == task.pk and finding["level"] == "error"
    assert finding["counterexample"]["output"] == {"decision": "ask"}
    assert finding["counterexample"]["task"] == "decide"


def test_routing_error_refuses_publishing(creator_a, company_a):
    workflow, _task = stranding_workflow(company_a)
    with pytest.raises(LintRefused) as refused:
        workflow_publish(workflow=workflow, user=creator_a)
    assert "uncovered-values" in {f.code for f in refused.value.findings}
    workflow.refresh_from_db()
    assert workflow.status == "draft"


def test_routing_finding_with_counterexample_in_bundle_validation(company_a, creator_b):
    from workflow_design.files.bundles import bundle_export
    from workflow_design.services.bundle_validation import bundle_validate

    workflow, _task = stranding_workflow(company_a)
    document = bundle_export(workflow=workflow)
    report = bundle_validate(user=creator_b, document=document).as_dict()
    finding = next(f for f in report["findings"] if f["code"] == "uncovered-values")
    assert finding["source"] == "lint" and finding["level"] == "error"
    assert finding["counterexample"]["output"] == {"decision": "ask"}
    assert finding["counterexample"]["task"] == "decide"
