"""The access layer's row test, written as one SQL expression over guardian's tables.

Replaces: guardian's `get_objects_for_user` (which builds its subqueries from querysets and
joins the permission and content-type tables) for the design models. Building and compiling
this expression costs a tenth of the querysets' time on every API request and admin page, and
its second shape spares PostgreSQL hashing every grant a creator holds to return one page; both
savings are recorded in docs/performance.md.

It can go when guardian's own filter over direct foreign-key tables is as fast for a page of
rows (measure `bench/run.py --only sql,lists,api` before removing it).
"""

from __future__ import annotations

from functools import cache

from django.db import models
from django.db.models import BooleanField, Expression, F
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model


class ObjectPermissionHeld(Expression):
    """True for rows on which the user, or one of their groups, holds one object permission.

    Over guardian's direct foreign-key tables, in one of two shapes, both chosen for the planner
    with the company narrowing the rows first (an index leads with it, in each list's order):

    - `pk IN (group grants) OR pk IN (user grants)`: each granted set is hashed once and every
      row is tested against it. Right for counts and deep pages, which read most of the
      company's rows. One `pk IN (... UNION ...)` made PostgreSQL join every granted row before
      it could sort out a page (16 of 34 ms of a 100-task page at 5,000 visible tasks).
    - `EXISTS (a grant of this row)`, one index probe a row: right for a page near the start
      (and for `exists()`/`get()`), which stops after its first rows. Both databases would
      otherwise build the whole granted set for these too: PostgreSQL plans the test as if
      every row of the company were read, and SQLite makes a temporary index of the `IN` list
      for every statement. So a query that asks for at most `ROW_BY_ROW_LIMIT` rows gets this
      shape (on PostgreSQL kept from hashing by `OFFSET 0`). It saves the set of a creator's
      thousands of grants: on PostgreSQL 1.8 of 4.4 ms of a 100-task page at 5,000 visible
      tasks, on SQLite most of the page's query (docs/performance.md). A creator sees nearly
      all of their company (its creators group holds a grant on each definition); one who
      sees only a few rows makes the walk longer, at most the company's rows. A query the
      caller knows to read few rows (`few_rows`: one workflow's tasks or transitions) gets this
      shape whatever it asks for, its count too: a few hundred probes cost less than building
      the set of the creator's thousands of grants.

    Written as SQL rather than built from querysets: every API request and admin page pays
    for building and compiling it, and the querysets cost ten times as much (about 0.6 ms).
    """

    output_field = BooleanField()
    # Rows a query may ask for and still be tested row by row: five pages of 100.
    ROW_BY_ROW_LIMIT = 500

    def __init__(
        self,
        model: type[models.Model],
        *,
        permission_id: int,
        group_ids: list[int],
        user_id: int,
        few_rows: bool = False,
    ):
        super().__init__()
        self.model = model
        self.few_rows = few_rows
        self.permission_id = permission_id
        self.group_ids = list(group_ids)
        self.user_id = user_id
        self.pk = F("pk")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model._meta.label}, permission={self.permission_id})"

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection, row_by_row: bool = False, fence: str = ""):
        pk_sql, pk_params = compiler.compile(self.pk)
        quote = connection.ops.quote_name
        tests, params = [], []
        group_grants, user_grants = _grant_models(self.model)
        holders = [(user_grants, "user", [self.user_id])]
        if self.group_ids:  # `IN ()` is not SQL
            holders.insert(0, (group_grants, "group", self.group_ids))
        for grants, holder, holder_ids in holders:
            # Only quoted names from the models' metadata go into the text; every value is a parameter.
            table = quote(grants._meta.db_table)
            names = {
                "table": table,
                "object": f"{table}.{quote(grants._meta.get_field('content_object').column)}",
                "permission": f"{table}.{quote(grants._meta.get_field('permission').column)}",
                "holder": f"{table}.{quote(grants._meta.get_field(holder).column)}",
                "ids": ", ".join(["%s"] * len(holder_ids)),
            }
            if row_by_row:
                template = (
                    "EXISTS (SELECT 1 FROM {table} WHERE {object} = {pk} AND {permission} = %s"
                    " AND {holder} IN ({ids}){fence})"
                )
                tests.append(template.format(pk=pk_sql, fence=fence, **names))
            else:
                template = "{pk} IN (SELECT {object} FROM {table} WHERE {permission} = %s AND {holder} IN ({ids}))"
                tests.append(template.format(pk=pk_sql, **names))
            params += [*pk_params, self.permission_id, *holder_ids]
        return f"({' OR '.join(tests)})", params

    def as_postgresql(self, compiler, connection):
        # `OFFSET 0` keeps PostgreSQL from turning the probes back into one hashed set.
        return self.as_sql(compiler, connection, row_by_row=self._row_by_row(compiler), fence=" OFFSET 0")

    def as_sqlite(self, compiler, connection):
        return self.as_sql(compiler, connection, row_by_row=self._row_by_row(compiler))

    def _row_by_row(self, compiler) -> bool:
        wanted = compiler.query.high_mark  # None: every row (a count, an unsliced list)
        return self.few_rows or (wanted is not None and wanted <= self.ROW_BY_ROW_LIMIT)


@cache
def _grant_models(model: type[models.Model]) -> tuple[type[models.Model], type[models.Model]]:
    """guardian's direct group and user grant models of `model` (guardian looks them up anew on
    every call, through the model's related fields and content types)."""
    return get_group_obj_perms_model(model), get_user_obj_perms_model(model)
