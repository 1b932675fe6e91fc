"""Part 4: the REST API lists, their queries at two company sizes and the definitions served a second."""

from __future__ import annotations

import statistics
import time

from bench.build_data import Sizes
from bench.measuring import count_queries_of, fetch, ms
from bench.report import Report, Row

API_LISTS = ("workflows", "tasks", "transitions", "tickets")
# A list answers in 10-20 ms, and single requests on a shared machine vary by half of that: the
# rate is the median of at least this many requests, so that one run's figure is not a draw.
RATE_SAMPLES = 25


def measure_api(report: Report, data: dict, sizes: Sizes) -> None:
    from rest_framework.test import APIClient

    rows = report.section("4. REST API lists (100 a page)")

    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    small, large = client_for(data["small_creator"]), client_for(data["large_creator"])
    urls = [(name, f"/api/workflow/{name}/", f"/api/workflow/{name}/") for name in API_LISTS]
    small_wf = data["small"].workflows[0]
    for nested in ("tasks", "transitions"):
        urls.append(
            (
                f"workflows/<id>/{nested}",
                f"/api/workflow/workflows/{small_wf.pk}/{nested}/",
                f"/api/workflow/workflows/{data['page_large'].pk}/{nested}/",
            )
        )
    counted = []
    for name, small_url, large_url in urls:
        fetch(small, small_url)
        fetch(large, large_url)
        q_small = count_queries_of(lambda u=small_url: fetch(small, u))
        q_large = count_queries_of(lambda u=large_url: fetch(large, u))
        n_small = len(fetch(small, small_url).json()["results"])
        n_large = len(fetch(large, large_url).json()["results"])
        counted.append((name, large_url, q_small, q_large, n_small, n_large))
    # The lists are timed in turns, one request each a round, so that a slower spell of the
    # machine falls on every list alike instead of on whichever list it was timing then.
    times: dict[str, list[float]] = {name: [] for name, *_ in counted}
    for _round in range(max(sizes.repeat, RATE_SAMPLES)):
        for name, large_url, *_ in counted:
            started = time.perf_counter()
            fetch(large, large_url)
            times[name].append(time.perf_counter() - started)
    for name, _url, q_small, q_large, n_small, n_large in counted:
        elapsed = statistics.median(times[name])
        rows.append(
            Row(
                f"{name}: queries at {n_small} vs {n_large} rows a page",
                f"{q_small} vs {q_large}",
                "equal",
                q_small == q_large,
            )
        )
        rate = n_large / elapsed
        rows.append(
            Row(
                f"{name}: definitions a second (whole request)",
                f"{rate:.0f}/s ({ms(elapsed)} a page)",
                ">= 5,000/s",
                rate >= 5000,
            )
        )
