"""The API's documentation pages in a real Chromium: they render, and every request they make
goes to this server (no fonts, scripts or styles from the internet)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("path", "rendered"), [("/api/redoc/", "h1"), ("/api/docs/", "#swagger-ui")])
def test_api_docs_page_renders_from_this_server_only(page, live_server, path, rendered):
    requested: list[str] = []

    def send(route):
        # Every request the browser really sends passes here (one the page's content security
        # policy blocks never does); none may leave this server.
        requested.append(route.request.url)
        route.continue_()

    page.route("**/*", send)
    page.goto(path, wait_until="domcontentloaded", timeout=60_000)
    expect(page.locator(rendered).first).to_contain_text("TicketFlower workflow design API", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    here = urlsplit(live_server.url).netloc
    others = [url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != here]
    assert others == []
    assert any(urlsplit(url).path == "/api/schema/" for url in requested)
