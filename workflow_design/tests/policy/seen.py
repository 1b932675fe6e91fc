"""What a path did with one cell of the permission table, in the table's words.

Each path test turns its answer (a response, a command's error, a hook's yes or no) into a
`Seen`: the outcome ("allowed", "refused", "not found"), whether the action's effect is in the
database or the body, and the refusal's message. `assert_cell` then checks it against the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from workflow_design.policy import DENIED, Action
from workflow_design.tests.policy.table import ALLOWED, NOT_FOUND, REFUSED

# The message of a refusal to someone who is not signed in (an inactive user never is).
SIGNED_OUT = "not signed in"


@dataclass(frozen=True)
class Seen:
    outcome: str
    done: bool  # the action's effect is in the database (or the answer's body)
    message: str = ""  # a refusal's message, where the path shows one
    detail: str = ""  # what happened, for the failure report

    def __str__(self) -> str:
        return f"{self.outcome}, done={self.done}, message={self.message!r}: {self.detail}"


def http_outcome(status: int, *, login_redirect: bool = False) -> str:
    if login_redirect or status == 401:
        return REFUSED
    if status == 403:
        return REFUSED
    if status == 404:
        return NOT_FOUND
    if status < 400:
        return ALLOWED
    return f"HTTP {status}"


def admin_page_seen(response, done: bool, what: str) -> Seen:
    """An admin page's answer: a redirect to the login page is a refusal of someone signed out."""
    login = response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    return Seen(
        outcome=http_outcome(response.status_code, login_redirect=login),
        done=done,
        message=SIGNED_OUT if login else "",
        detail=f"{what} answered {response.status_code}",
    )


def assert_cell(seen: Seen, *, action: Action, role: str, expected: str, messages: bool) -> None:
    """The path did what the table says: the outcome, the effect only when allowed, the one message."""
    assert (seen.outcome, seen.done) == (expected, expected == ALLOWED), str(seen)
    if expected != REFUSED:
        return
    if role == "inactive":
        assert seen.message == SIGNED_OUT, str(seen)
    elif messages:
        assert str(DENIED[action]) in seen.message, str(seen)
