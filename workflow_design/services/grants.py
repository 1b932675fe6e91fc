"""Every definition is visible to its own company's workflow creators: their group's grants.

The services grant the rows they create; the signal receivers in `workflow_design.signals`
grant rows made by any other path (the ORM, a shell, `loaddata`, a data migration).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import Permission
from django.db import models, transaction
from guardian.utils import get_group_obj_perms_model

from users.services import company_ensure_groups
from workflow_design.fast.grant_insert import grant_new_rows

# The object permissions a company's creators group holds on each of the company's definitions.
GRANTED_ACTIONS = ("view", "change", "delete")


@transaction.atomic
def definitions_grant_company_access(*, objects: Sequence[models.Model], new: bool = False) -> int:
    """Grant each object's company creators group view/change/delete on it; return rows made.

    One query per model for the permissions and one insert per model and company: a 200-task
    bundle costs the same few queries as one task. `new=True` says the objects were inserted in
    this transaction, so no grant of theirs can exist yet and none is looked up.
    """
    if not objects:
        return 0
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    created = 0
    groups: dict[int, Any] = {}
    for model, rows in by_model.items():
        codenames = [f"{action}_{model._meta.model_name}" for action in GRANTED_ACTIONS]
        permission_ids = list(
            Permission.objects.filter(
                content_type__app_label=model._meta.app_label, codename__in=codenames
            ).values_list("pk", flat=True)
        )
        grants = get_group_obj_perms_model(model)
        by_group: dict[int, list[int]] = {}
        for obj in rows:
            company_id = obj.company_id  # type: ignore[attr-defined]
            if company_id not in groups:
                groups[company_id] = company_ensure_groups(company=obj.company)  # type: ignore[attr-defined]
            by_group.setdefault(groups[company_id].pk, []).append(obj.pk)
        if new:
            for group_id, object_ids in by_group.items():
                created += grant_new_rows(model, grants, permission_ids, group_id, object_ids)
            continue
        existing = set(
            grants.objects.filter(content_object__in=rows, permission__in=permission_ids).values_list(
                "content_object_id", "permission_id", "group_id"
            )
        )
        missing = [
            grants(content_object_id=object_id, permission_id=permission_id, group_id=group_id)
            for group_id, object_ids in by_group.items()
            for object_id in object_ids
            for permission_id in permission_ids
            if (object_id, permission_id, group_id) not in existing
        ]
        grants.objects.bulk_create(missing)
        created += len(missing)
    return created
