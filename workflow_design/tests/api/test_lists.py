"""List pages: constant queries, and the browsable list page's form."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, WorkflowFactory
from workflow_design.tests.api.samples import TK, TR, T, W

# Constant queries ------------------------------------------------------------------------------------


def _grow(kind, workflow, n):
    for _ in range(n):
        if kind == "workflows":
            WorkflowFactory(company=workflow.company)
        elif kind == "tickets":
            TicketFactory(workflow=workflow)
        elif kind.endswith("tasks"):
            TaskFactory(workflow=workflow)
        else:
            TransitionFactory(workflow=workflow, from_task=TaskFactory(workflow=workflow))


LIST_URLS = {
    "workflows": lambda w: W,
    "tasks": lambda w: T,
    "transitions": lambda w: TR,
    "tickets": lambda w: TK,
    "nested-tasks": lambda w: f"{W}{w.pk}/tasks/",
    "nested-transitions": lambda w: f"{W}{w.pk}/transitions/",
}


@pytest.mark.parametrize("kind", list(LIST_URLS))
def test_list_queries_are_constant(api, workflow, company_b, kind, django_assert_max_num_queries):
    _grow(kind, WorkflowFactory(company=company_b), 3)  # another company's rows change nothing
    url = LIST_URLS[kind](workflow)
    _grow(kind, workflow, 5)
    with CaptureQueriesContext(connection) as small:
        response = api.get(url)
    assert response.json()["count"] >= 5
    _grow(kind, workflow, 95)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(url)
    assert response.json()["count"] >= 100
    assert len(response.json()["results"]) == 100


def test_browsable_list_page_offers_superusers_the_company_of_a_new_definition(superuser, creator_a, company_b):
    client = APIClient()
    client.force_authenticate(superuser)
    page = client.get(W, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert f'<option value="{company_b.pk}"' in page.content.decode()
    client.force_authenticate(creator_a)
    page = client.get(W, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert f'<option value="{company_b.pk}"' not in page.content.decode()
