"""The project's database backends read time stamps back exactly as written."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from ticketflower.testing.factories import WorkflowFactory
from workflow_design.models import WorkflowDefinition

pytestmark = pytest.mark.django_db

INSTANTS = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC),
    datetime(2026, 7, 1, 14, 30, 0, 1, tzinfo=ZoneInfo("Europe/Paris")),  # summer time, two hours ahead
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=["year-1", "microseconds", "paris-summer", "year-9999"])
def test_time_stamp_reads_back_the_same_instant_in_utc(instant, company_a):
    workflow = WorkflowFactory(company=company_a)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(published_at=instant)

    read = WorkflowDefinition.objects.get(pk=workflow.pk).published_at

    assert read == instant
    assert read.tzinfo is UTC
    assert read.utcoffset().total_seconds() == 0


def test_postgresql_time_stamps_read_by_psycopg_loader_only_in_utc_sessions():
    """PostgreSQL: psycopg's own loader where the session is in UTC, Django's in any other zone.
    SQLite: Django's backend reads text, no loader is involved."""
    if connection.vendor == "sqlite":
        assert connection.settings_dict["ENGINE"] == "ticketflower.sqlite_backend"
        assert not hasattr(connection, "reads_utc_time_stamps")
        return
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg.postgres import types
    from psycopg.pq import Format

    timestamptz = types["timestamptz"].oid
    assert connection.settings_dict["ENGINE"] == "ticketflower.postgresql_backend"
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(timestamptz, Format.TEXT)
        assert not issubclass(loader, BaseTzLoader)
        cursor.execute("SET LOCAL TIME ZONE 'Europe/Paris'")
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(timestamptz, Format.TEXT)
        assert issubclass(loader, BaseTzLoader)
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
