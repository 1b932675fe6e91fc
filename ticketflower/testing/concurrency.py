"""Running calls at the same moment, each in a thread of its own, for tests of simultaneous writers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection

START_WAIT_SECONDS = 10
FINISH_WAIT_SECONDS = 120


def run_at_once(*calls: Callable[[], object], refusal: type[Exception] | None = None) -> list:
    """Start the calls together behind a barrier and wait for all of them; their results in order.

    A call that raises `refusal` has that exception as its result. Each thread uses its own
    database connection and closes it at the end: left open, it blocks the test database's teardown.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    caught = refusal or ()

    def run(index: int, call: Callable[[], object]) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=START_WAIT_SECONDS)
            results[index] = call()
        except caught as refused:
            results[index] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=FINISH_WAIT_SECONDS)
    return results
