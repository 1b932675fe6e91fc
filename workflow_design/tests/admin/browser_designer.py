"""What the designer's browser tests share: the demo data, the 1280 × 800 screen, the signed-in
creator, a save that waits for its answer, the page's sideways overflow and the screenshots kept
as test artifacts."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from conftest import admin_login
from users.services import system_roles_ensure

DEMO_CREATOR = "creator@acme.example"
DEMO_PASSWORD = "TicketFlower-demo-2026"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", settings.BASE_DIR / "test-artifacts"))
ADD_URL = "/admin/workflow_design/workflowdefinition/add/"


def demo_creator_at_1280(page) -> None:
    """The demo data loaded and its Acme creator signed in, on a 1280 × 800 screen."""
    # A transactional test starts from a flushed database: the system roles the demo users
    # belong to (made by a data migration) are created again first.
    system_roles_ensure()
    call_command("loaddata", "demo", verbosity=0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_login(page, DEMO_CREATOR, DEMO_PASSWORD)


def save(page, button: str = "_continue") -> None:
    """Press a save button and wait until the answer has loaded. Until the page is parsed its
    tables are not laid out (designer.css), so their rows' text reads empty and hidden: a test
    reading them as soon as the page's head shows would race the rest of the page."""
    with page.expect_navigation(wait_until="load"):
        page.locator(f"input[name={button}]").click()


def sideways_overflow(page) -> int:
    """Pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def visible_row_errors(page) -> list[tuple[str, str]]:
    """(row id, text) of every error list shown in the task and transition tables."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#tasks-group ul.errorlist, #transitions-group ul.errorlist'))
            .filter((list) => list.checkVisibility())
            .map((list) => [list.closest('tr') ? list.closest('tr').id : '', list.innerText.trim()])"""
    )


# The tables are drawn when they are scrolled to (designer.css); a picture of the whole page
# draws them as they look then.
WHOLE_PAGE_DRAWN = "#tasks-group, #transitions-group { content-visibility: visible !important; }"


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, style=WHOLE_PAGE_DRAWN)
