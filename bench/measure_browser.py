"""Part "browser": the workflow page in Chromium at 1280 × 800, and the live check's server time.

The 5- and 200-task workflow pages are loaded by Debian's Chromium (driven by Playwright) from
two servers run on the benchmark's database: Django's development server (DEBUG on) and the
production setup (gunicorn with WhiteNoise serving the collected, compressed static files, DEBUG
off). The figure is the page's load event (the navigation's `loadEventEnd`), median of several
loads after one per server process that warms it. gunicorn does not run on Windows: there that half is
reported as not measured. The page's sideways overflow is read with a task's form open.

The live check (the unsaved page linted and drawn) is timed in-process with Django's test
client, as the other parts time pages, for the 200-task workflow sent as the page sends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measuring import admin_client, ms
from bench.report import Report, Row

ROOT = Path(__file__).resolve().parent.parent
LARGE_TASKS, SMALL_TASKS = 200, 5
TARGETS = {SMALL_TASKS: 0.5, LARGE_TASKS: 1.5}  # seconds to the load event
LIVE_CHECK_TARGET = 0.2
SERVER_PROCESSES = 2  # gunicorn's workers; the development server is one process
START_PAGE = "/admin/"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chrome")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit code {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


@contextlib.contextmanager
def served(kind: str, workdir: Path):
    """A server of `kind` ("development" or "production") on the benchmark's database."""
    port = free_port()
    from django.conf import settings

    # The benchmark's own key: the session it signs in with is signed with it.
    env = {
        **os.environ,
        "LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    python = sys.executable
    if kind == "development":
        env["DEBUG"] = "1"
        command = [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        # Production settings, with the static files collected into a folder of this run.
        static_root = workdir / "static"
        (workdir / "bench_production_settings.py").write_text(
            f"from ticketflower.settings import *  # noqa: F403\nSTATIC_ROOT = {str(static_root)!r}\n",
            encoding="utf-8",
        )
        env.update(
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            DJANGO_SETTINGS_MODULE="bench_production_settings",
            PYTHONPATH=os.pathsep.join([str(workdir), str(ROOT), env.get("PYTHONPATH", "")]),
        )
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        gunicorn = str(Path(python).with_name("gunicorn"))
        command = [
            gunicorn,
            "ticketflower.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(SERVER_PROCESSES),
            "--log-level",
            "error",
        ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_serving(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def load_times(browser, base: str, session: str, urls: dict[int, str], repeat: int) -> dict[int, float]:
    """Median seconds from navigation start to the load event, per page, fetched in turns."""
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    # A loaded machine may take long over a large page: a slow figure is reported, not a timeout.
    page.set_default_timeout(180_000)
    times: dict[int, list[float]] = {size: [] for size in urls}
    # The first loads of each page warm the server (templates, the diagram's layout, the routing
    # analysis): one per server process, as a server that has run a while has them warm.
    for run in range(repeat + SERVER_PROCESSES):
        for size, url in urls.items():
            # Each page is opened from the admin's index, as a creator opens it: the figure is
            # then this page's own, not the teardown of the large page opened before it.
            page.goto(START_PAGE, wait_until="load")
            page.goto(url, wait_until="load")
            if "/login/" in page.url:
                raise RuntimeError("the benchmark's session was not accepted")
            if run >= SERVER_PROCESSES:
                seconds = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
                times[size].append(seconds)
    context.close()
    return {size: statistics.median(values) for size, values in times.items()}


SHOW_TABLE = """async (selector) => {
  // From the scroll to the next frame drawn: the table is styled and laid out on the way.
  const started = performance.now();
  document.querySelector(selector).scrollIntoView();
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - started;
}"""


def table_show_times(browser, base: str, session: str, url: str, repeat: int) -> dict[str, float]:
    """Median seconds to show each table of a loaded page when it is scrolled to the first time.

    The tables are laid out when they come into view (designer.css), so their cost is paid
    there, once: this is what the load event no longer holds.
    """
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(180_000)
    times: dict[str, list[float]] = {"tasks": [], "transitions": []}
    for _ in range(repeat):
        page.goto(url, wait_until="load")
        for name in times:
            times[name].append(page.evaluate(SHOW_TABLE, f"#{name}-group") / 1000)
    context.close()
    return {name: statistics.median(values) for name, values in times.items()}


def overflow_with_editor_open(browser, base: str, session: str, url: str) -> int:
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(url, wait_until="load")
    page.locator("#tasks-group .wd-editor-open").first.click()
    page.locator("dialog.wd-editor-dialog[open]").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    return overflow


def page_state(workflow) -> dict:
    """The 200-task page's state as designer.js sends it."""
    tasks = list(workflow.tasks.order_by("position", "id"))
    slugs = {task.pk: task.slug for task in tasks}
    return {
        "workflow": {"title": workflow.title, "slug": workflow.slug, "fields": json.dumps(workflow.fields)},
        "tasks": [
            {
                "row": f"tasks-{index}",
                "id": task.pk,
                "title": task.title,
                "slug": task.slug,
                "position": str(task.position),
                "assignee_role": str(task.assignee_role_id or ""),
                "output_schema": json.dumps(task.output_schema),
            }
            for index, task in enumerate(tasks)
        ],
        "transitions": [
            {
                "row": f"transitions-{index}",
                "id": transition.pk,
                "from_task": slugs.get(transition.from_task_id, ""),
                "to_task": slugs.get(transition.to_task_id, ""),
                "priority": str(transition.priority),
                "condition": transition.condition,
                "slug": transition.slug,
            }
            for index, transition in enumerate(workflow.transitions.order_by("priority", "id"))
        ],
    }


def measure_live_check(report: Report, creator, workflow, repeat: int) -> None:
    from django.urls import reverse

    from workflow_design.rules.diagram import forget_drawn_diagrams

    rows = report.section("browser. live check of the unsaved workflow page")
    client = admin_client(creator)
    url = reverse("admin:workflow_design_workflowdefinition_live_check", args=[workflow.pk])
    state = page_state(workflow)
    body = json.dumps(state)

    def check() -> float:
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"POST {url} answered {response.status_code}")
        return elapsed

    check()
    again = statistics.median(check() for _ in range(max(repeat, 5)))
    changed = []
    for run in range(max(repeat, 5)):
        # Every edit changes what is drawn: the drawing is laid out anew.
        state["tasks"][run % len(state["tasks"])]["title"] += "!"
        body = json.dumps(state)
        forget_drawn_diagrams()
        changed.append(check())
    fresh = statistics.median(changed)
    tasks, transitions = len(state["tasks"]), len(state["transitions"])
    rows.append(
        Row(
            f"server time, {tasks} tasks / {transitions} transitions, edited (drawn anew)",
            ms(fresh),
            "< 200 ms",
            fresh < LIVE_CHECK_TARGET,
        )
    )
    rows.append(Row("server time, same state sent again (drawing kept)", ms(again), "", None))


def measure_browser(report: Report, data: dict, sizes, log) -> None:
    from django.urls import reverse

    from bench import datasets

    creator = data["large_creator"]
    workflows = {
        SMALL_TASKS: datasets.designed_workflow(data["large"], slug="browser-small", tasks=SMALL_TASKS),
        LARGE_TASKS: datasets.designed_workflow(data["large"], slug="browser-large", tasks=LARGE_TASKS),
    }
    measure_live_check(report, creator, workflows[LARGE_TASKS], sizes.repeat)

    rows = report.section("browser. workflow page in Chromium at 1280 x 800 (load event)")
    path = chromium_path()
    if path is None:
        rows.append(Row("Chromium", "not found (install it or set CHROMIUM_PATH)", "", False))
        return
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The servers are other processes on the same database: what was built here is committed.
    connections.close_all()
    session = admin_client(creator).cookies["sessionid"].value
    urls = {
        size: reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])
        for size, workflow in workflows.items()
    }
    kinds = ["development", "production"]
    workdir = Path(tempfile.mkdtemp(prefix="ticketflower-browser-bench-"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
            for kind in kinds:
                label = (
                    "development server (DEBUG on)" if kind == "development" else "gunicorn + WhiteNoise (DEBUG off)"
                )
                if kind == "production" and sys.platform == "win32":
                    rows.append(Row(label, "not measured: gunicorn does not run on Windows", "", None))
                    continue
                log(f"  {label}…")
                with served(kind, workdir) as base:
                    medians = load_times(browser, base, session, urls, max(sizes.repeat, 5))
                    for size in (SMALL_TASKS, LARGE_TASKS):
                        limit = TARGETS[size]
                        rows.append(
                            Row(
                                f"{label}: {size}-task page ready",
                                ms(medians[size]),
                                f"< {limit * 1000:.0f} ms",
                                medians[size] < limit,
                            )
                        )
                    if kind == "production":
                        shown = table_show_times(browser, base, session, urls[LARGE_TASKS], max(sizes.repeat, 5))
                        for name, seconds in shown.items():
                            label = f"{LARGE_TASKS}-task page: {name} table shown when scrolled to"
                            rows.append(Row(label, ms(seconds), "", None))
                        overflow = overflow_with_editor_open(browser, base, session, urls[LARGE_TASKS])
                        rows.append(
                            Row(
                                f"sideways overflow, {LARGE_TASKS}-task page, a task's form open",
                                f"{overflow} px",
                                "0 px",
                                overflow == 0,
                            )
                        )
            browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
