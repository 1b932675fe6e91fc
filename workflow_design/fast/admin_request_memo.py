"""The design admin asks each permission question, and reads each object, once per request.

Replaces: asking the permission policy afresh at every call of Django admin's hooks
(`has_view_permission(request, obj)`, `has_change_permission`, ...) and reading the object
afresh at every `get_object`. A change page asks them of the same object many times (the page,
its submit row, each inline, the lifecycle panel, the object-permissions link) and each answer
about one row is a query; kept for the request, the page's query count stays small and the same
whatever the workflow's size. The saving is recorded in docs/performance.md (admin pages).

Actions that need the same object permission share one answer once the policy has allowed
each of them model-wide, which reads no database: publish, archive, new version and change all
need `change` on the workflow (`policy.OBJECT_PERMISSION`), so a workflow page asks for it once.

Can go when the permission policy keeps its own answers for the length of a request, or when
Django's admin asks each hook once per page, and the admin pages still meet their query targets
(`workflow_design/tests/admin/test_query_counts*.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from workflow_design.policy import OBJECT_PERMISSION, Action, DefinitionPolicy, PartPolicy

T = TypeVar("T")

_MEMO = "_workflow_design_admin_memo"


def once(request, key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, worked out the first time `key` is asked during this request."""
    memo: dict[tuple, Any] = request.__dict__.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_all(request) -> None:
    """Drop every answer kept for the request: a refused save builds its page again from the
    same POST, and answers of the rolled-back pass (tasks it saved, then undid) must not stay."""
    request.__dict__.pop(_MEMO, None)


def policy_allows(request, policy: DefinitionPolicy, action: Action | str, obj: models.Model | None = None) -> bool:
    """The policy's answer to "may the request's user do `action` (on `obj`)?", once per request."""
    action = Action(action)
    user = request.user
    if not policy.user_has_permission(user, action):
        return False
    if obj is None:
        return True
    key = ("instance", type(obj), obj.pk, OBJECT_PERMISSION.get(action, action))
    return once(request, key, lambda: policy.user_has_permission_for_instance(user, action, obj))


def part_may_be_added_to(request, policy: PartPolicy, workflow: models.Model) -> bool:
    """The policy's answer to "may the user add tasks (transitions) to `workflow`?", once per request.

    Beyond the part's own permission model-wide, the answer is about the workflow alone (adding
    a part changes its workflow), so tasks and transitions share it.
    """
    if not policy.user_has_permission(request.user, Action.ADD):
        return False
    return once(request, ("add_to", workflow.pk), lambda: policy.user_may_add_to(request.user, workflow))


class ObjectOncePerRequestMixin:
    """A ModelAdmin whose `get_object` reads each object once per GET request.

    Only GET pages: a POST gets a fresh object for its form to change.
    """

    def get_object(self, request, object_id, from_field=None):
        if request.method != "GET":
            return super().get_object(request, object_id, from_field)
        key = ("object", self.model, str(object_id), from_field)
        return once(
            request, key, lambda: super(ObjectOncePerRequestMixin, self).get_object(request, object_id, from_field)
        )
