"""The access layer for definitions: what a user may view, change or delete.

Built on django-guardian object permissions (direct foreign-key tables), always within the
user's own company, with an explicit superuser bypass. The admin's querysets and choice lists,
the REST API and the import resources all read from here; nothing else filters definitions by
company.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import BooleanField, Expression, F, QuerySet
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

DESIGN_MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition)
ACTIONS = ("view", "change", "delete")

M = TypeVar("M", bound=models.Model)


def can_design(user) -> bool:
    """Active staff with the workflow_creator system role, or an active superuser."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or (user.is_staff and user.is_workflow_creator))
    )


def can_design_via_api(user) -> bool:
    """The API needs no staff flag: an active workflow creator (or superuser) may write."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_workflow_creator))


def definitions_for(user, model: type[M], action: str = "view") -> QuerySet[M]:
    """Rows of `model` in the user's company on which they hold the object permission `<action>_<model>`."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    if user.is_superuser:
        return model._default_manager.all()
    if not user.is_workflow_creator:
        return model._default_manager.none()
    if user.company_id is None:  # only superusers may lack a company (a database constraint)
        return model._default_manager.none()
    permission_id = _permission_id(model, action)
    # The user's groups are already loaded (the role check above read them): naming their ids
    # spares the database two joins per query.
    group_ids = [group.pk for group in user.groups.all()]
    # Only object permissions count (the creator role's model permissions would otherwise widen
    # the result to every company's rows), and only within the user's own company: no grant
    # can ever reach another company's row, even one given by mistake.
    return model._default_manager.filter(
        ObjectPermissionHeld(model, permission_id=permission_id, group_ids=group_ids, user_id=user.pk),
        company_id=user.company_id,
    )


class ObjectPermissionHeld(Expression):
    """True for rows on which the user, or one of their groups, holds one object permission.

    Over guardian's direct foreign-key tables, in one of two shapes, both chosen for the planner
    with the company narrowing the rows first (an index leads with it, in each list's order):

    - `pk IN (group grants) OR pk IN (user grants)`: each granted set is hashed once and every
      row is tested against it. Right for counts and deep pages, which read most of the
      company's rows. One `pk IN (... UNION ...)` made PostgreSQL join every granted row before
      it could sort out a page (16 of 34 ms of a 100-task page at 5,000 visible tasks).
    - `EXISTS (a grant of this row)`, one index probe a row: right for a page near the start
      (and for `exists()`/`get()`), which stops after its first rows. PostgreSQL would hash the
      whole granted set for these too (it plans the test as if every row of the company were
      read), so on PostgreSQL a query that asks for at most `ROW_BY_ROW_LIMIT` rows gets this
      shape, kept from hashing by `OFFSET 0`. It saves the hash of a creator's thousands of
      grants: 1.8 of 4.4 ms of a 100-task page at 5,000 visible tasks. A creator sees nearly
      all of their company (its creators group holds a grant on each definition); one who
      sees only a few rows makes the walk longer, at most the company's rows.

    Written as SQL rather than built from querysets: every API request and admin page pays
    for building and compiling it, and the querysets cost ten times as much (about 0.6 ms).
    """

    output_field = BooleanField()
    # Rows a query may ask for and still be tested row by row on PostgreSQL: five pages of 100.
    ROW_BY_ROW_LIMIT = 500

    def __init__(self, model: type[models.Model], *, permission_id: int, group_ids: list[int], user_id: int):
        super().__init__()
        self.model = model
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

    def as_sql(self, compiler, connection, row_by_row: bool = False):
        pk_sql, pk_params = compiler.compile(self.pk)
        quote = connection.ops.quote_name
        tests, params = [], []
        holders = [(get_user_obj_perms_model(self.model), "user", [self.user_id])]
        if self.group_ids:  # `IN ()` is not SQL
            holders.insert(0, (get_group_obj_perms_model(self.model), "group", self.group_ids))
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
                    " AND {holder} IN ({ids}) OFFSET 0)"
                )
                tests.append(template.format(pk=pk_sql, **names))
            else:
                template = "{pk} IN (SELECT {object} FROM {table} WHERE {permission} = %s AND {holder} IN ({ids}))"
                tests.append(template.format(pk=pk_sql, **names))
            params += [*pk_params, self.permission_id, *holder_ids]
        return f"({' OR '.join(tests)})", params

    def as_postgresql(self, compiler, connection):
        wanted = compiler.query.high_mark  # None: every row (a count, an unsliced list)
        row_by_row = wanted is not None and wanted <= self.ROW_BY_ROW_LIMIT
        return self.as_sql(compiler, connection, row_by_row=row_by_row)


# Permission ids never change while the process runs, except when a database is created or
# flushed (tests): `post_migrate` follows both and empties the cache. Django keeps its content
# types the same way.
_permission_ids: dict[tuple[str, str], int] = {}


def _permission_id(model: type[models.Model], action: str) -> int:
    key = (model._meta.app_label, f"{action}_{model._meta.model_name}")
    permission_id = _permission_ids.get(key)
    if permission_id is None:
        permission_id = Permission.objects.get(content_type__app_label=key[0], codename=key[1]).pk
        _permission_ids[key] = permission_id
    return permission_id


@receiver(post_migrate)
def _forget_permission_ids(**kwargs) -> None:
    _permission_ids.clear()


def workflows_for(user, action: str = "view") -> QuerySet[WorkflowDefinition]:
    return definitions_for(user, WorkflowDefinition, action)


def tasks_for(user, action: str = "view") -> QuerySet[TaskDefinition]:
    return definitions_for(user, TaskDefinition, action)


def transitions_for(user, action: str = "view") -> QuerySet[WorkflowTransition]:
    return definitions_for(user, WorkflowTransition, action)


def tickets_for(user, action: str = "view") -> QuerySet[TicketDefinition]:
    return definitions_for(user, TicketDefinition, action)


def user_may(user, action: str, obj: models.Model) -> bool:
    """Whether `user` holds `<action>` on this one object (one query)."""
    return definitions_for(user, type(obj), action).filter(pk=obj.pk).exists()


def company_for_new_definition(user, requested_company=None):
    """The company a new definition of `user` belongs to: their own unless they are a superuser."""
    if user.is_superuser and requested_company is not None:
        return requested_company
    return user.company


def audit_entries_of(obj: models.Model) -> QuerySet:
    """The audit trail of one object the caller has already been allowed to see."""
    from django.contrib.contenttypes.models import ContentType

    from workflow_design.models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


def audit_entries_for(user) -> QuerySet:
    """The company-wide audit trail (deleted definitions included): company admins and superusers."""
    from workflow_design.models import AuditEntry

    entries = AuditEntry.objects.select_related("actor", "content_type")
    if not user.is_authenticated or not user.is_active:
        return entries.none()
    if user.is_superuser:
        return entries
    if user.is_company_admin and user.company_id is not None:
        return entries.filter(company_id=user.company_id)
    return entries.none()
