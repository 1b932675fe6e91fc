"""The export page's address parameters: filters a list does not have, values of the wrong kind and
another company's ids answer the form with a message, never a server error or their rows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ticketflower.testing.factories import TaskFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

MODELS = ("workflowdefinition", "taskdefinition", "workflowtransition", "ticketdefinition")


def export_url(model: str) -> str:
    return reverse(f"admin:workflow_design_{model}_export")


@pytest.fixture
def admin(creator_a):
    client = Client(raise_request_exception=False)
    client.force_login(creator_a)
    return client


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("query", ["format=0", "format=9", "workflow__id__exact=abc", "nonsense=1"])
def test_export_page_with_unknown_parameters_answers_the_form_with_a_message(admin, model, query):
    response = admin.get(f"{export_url(model)}?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    name = query.split("=")[0]
    assert f"This list cannot be filtered by {name}" in page
    assert f'action="{export_url(model)}"' in page  # the form exports without the refused filter


def test_workflow_export_filtered_by_workflow_is_refused(admin, company_b):
    theirs = WorkflowFactory(company=company_b)
    for query in ("workflow=2", f"workflow={theirs.pk}"):
        response = admin.get(f"{export_url('workflowdefinition')}?{query}")
        assert response.status_code == 400
        assert "cannot be filtered by workflow" in response.content.decode()


def test_task_export_filtered_by_another_companys_workflow_holds_none_of_its_rows(admin, company_a, company_b):
    WorkflowFactory(company=company_a, slug="mine")
    theirs = WorkflowFactory(company=company_b, slug="theirs")
    TaskFactory(workflow=theirs, slug="their-task")
    url = f"{export_url('taskdefinition')}?workflow__id__exact={theirs.pk}"
    assert admin.get(url).status_code == 200
    fields = {f"taskresource_{name}": "on" for name in ("workflow", "slug", "title")}
    response = admin.post(url, {"format": "0", **fields})
    assert response.status_code == 200
    exported = response.content.decode()
    assert exported.startswith("workflow,slug,title") and "their-task" not in exported
