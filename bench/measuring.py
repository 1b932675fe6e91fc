"""How the benchmark measures: median times, SQL statement counts, pages fetched as a signed-in user."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int, warm: bool = True) -> float:
    """Median wall time of `repeat` calls, after one warm-up call (caches, connections)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class QueryCounter:
    """Counts SQL statements through a connection wrapper: no query log kept, so any size fits."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def admin_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def fetch(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def count_queries_of(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)
