"""Who may call which API action: the permission policy answers, this class only asks it.

Each viewset names its policy (`policy`) and the policy action of each of its actions
(`policy_actions`). Every action, lists included, asks the policy model-wide first (the designer
role and the model permission: without them the answer is 403 with the policy's message), and an
action on a row then asks about that row (`has_object_permission`, run by DRF's `get_object`).

Rows are looked up among the policy's `instances_user_has_permission_for(user, "view")`: another
company's row is not found. Having found the row there is the policy's answer for viewing it, so
reads ask nothing more of the row.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import permissions

from workflow_design.policy import DENIED, Action

# DRF's own actions: OPTIONS ("metadata", which asks again for each form it describes) and a
# method the route does not have (None, answered 405).
FRAMEWORK_ACTIONS = ("metadata", None)


def _policy_action(request, view) -> Action | None:
    """The policy action of the request's view action (None: DRF's own actions)."""
    # By method, through the route's own action map: the browsable API and OPTIONS ask about
    # the forms of other methods with copies of the request (a list page's POST is "create").
    name = getattr(view, "action_map", {}).get(request.method.lower(), view.action)
    if name in view.policy_actions:
        return view.policy_actions[name]
    if name in FRAMEWORK_ACTIONS:
        return None
    # An action nobody gave a rule is an error of the code, not an open door.
    raise ImproperlyConfigured(f"{type(view).__name__}.policy_actions has no rule for {name!r}.")


class PolicyPermission(permissions.BasePermission):
    """Asks the view's permission policy about the view's action, model-wide and on the row."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = _policy_action(request, view)
        if action is None:
            return True
        self.message = DENIED[action]
        return view.policy.user_has_permission(user, action)

    def has_object_permission(self, request, view, obj):
        action = _policy_action(request, view)
        if action is None or action is Action.VIEW:
            return True
        self.message = DENIED[action]
        return view.policy.user_has_permission_for_instance(request.user, action, obj)
