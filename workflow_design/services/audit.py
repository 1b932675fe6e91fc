"""The audit trail: `audit_record` writes one entry per change, tagged with the path it came by.

The path (admin, API, import, bundle, command line) is a context variable that the request
middleware and the import code set once, so services record it without every caller
passing it along.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from workflow_design.models import AuditAction, AuditChannel, AuditEntry, definition_company_id

_channel: contextvars.ContextVar[str] = contextvars.ContextVar("audit_channel", default=AuditChannel.CODE)

# Fields that change on every save, or copy another row's value, and say nothing a reader needs.
IGNORED_FIELDS = {"updated_at", "created_at", "revision", "from_position"}


def current_channel() -> str:
    return _channel.get()


@contextmanager
def audit_channel(channel: str) -> Iterator[None]:
    """Tag every change recorded inside the block with `channel`."""
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored values of an object's concrete fields (foreign keys as ids)."""
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in IGNORED_FIELDS and not field.primary_key
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value and name not in IGNORED_FIELDS
    }


def _entry(*, actor, obj: models.Model, action: str, changes: dict | None, content_type) -> AuditEntry:
    real_actor = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEntry(
        company_id=definition_company_id(obj),
        actor=real_actor,
        actor_email=getattr(real_actor, "email", "") or "",
        channel=current_channel(),
        action=action,
        content_type=content_type,
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        changes=changes or {},
    )


@transaction.atomic
def audit_record(*, actor, obj: models.Model, action: str, changes: dict | None = None) -> AuditEntry:
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    entry = _entry(
        actor=actor, obj=obj, action=action, changes=changes, content_type=ContentType.objects.get_for_model(obj)
    )
    entry.save()
    return entry


@transaction.atomic
def audit_record_many(
    *, actor, objects: Sequence[models.Model], action: str, changes: Sequence[dict | None] | None = None
) -> int:
    """One insert for many objects (bundles, new versions, imports); `changes`, when given, holds
    each object's own diff, in the order of `objects`."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    if changes is not None and len(changes) != len(objects):
        raise ValueError("One diff per object, or none")
    diffs = changes if changes is not None else [None] * len(objects)
    entries = [
        _entry(actor=actor, obj=obj, action=action, changes=diff, content_type=ContentType.objects.get_for_model(obj))
        for obj, diff in zip(objects, diffs, strict=True)
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)
