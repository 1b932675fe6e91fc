"""An API list's count counted while its page is written: `PipelinedCountPaginator`.

Replaces: Django's `Paginator` over a queryset on PostgreSQL, which counts the rows (a query,
waited for) before it reads the page. This paginator reads the page first, then sends the count
in psycopg's pipeline mode and reads the answer only when the response needs it: PostgreSQL
counts while Python writes the page's rows. The saving is recorded in docs/performance.md (REST
API lists).

A page with no row needs no count: page 1 is the empty list (a count of 0) and a later page lies
past the end, refused as Django refuses it. Django's own order (count, then page) is kept for
SQLite, for a libpq without pipeline mode, for a queryset whose count is not a plain count of
its rows (DISTINCT, GROUP BY, a UNION, annotations) and for a page asked for from the end
(`?page=last`, which needs the count first).

Whoever made the paginator calls `close()` once the answer is written, whatever happened
(`DefinitionViewSet.list`): it ends the pipeline, so the connection leaves it as it came.

Can go when the REST API lists meet their docs/performance.md targets with the count waited for
(`bench/run.py`, part 4).
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Func, IntegerField, QuerySet
from django.utils.functional import cached_property

# OFFSET and LIMIT are 64-bit integers on both databases: a page past that is past every list's end.
LARGEST_OFFSET = 2**63 - 1
_COUNT = "page_count"


class PipelinedCountPaginator(Paginator):
    """Django's paginator, counting a queryset's rows while its page is written (PostgreSQL).

    `page_rows`, when given, adds to the page's query what only the rows shown need (a
    transition's task slugs): the count counts the rows as they are.
    """

    def __init__(self, object_list, per_page, *, page_rows: Callable[[QuerySet], QuerySet] | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.page_rows = page_rows
        self._pending = None  # (pipeline, cursor) of a count sent and not yet read

    def page(self, number):
        rows = self.object_list
        if "count" in self.__dict__ or self.orphans or not _counts_alongside(rows):
            return super().page(number)
        number = self._whole_number(number)
        bottom = (number - 1) * self.per_page
        if bottom + self.per_page > LARGEST_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        shown = self.page_rows(rows) if self.page_rows is not None else rows
        found = list(shown[bottom : bottom + self.per_page])
        if found:
            self._send_count(rows)
        elif number == 1 and self.allow_empty_first_page:
            self.count = 0
        else:
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page(found, number, self)

    @cached_property
    def count(self) -> int:
        if self._pending is None:
            return Paginator.count.func(self)
        _pipeline, cursor = self._pending
        try:
            (total,) = cursor.fetchone()
        finally:
            self.close()
        return total

    def close(self) -> None:
        """End the count's pipeline, read or not (its answer is then dropped)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pipeline, cursor = pending
            try:
                cursor.close()
            finally:
                pipeline.__exit__(None, None, None)

    def _get_page(self, object_list, number, paginator):
        # Django's hook for the page made of `object_list[bottom:top]` (its own count-first path).
        if self.page_rows is not None and isinstance(object_list, QuerySet):
            object_list = self.page_rows(object_list)
        return super()._get_page(object_list, number, paginator)

    def _whole_number(self, number) -> int:
        """The page number as `validate_number` reads it, less the test against the count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def _send_count(self, rows: QuerySet) -> None:
        # `COUNT(*)` as a plain function: Django's aggregate would make the query GROUP BY.
        count = Func(template="COUNT(*)", output_field=IntegerField())
        counted = rows.order_by().annotate(**{_COUNT: count}).values_list(_COUNT)
        sql, params = counted.query.get_compiler(rows.db).as_sql()
        connection = connections[rows.db]
        pipeline = connection.connection.pipeline()
        pipeline.__enter__()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
        except BaseException:
            pipeline.__exit__(None, None, None)
            raise
        self._pending = (pipeline, cursor)


def _counts_alongside(rows) -> bool:
    """Whether `rows` is a queryset on PostgreSQL whose count is `COUNT(*)` over the page's
    FROM and WHERE, and the connection can pipeline."""
    if not isinstance(rows, QuerySet) or connections[rows.db].vendor != "postgresql":
        return False
    query = rows.query
    plain = not (query.distinct or query.group_by or query.combinator or query.is_sliced or query.annotation_select)
    return plain and psycopg.Pipeline.is_supported()
