"""A bounded load run against one or more running TicketFlower app processes.

Many workflow creators at once, spread over the given base URLs: each logs in through the
API, designs a workflow (tasks, a start, branches, ends), edits it, publishes it, and exports
and re-imports it as a bundle (the import lands as a new draft version); some also race to
import the same bundle. The report counts requests, server errors and timings; the caller
checks the database afterwards.

    python bench/load_two_processes.py --url http://127.0.0.1:8001 --url http://127.0.0.1:8002 \
        --user creator@acme.example --password TicketFlower-demo-2026 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from itertools import cycle


@dataclass
class LoadReport:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    created_slugs: list[str] = field(default_factory=list)
    published_ids: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> str:
        p50 = statistics.median(self.durations) * 1000 if self.durations else 0.0
        p95 = (sorted(self.durations)[int(len(self.durations) * 0.95) - 1] * 1000) if self.durations else 0.0
        return (
            f"{self.requests} requests, {len(self.server_errors)} server errors, "
            f"{len(self.unexpected)} unexpected answers, median {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"{len(self.created_slugs)} workflows created, {len(self.published_ids)} published"
        )


class Client:
    def __init__(self, base_url: str, report: LoadReport) -> None:
        self.base_url = base_url.rstrip("/")
        self.report = report
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None, expect=(200, 201)) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        elapsed = time.perf_counter() - started
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw[:200].decode(errors="replace")}
        with self.report.lock:
            self.report.requests += 1
            self.report.durations.append(elapsed)
            if status >= 500:
                self.report.server_errors.append(f"{method} {path} -> {status}")
            elif status not in expect:
                self.report.unexpected.append(f"{method} {path} -> {status}: {str(payload)[:300]}")
        return status, payload

    def login(self, email: str, password: str) -> None:
        status, payload = self.call("POST", "/api/login/", {"email": email, "password": password})
        self.token = payload.get("access", "") if status == 200 else ""


def _field(name: str, type_: str, **extra) -> dict:
    return {"name": name, "label": name.replace("_", " ").title(), "type": type_, "required": True, **extra}


def design_publish_and_reimport(client: Client, slug: str) -> None:
    report = client.report
    status, workflow = client.call("POST", "/api/workflow/workflows/", {"title": f"Load {slug}", "slug": slug})
    if status != 201:
        return
    with report.lock:
        report.created_slugs.append(slug)
    wid = workflow["id"]
    tasks = {}
    for position, (task_slug, output) in enumerate(
        [
            ("review", [_field("approved", "boolean")]),
            ("fulfil", [_field("reference", "text")]),
            ("refuse", [_field("reason", "long_text")]),
        ],
        start=1,
    ):
        status, task = client.call(
            "POST",
            f"/api/workflow/workflows/{wid}/tasks/",
            {"title": task_slug.title(), "slug": task_slug, "position": position, "output_schema": output},
        )
        if status != 201:
            return
        tasks[task_slug] = task["id"]
    for from_task, to_task, priority, condition in [
        (None, "review", 10, ""),
        ("review", "fulfil", 10, "output.approved == true"),
        ("review", "refuse", 20, ""),
        ("fulfil", None, 10, ""),
        ("refuse", None, 10, ""),
    ]:
        client.call(
            "POST",
            f"/api/workflow/workflows/{wid}/transitions/",
            {
                "from_task": tasks.get(from_task),
                "to_task": tasks.get(to_task),
                "priority": priority,
                "condition": condition,
            },
        )
    client.call("PATCH", f"/api/workflow/workflows/{wid}/", {"description": f"Edited under load ({slug})"})
    status, _ = client.call("POST", f"/api/workflow/workflows/{wid}/publish/", {})
    if status == 200:
        with report.lock:
            report.published_ids.append(wid)
    status, bundle = client.call("GET", f"/api/workflow/workflows/{wid}/bundle/")
    if status == 200:
        client.call(
            "POST",
            "/api/workflow/workflows/import-bundle/?as_new_version=1",
            bundle,
            expect=(200, 201),
        )


def run_load(
    base_urls: list[str], users: list[tuple[str, str]], *, rounds: int = 2, prefix: str = "load"
) -> LoadReport:
    """Each user works in its own thread, alternating between the app processes."""
    report = LoadReport()
    urls = cycle(base_urls)
    assignments = [(email, password, next(urls)) for email, password in users]

    def work(index: int, email: str, password: str, url: str) -> None:
        client = Client(url, report)
        client.login(email, password)
        for round_number in range(rounds):
            # Alternate processes between rounds too: a session of work spans both.
            client.base_url = base_urls[(index + round_number) % len(base_urls)].rstrip("/")
            design_publish_and_reimport(client, f"{prefix}-{index}-{round_number}")

    threads = [
        threading.Thread(target=work, args=(index, email, password, url))
        for index, (email, password, url) in enumerate(assignments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", required=True, help="base URL of an app process (repeat)")
    parser.add_argument("--user", action="append", required=True, help="creator email (repeat)")
    parser.add_argument("--password", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    report = run_load(args.url, [(u, args.password) for u in args.user], rounds=args.rounds)
    print(report.summary())
    for line in report.server_errors + report.unexpected:
        print("  ", line)
    raise SystemExit(1 if report.server_errors else 0)


if __name__ == "__main__":
    main()
