"""Production serving: two gunicorn app processes over one database, under a bounded load."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from bench.load_two_processes import run_load
from ticketflower.testing.factories import TEST_PASSWORD, CompanyFactory, UserFactory
from workflow_design.models import WorkflowDefinition
from workflow_design.rules.linting import lint_workflow
from workflow_design.tests.api.test_concurrency import RACE_ROUNDS, RACED, RACER, _send, patch_race, race_world

ROOT = Path(__file__).resolve().parents[2]
gunicorn = pytest.importorskip("gunicorn", reason="gunicorn serves production on Linux/macOS; not on Windows")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    at = "@" if user else ""
    host = settings.get("HOST") or settings.get("OPTIONS", {}).get("host") or ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    query = f"?host={host}" if host.startswith("/") else ""
    netloc = f"{user}{password}{at}{'' if query else host}{port}"
    return f"postgres://{netloc}/{settings['NAME']}{query}"


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn at {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn at {url} did not become healthy")


@pytest.fixture
def two_app_processes(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "LOG_LEVEL": "WARNING",
        "LOGIN_THROTTLE_RATE": "1000/min",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    processes, urls = [], []
    for _ in range(2):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(tmp_path / f"gunicorn-{port}.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "ticketflower/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "ticketflower.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        urls.append(url)
    try:
        for (process, _), url in zip(processes, urls, strict=True):
            _wait_healthy(url, process)
        yield urls
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


@pytest.mark.real_password_hashing
@pytest.mark.django_db(transaction=True)
def test_two_processes_under_load_lose_nothing(two_app_processes):
    company = CompanyFactory(slug="loadco", name="Load Co")
    users = [
        (UserFactory(company=company, email=f"creator{n}@load.example", creator=True).email, TEST_PASSWORD)
        for n in range(6)
    ]
    report = run_load(two_app_processes, users, rounds=2, prefix="load")
    assert report.server_errors == [], report.summary()
    assert report.unexpected == [], report.unexpected[:5]
    assert len(report.created_slugs) == 12
    # No lost or duplicated definition: each workflow once as v1 (published), once as v2 (draft).
    versions = list(WorkflowDefinition.objects.filter(company=company).values_list("slug", "version", "status"))
    assert sorted(versions) == sorted(
        [(slug, 1, "published") for slug in report.created_slugs]
        + [(slug, 2, "draft") for slug in report.created_slugs]
    )
    for workflow in WorkflowDefinition.objects.filter(company=company, status="published"):
        assert workflow.tasks.count() == 3 and workflow.transitions.count() == 5
        assert [f for f in lint_workflow(workflow) if f.level == "error"] == []


@pytest.mark.real_password_hashing
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", RACED)
def test_two_processes_patching_different_fields_lose_nothing(two_app_processes, kind):
    """Two server processes, each taking one of two PATCHes without a revision that change other
    fields of one row at the same moment, 20 rounds: both changes survive every round."""
    row, _token = race_world(kind)
    # The servers sign tokens with their own key: log in to one of them.
    login = _send(f"{two_app_processes[0]}/api/login/", "", "POST", {"email": RACER, "password": TEST_PASSWORD})
    assert login[0] == 200, login
    token = login[1]["access"]
    first, second = (f"{url}{RACED[kind]}{row.pk}/" for url in two_app_processes)
    lost = patch_race(row, token, first, second)
    assert lost == [], f"{len(lost)} of {RACE_ROUNDS} rounds lost a change on {connection.vendor}: {lost[:3]}"
