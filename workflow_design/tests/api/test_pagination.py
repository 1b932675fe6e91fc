"""API list pages: totals, links and refusals, counted over what the user may see."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketflower.testing.factories import TaskFactory, WorkflowFactory
from workflow_design.api.base import DefinitionPagination
from workflow_design.fast.api_rows import RowListSerializer

W = "/api/workflow/workflows/"

PAGES = ["", "1", "2", "3", "4", "0", "-1", "x", "1.0", " 2", "last", str(2**80), "1000001"]


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr(DefinitionPagination, "page_size", 3)


def _answers(api, url):
    found = {}
    for page in PAGES:
        response = api.get(url, {"page": page} if page else {})
        found[page] = (response.status_code, response.json())
    return found


def test_pages_count_and_link_only_visible_rows(api, creator_a, company_b):
    for n in range(7):
        WorkflowFactory(company=creator_a.company, slug=f"ours-{n}")
    WorkflowFactory(company=company_b, slug="theirs")
    ours = _answers(api, W)

    assert ours[""][1]["count"] == 7
    assert [len(ours[p][1].get("results", [])) for p in ("1", "2", "3", "last")] == [3, 3, 1, 1]
    assert ours["1"][1]["previous"] is None and ours["1"][1]["next"].endswith("?page=2")
    assert ours["3"][1]["next"] is None and ours["3"][1]["previous"].endswith("?page=2")
    for page in ("4", "0", "-1", "x", "1.0", str(2**80), "1000001"):
        assert ours[page] == (404, {"detail": "Invalid page."}), page
    slugs = [w["slug"] for p in ("1", "2", "3") for w in ours[p][1]["results"]]
    assert sorted(slugs) == [f"ours-{n}" for n in range(7)]


def test_pages_of_equal_titles_neither_repeat_nor_skip_a_row(api, creator_a):
    # Given seven workflows that sort equal on title and version
    for n in range(7):
        WorkflowFactory(company=creator_a.company, slug=f"same-{n}", title="Same title")
    # When every page is read, then each workflow appears exactly once
    ids = [w["id"] for p in ("1", "2", "3") for w in api.get(W, {"page": p}).json()["results"]]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 7


def test_empty_list_has_one_empty_page(api, company_b):
    WorkflowFactory(company=company_b)  # invisible: the list is empty
    ours = _answers(api, W)
    assert ours[""] == (200, {"count": 0, "next": None, "previous": None, "results": []})
    assert ours["1"] == ours[""]
    assert ours["2"] == (404, {"detail": "Invalid page."})


def test_filtered_and_nested_pages_count_only_their_rows(api, workflow, creator_a):
    other = WorkflowFactory(company=creator_a.company)
    for n in range(5):
        TaskFactory(workflow=workflow, slug=f"a-{n}")
    TaskFactory(workflow=other)
    nested = api.get(f"{W}{workflow.pk}/tasks/", {"page": 2}).json()
    assert nested["count"] == 5 and len(nested["results"]) == 2
    filtered = api.get("/api/workflow/tasks/", {"workflow": workflow.pk}).json()
    assert filtered["count"] == 5 and len(filtered["results"]) == 3


def _design_queries(queries) -> list[str]:
    return [
        "count" if "COUNT(*)" in q["sql"] else "page"
        for q in queries.captured_queries
        if "workflow_design_workflowdefinition" in q["sql"]
    ]


def test_count_is_counted_after_the_page_is_read_on_postgresql(api, creator_a):
    # given more workflows than a page holds
    for n in range(5):
        WorkflowFactory(company=creator_a.company, slug=f"w-{n}")
    # when the list is read
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(W).json()
    # then PostgreSQL reads the page first and counts while it is written; SQLite counts first
    assert answer["count"] == 5 and len(answer["results"]) == 3
    expected = ["page", "count"] if connection.vendor == "postgresql" else ["count", "page"]
    assert _design_queries(queries) == expected


def test_a_page_past_the_end_or_an_empty_list_sends_no_count(api, creator_a):
    WorkflowFactory(company=creator_a.company)
    with CaptureQueriesContext(connection) as queries:
        past = api.get(W, {"page": 2})
    assert past.status_code == 404
    assert ("count" in _design_queries(queries)) is (connection.vendor != "postgresql")


def _in_pipeline() -> bool:
    raw = connection.connection
    return connection.vendor == "postgresql" and raw.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF


def test_connection_leaves_the_count_pipeline_whatever_happens(api, creator_a, monkeypatch):
    for n in range(5):
        WorkflowFactory(company=creator_a.company, slug=f"w-{n}")
    assert api.get(W).json()["count"] == 5 and not _in_pipeline()

    # when writing the page fails after the count was sent
    def broken(self, data):
        raise RuntimeError("writing the page failed")

    written = RowListSerializer.to_representation
    monkeypatch.setattr(RowListSerializer, "to_representation", broken)
    with pytest.raises(RuntimeError, match="writing the page failed"):
        api.get(W)
    # then the connection is out of pipeline mode and answers the next request
    assert not _in_pipeline()
    monkeypatch.setattr(RowListSerializer, "to_representation", written)
    assert api.get(W, {"page": 2}).json()["count"] == 5
