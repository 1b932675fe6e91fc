"""Whether a definition may still change, and the one concurrency token every write checks.

A definition is editable while it is a draft; a task or transition follows its workflow. The
stored status decides (an object read earlier may be stale), read under a row lock so that a
publish and a save of the same definition run one after the other.

The token is the holder's `revision`: a workflow's (for the workflow and its parts) or a ticket
definition's. Every saved change raises it; a caller that read revision N may say so
(`expected_revision=N`) and is refused if someone saved in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.services.rows import PARTS


def holder_of(obj: models.Model) -> models.Model:
    """The row whose status and revision `obj` shares: its workflow for a part, else itself."""
    return obj.workflow if isinstance(obj, PARTS) else obj  # type: ignore[attr-defined]


def holder_model(model: type[models.Model]) -> type[models.Model]:
    return WorkflowDefinition if model in PARTS else model


def read_only_message(holder: models.Model, status: str) -> str:
    return _("%(object)s is %(status)s and read-only; create a new version to change it.") % {
        "object": holder,
        "status": DefinitionStatus(status).label.lower(),
    }


def gone_message(holder: models.Model) -> str:
    return _("%(object)s no longer exists; reload the page.") % {"object": holder}


def stale_message(holder: models.Model) -> str:
    return _(
        "Someone else changed the %(kind)s %(slug)s since you opened it. Reload it to see their changes, then "
        "make yours again; nothing of yours was saved."
    ) % {"kind": holder._meta.verbose_name, "slug": holder.slug}  # type: ignore[attr-defined]


def lock_holders(model: type[models.Model], pks: Sequence[int]) -> dict[int, tuple[str, int]]:
    """One query: lock the holders until commit and read their stored (status, revision).

    In primary-key order, so two writers over the same rows never lock crosswise.
    """
    rows = holder_model(model)._default_manager.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    return {pk: (status, revision) for pk, status, revision in rows.values_list("pk", "status", "revision")}


def holder_refusal(
    holder: models.Model, stored: dict[int, tuple[str, int]], expected_revision: int | None
) -> ValidationError | None:
    """Why a write to `holder` is refused (gone, not a draft, or stale), or None."""
    state = stored.get(holder.pk)
    if state is None:
        return ValidationError(gone_message(holder), code="missing")
    status, revision = state
    if status != DefinitionStatus.DRAFT:
        return ValidationError(read_only_message(holder, status), code="read_only")
    if expected_revision is not None and revision != expected_revision:
        return ValidationError(stale_message(holder), code="stale")
    return None


def on_row(obj: models.Model, refusal: ValidationError) -> ValidationError:
    """A holder's refusal as a row's error: on the row's `workflow` for a part."""
    return ValidationError({"workflow": [refusal]}) if isinstance(obj, PARTS) else refusal


def raise_revisions(holders: Sequence[models.Model]) -> None:
    """One UPDATE raises the revision of every touched holder, one read gives the objects theirs.

    Read back rather than computed from the locked read: SQLite takes no row locks, so another
    writer may have committed in between there.
    """
    if not holders:
        return
    model = type(holders[0])
    by_pk: dict[int, list[Any]] = {}
    for holder in holders:
        by_pk.setdefault(holder.pk, []).append(holder)
    rows = model._default_manager.filter(pk__in=list(by_pk))
    rows.update(revision=models.F("revision") + 1)
    for pk, revision in rows.values_list("pk", "revision"):
        for holder in by_pk[pk]:
            holder.revision = revision
