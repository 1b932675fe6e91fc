"""Hostile inputs: every case of the corpus (`workflow_design/tests/hostile/corpus.py`) sent through
its real path and timed. Each must answer a 4xx that says why within a second, write nothing,
and leave the server answering a normal request."""

from __future__ import annotations

from bench.measuring import median_time, ms
from bench.report import Report, Row

# The bound the product promises for refusing any single hostile input.
TIME_LIMIT_SECONDS = 1.0
RUNS = 3


def measure_hostile(report: Report, log) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    from bench.datasets import make_company, make_creator
    from workflow_design.tests.hostile.corpus import CASES, Clients, W, response_text, row_counts, target_for

    rows = report.section(f"hostile inputs (median of {RUNS} runs each)")
    own, other = make_company(901, slug="hostile-own"), make_company(902, slug="hostile-other")
    creator = make_creator(own, "creator@hostile-own.example")
    target = target_for(own.company, creator, other.company)
    api = APIClient()
    api.force_authenticate(creator)
    api.raise_request_exception = False
    admin = Client(raise_request_exception=False)
    admin.force_login(creator)
    clients = Clients(api=api, admin=admin)

    before = row_counts()
    for case in CASES:
        answers: list = []

        def send(case=case, answers=answers) -> None:
            answers.append(case.send(clients, target))

        elapsed = median_time(send, RUNS, warm=False)
        response = answers[-1]
        refused = 400 <= response.status_code < 500 and case.says in response_text(response)
        log(f"  {case.name}: {response.status_code} in {ms(elapsed)}")
        rows.append(
            Row(
                f"{case.name} [{case.path}]",
                f"{response.status_code} in {ms(elapsed)}",
                "4xx that says why, < 1 s",
                refused and elapsed < TIME_LIMIT_SECONDS,
            )
        )
    after = row_counts()
    rows.append(
        Row("rows written by the whole corpus", str(sum(after.values()) - sum(before.values())), "0", after == before)
    )
    status = api.get(W).status_code
    rows.append(Row("a normal request after the corpus", str(status), "200", status == 200))
