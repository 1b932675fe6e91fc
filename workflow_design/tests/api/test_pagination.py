"""API list pages: totals, links and refusals, counted over what the user may see."""

from __future__ import annotations

import pytest

from ticketflower.testing.factories import TaskFactory, WorkflowFactory
from workflow_design.api.base import DefinitionPagination

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
