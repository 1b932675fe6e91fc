"""`/api/` lists the endpoints, and the API's documentation pages load nothing from the internet."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient


def test_api_index_lists_every_endpoint_without_login(db):
    response = APIClient().get("/api/")
    assert response.status_code == 200
    endpoints = response.json()
    expected = {
        "login": "/api/login/",
        "workflows": "/api/workflow/workflows/",
        "tasks": "/api/workflow/tasks/",
        "transitions": "/api/workflow/transitions/",
        "tickets": "/api/workflow/tickets/",
        "schema": "/api/schema/",
        "docs": "/api/docs/",
        "redoc": "/api/redoc/",
    }
    assert {key: urlsplit(endpoints[key]).path for key in expected} == expected
    assert all(url.startswith("http://testserver/") for url in endpoints.values())


def test_api_index_addresses_answer(api):
    answers = {key: api.get(urlsplit(url).path).status_code for key, url in api.get("/api/").json().items()}
    # Each is routed: readable, or for posting only (405), or for another role (403); none is a 404.
    assert all(code in (200, 403, 405) for code in answers.values()), answers
    assert answers["workflows"] == answers["schema"] == 200


def test_api_index_is_browsable(api):
    page = api.get("/api/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "/api/workflow/workflows/" in page.content.decode()


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/"])
def test_api_docs_pages_load_nothing_from_another_host(db, path):
    page = APIClient().get(path).content.decode()
    addresses = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', page) + re.findall(r"url\(([^)]+)\)", page)
    assert addresses, "the page loads its script"
    assert all(not urlsplit(address.strip("'\"")).netloc for address in addresses), addresses
    assert "googleapis" not in page and "gstatic" not in page


def test_api_index_refuses_an_invalid_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/").status_code == 401
