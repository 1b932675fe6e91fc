"""The performance benchmark: builds company-sized data in a fresh database and checks each target.

    python bench/run.py                 # full size, SQLite in a temporary file
    python bench/run.py --quick         # small sizes, for a first look (about a minute)
    DATABASE_URL=postgres://user@host/name python bench/run.py
                                        # PostgreSQL: a dedicated database is created and dropped

It never touches the developer's database: SQLite runs in a temporary folder, PostgreSQL in a
database of its own (`ticketflower_benchrun_<pid>`) on the server DATABASE_URL names. Pages and
API lists are requested in-process with Django's test client, so the numbers are the
application's own (no network, no web server). Times are medians of several runs; every ratio
compares two measurements of the same run. The exit code is 0 even when a target is missed: the
table is the result.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from pathlib import Path

# Run as a script (`python bench/run.py`), the repository root is not on the path yet: the
# benchmark's own modules are imported as the `bench` package, beside the project's apps.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.build_data import build, sizes_from
from bench.database import FreshDatabase, settle_database, setup_django
from bench.measure_admin import measure_access_sql, measure_change_page, measure_changelists
from bench.measure_api import measure_api
from bench.measure_bpmn import measure_bpmn
from bench.measure_browser import measure_browser
from bench.measure_checks import measure_checks
from bench.measure_conditions import measure_conditions
from bench.measure_hostile import measure_hostile
from bench.measure_imports import measure_bundles, measure_imports
from bench.measure_routing import measure_routing
from bench.measure_validation import measure_validation
from bench.report import Report, Row


def machine_description(vendor: str, db_version: str) -> str:
    ram = "unknown"
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    import django

    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {os.cpu_count()} cores, RAM {ram}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, {vendor} {db_version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (10 companies, 1,000-row import)")
    parser.add_argument("--companies", type=int, help="companies in the database (default 100)")
    parser.add_argument(
        "--large-workflows",
        type=int,
        help="workflows of the large company; each has 4 tasks, 4 transitions and a ticket type (default 1,000)",
    )
    parser.add_argument("--import-rows", type=int, help="rows of the task file (default 10,000)")
    parser.add_argument("--check-tasks", type=int, help="tasks of the lint/diagram workflow (default 1,000)")
    parser.add_argument("--repeat", type=int, help="timed runs per measurement; the median is reported (default 5)")
    parser.add_argument(
        "--only",
        action="append",
        help="run only these parts: pages, lists, sql, import, bundle, api, checks, routing, validation, conditions, "
        "hostile, bpmn, browser",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    sizes = sizes_from(args)
    parts = ["pages", "lists", "sql", "import", "bundle", "api", "checks", "routing", "validation", "conditions"]
    parts += ["hostile", "bpmn"]
    parts += ["browser"]
    only = set(args.only or parts)

    def log(message: str) -> None:
        print(message, flush=True)

    with FreshDatabase(keep=args.keep_db):
        setup_django()
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                db_version = cursor.fetchone()[0]
        else:
            import sqlite3

            db_version = sqlite3.sqlite_version
        machine = machine_description(connection.vendor, db_version)
        log(f"machine: {machine}")
        log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        log("building the data sets…")
        started = time.perf_counter()
        data = build(sizes, log)
        # The objects made while building the data stay in this process (a server would not hold
        # them): freeze them out of the garbage collector's reach, so its full collections, which
        # walk every live object, do not land in the timed requests.
        gc.collect()
        gc.freeze()
        totals = data["totals"]
        log(
            f"  {sizes.companies} companies; in all {totals['workflows']} workflows, {totals['tasks']} tasks, "
            f"{totals['transitions']} transitions, {totals['tickets']} tickets ({time.perf_counter() - started:.1f} s)"
        )
        large_total = sum(data["large"].counts.values())
        log(f"  the large company's creator sees {large_total} definitions (changelists: {data['large'].counts})")

        report = Report()
        steps = [
            ("pages", "admin change page", lambda: measure_change_page(report, data, sizes)),
            ("lists", "admin changelists", lambda: measure_changelists(report, data, sizes)),
            ("sql", "access SQL", lambda: measure_access_sql(report, data)),
            ("import", "imports", lambda: measure_imports(report, data, sizes, log)),
            ("bundle", "bundles", lambda: measure_bundles(report, data)),
            ("bpmn", "BPMN import", lambda: measure_bpmn(report, data, sizes)),
            ("api", "API lists", lambda: measure_api(report, data, sizes)),
            ("checks", "lint and diagram", lambda: measure_checks(report, data, sizes, log)),
            ("routing", "routing analysis", lambda: measure_routing(report, data, sizes, log)),
            ("validation", "bundle validation", lambda: measure_validation(report, data, sizes)),
            ("conditions", "condition limits", lambda: measure_conditions(report, log)),
            ("hostile", "hostile inputs", lambda: measure_hostile(report, log)),
            ("browser", "workflow page in Chromium", lambda: measure_browser(report, data, sizes, log)),
        ]
        for key, title, step in steps:
            if key not in only:
                continue
            log(f"measuring {title}…")
            before = len(report.sections)
            # Each part starts from a settled database and a collected heap: what an earlier
            # part left behind (rolled-back rows, import objects) is not this part's cost.
            settle_database()
            gc.collect()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - a broken part is reported, the rest still runs
                report.section(title).append(
                    Row(f"{title} could not be measured", f"{type(exc).__name__}: {exc}"[:160], "", False)
                )
            # Printed as it is measured: a long run shows its results before the final table.
            for section_title, rows in report.sections[before:]:
                log(f"  [{section_title}]")
                for row in rows:
                    log(f"    {row.target}: {row.measured} (limit {row.limit or '-'}) {row.verdict}")

        print()
        print(f"TicketFlower performance benchmark — {machine}")
        print(
            f"command: python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip()
            + f"  (database: {connection.vendor})"
        )
        print()
        print(report.text())
        if args.markdown:
            print()
            print(report.markdown())
        failures = report.failures()
        print()
        print(f"{len(failures)} target(s) missed." if failures else "Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
