import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="tickets.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_check_deploy_is_silent():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-a-long-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="tickets.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_checks_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_bulk_statements_sized_to_the_database_limit():
    """SQLite: the library's own parameter limit, not Django's 999, so a bulk insert of a large
    bundle is one statement; PostgreSQL: Django's backend, which has no such limit."""
    import sqlite3

    from django.db import connection

    from workflow_design.models import WorkflowDefinition

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        library_limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        assert connection.features.max_query_params == max(library_limit, 999)
        assert library_limit > 999  # every SQLite since 3.32
        fields = [f for f in WorkflowDefinition._meta.concrete_fields if not f.primary_key]
        assert connection.ops.bulk_batch_size(fields, [None] * 600) >= 600  # one statement
    else:
        assert connection.vendor == "postgresql"
        assert connection.features.max_query_params is None
