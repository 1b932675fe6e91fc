"""Every definition is visible to its own company's workflow creators, whatever made it.

The services grant the rows they insert (with `bulk_create`, which sends no signal). A row
saved any other way (`Model.objects.create`, a shell, `loaddata`) is granted here on its first
save. A data migration's rows (historical models, whose saves reach no receiver here) and rows
inserted with a queryset's `bulk_create` are granted after every `migrate` and `flush`.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from users.roles import WORKFLOW_CREATOR
from workflow_design.access import DESIGN_MODELS
from workflow_design.services import definitions_grant_company_access


def grant_on_create(sender, instance, created, raw, **kwargs) -> None:
    if created:
        definitions_grant_company_access(objects=[instance], new=True)
    elif raw:
        # A fixture loaded over a stored row: grant what the row lacks.
        definitions_grant_company_access(objects=[instance])


for _model in DESIGN_MODELS:
    post_save.connect(grant_on_create, sender=_model, dispatch_uid=f"grant_on_create_{_model.__name__}")


def creator_role_permissions_ensure() -> None:
    """Give the `workflow_creator` system role every model permission of the design models
    (idempotent): the role's group is the users app's, the permissions are this app's."""
    group, _ = Group.objects.get_or_create(name=WORKFLOW_CREATOR)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label=DESIGN_MODELS[0]._meta.app_label,
            content_type__model__in=[model._meta.model_name for model in DESIGN_MODELS],
        )
    )


def _stored_as_declared(model: type[models.Model], apps) -> bool:
    """Whether the database, in the migration state `apps`, has the model's columns.

    A `migrate` to an earlier migration leaves an older table; the sweep waits for the next
    `migrate` to the current state rather than read columns that are not there.
    """
    try:
        stored = apps.get_model(model._meta.label)
    except LookupError:
        return False
    return {f.column for f in stored._meta.concrete_fields} == {f.column for f in model._meta.concrete_fields}


def grant_ungranted_definitions(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> int:
    """Grant their company's creators group on the definitions nobody holds a grant on.

    One query per model finds them: rows with no object permission at all, neither of a group
    nor of a user. A row whose grants someone narrowed by hand (shared with a few users only,
    or its delete right taken away) keeps some grant and is left as it is.
    """
    made = 0
    for model in DESIGN_MODELS:
        if not _stored_as_declared(model, apps):
            continue
        ungranted = (
            model._default_manager.using(using)
            .filter(
                ~Exists(get_group_obj_perms_model(model).objects.filter(content_object=OuterRef("pk"))),
                ~Exists(get_user_obj_perms_model(model).objects.filter(content_object=OuterRef("pk"))),
            )
            .select_related("company__creators_group")
        )
        rows = list(ungranted)
        if rows:
            made += definitions_grant_company_access(objects=rows, new=True)
    return made


def after_migrate(sender, apps=global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Sent for this app after its permissions exist (`migrate`, and `flush` in tests)."""
    creator_role_permissions_ensure()
    grant_ungranted_definitions(apps=apps, using=using)
