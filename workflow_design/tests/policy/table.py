"""The permission table of docs/permissions.md as data: every action × role, for workflow definitions.

The policy tests, the path tests (admin, API, files, commands) and the check that the document
says the same all read this one structure. Change a rule here and in the document together.
"""

from __future__ import annotations

from workflow_design.policy import Action

ALLOWED = "allowed"
REFUSED = "refused"
NOT_FOUND = "not found"

# The roles, in the order of the document's columns, with the heading each column has there.
ROLES = {
    "superuser": "platform superuser",
    "company_admin": "company admin, not a creator",
    "creator": "workflow creator",
    "admin_creator": "company admin and creator",
    "staff": "staff, not a creator",
    "other_creator": "another company's creator",
    "inactive": "inactive creator",
}

# The action's name in the document's rows.
ACTION_NAMES = {
    Action.VIEW: "view",
    Action.ADD: "add",
    Action.CHANGE: "change",
    Action.DELETE: "delete",
    Action.PUBLISH: "publish",
    Action.ARCHIVE: "archive",
    Action.NEW_VERSION: "new version",
    Action.IMPORT: "import",
    Action.EXPORT: "export",
    Action.GRANT: "grant",
}

A, R, N = ALLOWED, REFUSED, NOT_FOUND

# What each role may do with a workflow definition of the creators' company ("alpha"); `add` and
# `import` make a new one (another company's creator makes it in their own company).
_ROWS = {
    #                  superuser company_admin creator admin_creator staff other_creator inactive
    Action.VIEW: (A, R, A, A, R, N, R),
    Action.ADD: (A, R, A, A, R, A, R),
    Action.CHANGE: (A, R, A, A, R, N, R),
    Action.DELETE: (A, R, A, A, R, N, R),
    Action.PUBLISH: (A, R, A, A, R, N, R),
    Action.ARCHIVE: (A, R, A, A, R, N, R),
    Action.NEW_VERSION: (A, R, A, A, R, N, R),
    Action.IMPORT: (A, R, A, A, R, A, R),
    Action.EXPORT: (A, R, A, A, R, N, R),
    Action.GRANT: (A, R, R, A, R, R, R),
}

TABLE: dict[Action, dict[str, str]] = {action: dict(zip(ROLES, row, strict=True)) for action, row in _ROWS.items()}

# Actions on a stored row; the others (`add`, `import`) make new rows.
ROW_ACTIONS = tuple(action for action in TABLE if action not in (Action.ADD, Action.IMPORT))


def cells(actions=None):
    """Every (action, role, expected) of the table, for `pytest.mark.parametrize`."""
    return [
        (action, role, expected)
        for action, row in TABLE.items()
        if actions is None or action in actions
        for role, expected in row.items()
    ]
