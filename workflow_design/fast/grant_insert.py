"""Grants for rows inserted in the same transaction, made by the database in one statement.

Replaces: guardian's `assign_perm` (one query per object and permission) and a `bulk_create` of
one Python object per object and permission, for rows that cannot have a grant yet because
this transaction inserted them. Its saving on a 200-task bundle and a 1,000-row task file is
recorded in docs/performance.md.

It can go when django-guardian offers a set-based bulk grant for direct foreign-key tables.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import connection, models


def grant_new_rows(
    model: type[models.Model],
    grants: type[models.Model],
    permission_ids: list[int],
    group_id: int,
    object_ids: list[int],
) -> int:
    """One `INSERT … SELECT` gives `group_id` every permission on every object: the product of
    the objects' rows and the permission rows. Split only where the database's parameter limit
    demands it (a SQLite built with 999)."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(grants._meta.get_field(name).column) for name in ("content_object", "permission", "group")
    )
    object_pk, permission_pk = quote(model._meta.pk.column), quote(Permission._meta.pk.column)
    permissions = ", ".join(["%s"] * len(permission_ids))
    step = (connection.features.max_query_params or 65_000) - len(permission_ids) - 1
    with connection.cursor() as cursor:
        for start in range(0, len(object_ids), step):
            chunk = object_ids[start : start + step]
            # Table and column names come from the models (quoted); every value is a parameter.
            sql = (
                f"INSERT INTO {quote(grants._meta.db_table)} ({columns}) "  # noqa: S608
                f"SELECT o.{object_pk}, p.{permission_pk}, %s "
                f"FROM {quote(model._meta.db_table)} o CROSS JOIN {quote(Permission._meta.db_table)} p "
                f"WHERE o.{object_pk} IN ({', '.join(['%s'] * len(chunk))}) AND p.{permission_pk} IN ({permissions})"
            )
            cursor.execute(sql, [group_id, *chunk, *permission_ids])
    return len(object_ids) * len(permission_ids)
