"""Project-wide pytest fixtures: companies, users of each role, and a real Chromium for browser tests."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

# Playwright runs an event loop in the test thread; Django's ORM refuses to run beside one
# unless told that these synchronous tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from ticketflower.testing.factories import CompanyFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Hash test passwords cheaply; tests that hand users to another process opt out."""
    if "real_password_hashing" not in request.keywords:
        # New hashes are cheap MD5; PBKDF2 stays to verify the demo fixture's real hashes.
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]


@pytest.fixture
def company_a(db):
    return CompanyFactory(slug="alpha", name="Alpha Ltd")


@pytest.fixture
def company_b(db):
    return CompanyFactory(slug="beta", name="Beta GmbH")


@pytest.fixture
def creator_a(company_a):
    return UserFactory(company=company_a, email="creator@alpha.example", creator=True)


@pytest.fixture
def creator_b(company_b):
    return UserFactory(company=company_b, email="creator@beta.example", creator=True)


@pytest.fixture
def company_admin_a(company_a):
    return UserFactory(company=company_a, email="admin@alpha.example", creator=True, company_admin=True)


@pytest.fixture
def client_a(client, creator_a):
    """The test client signed in as alpha's workflow creator."""
    client.force_login(creator_a)
    return client


@pytest.fixture
def superuser(db):
    return UserFactory(company=None, email="root@ticketflower.example", is_superuser=True)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chrome")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download at run time)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI for the browser tests (apt install chromium).")
        pytest.skip("Chromium not found: install it (Debian: apt install chromium) or set CHROMIUM_PATH.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # Code run while Playwright is open runs in Playwright's own context, where Django opens
        # connections of its own: closed here, or one holds the test database open at teardown.
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def admin_login(page, email: str, password: str = "pw-Test-12345") -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")
