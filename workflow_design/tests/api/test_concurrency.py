"""No lost updates: the revision a client last read (`expected_revision` or `If-Match`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.db import connection

from ticketflower.testing.concurrency import run_at_once
from ticketflower.testing.factories import CompanyFactory, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from users.serializers import tokens_for
from workflow_design.tests.api.samples import TK, T, W


def test_stale_workflow_revision_is_refused_with_409(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    seen = api.get(f"{W}{workflow.pk}/").json()["revision"]
    first = api.patch(f"{W}{workflow.pk}/", {"title": "First", "expected_revision": seen}, format="json")
    assert first.status_code == 200
    second = api.patch(f"{W}{workflow.pk}/", {"title": "Second", "expected_revision": seen}, format="json")
    assert second.status_code == 409
    assert "Someone else changed" in second.json()["non_field_errors"][0]
    task = workflow.tasks.first()
    stale_task = api.patch(f"{T}{task.pk}/", {"title": "Late"}, format="json", HTTP_IF_MATCH=f'"{seen}"')
    assert stale_task.status_code == 409
    stale_delete = api.delete(f"{T}{task.pk}/", HTTP_IF_MATCH=str(seen))
    assert stale_delete.status_code == 409
    workflow.refresh_from_db()
    task.refresh_from_db()
    assert workflow.title == "First" and task.title != "Late"
    current = api.get(f"{W}{workflow.pk}/").json()["revision"]
    fresh = api.patch(f"{T}{task.pk}/", {"title": "Fresh", "expected_revision": current}, format="json")
    assert fresh.status_code == 200
    assert api.patch(f"{W}{workflow.pk}/", {"title": "X"}, HTTP_IF_MATCH="abc").status_code == 400


def test_stale_ticket_revision_is_refused_with_409(api, creator_a):
    ticket = TicketFactory(workflow=WorkflowFactory(company=creator_a.company))
    seen = api.get(f"{TK}{ticket.pk}/").json()["revision"]
    first = api.patch(f"{TK}{ticket.pk}/", {"title": "One", "expected_revision": seen}, format="json")
    assert first.status_code == 200
    assert first.json()["revision"] > seen
    late = api.patch(f"{TK}{ticket.pk}/", {"title": "Two"}, format="json", HTTP_IF_MATCH=f'"{seen}"')
    assert late.status_code == 409
    assert "Someone else changed" in late.json()["non_field_errors"][0]
    ticket.refresh_from_db()
    assert ticket.title == "One"
    current = first.json()["revision"]
    fresh = api.patch(f"{TK}{ticket.pk}/", {"title": "Three"}, format="json", HTTP_IF_MATCH=str(current))
    assert fresh.status_code == 200
    assert api.patch(f"{TK}{ticket.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH="abc").status_code == 400


@pytest.mark.parametrize("kind", ["workflow", "ticket"])
def test_stale_delete_is_refused_with_409(api, workflow, kind):
    row = workflow if kind == "workflow" else TicketFactory(workflow=workflow)
    url = f"{W if kind == 'workflow' else TK}{row.pk}/"
    seen = api.get(url).json()["revision"]
    assert api.patch(url, {"title": "Changed"}, format="json").status_code == 200
    stale = api.delete(url, HTTP_IF_MATCH=f'"{seen}"')
    assert stale.status_code == 409
    assert type(row).objects.filter(pk=row.pk).exists()
    assert api.delete(url, HTTP_IF_MATCH=f'"{seen + 1}"').status_code == 204


@pytest.mark.parametrize("kind", ["workflow", "ticket", "task"])
def test_etag_is_the_revision_and_if_match_with_it_guards_the_change(api, creator_a, kind):
    workflow = simple_workflow(creator_a.company, tasks=1)
    row = {"workflow": workflow, "task": workflow.tasks.first()}.get(kind) or TicketFactory(workflow=workflow)
    url = f"{ {'workflow': W, 'task': T, 'ticket': TK}[kind] }{row.pk}/"
    read = api.get(url)
    holder = row if kind != "task" else workflow
    holder.refresh_from_db()
    assert read["ETag"] == f'"{holder.revision}"'
    changed = api.patch(url, {"title": "Tagged"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] == f'"{holder.revision + 1}"'
    late = api.patch(url, {"title": "Late"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert late.status_code == 409
    assert type(row).objects.get(pk=row.pk).title == "Tagged"


@pytest.mark.parametrize("kind", ["workflow", "ticket"])
def test_row_sent_back_with_its_stale_revision_is_refused(api, workflow, kind):
    row = workflow if kind == "workflow" else TicketFactory(workflow=workflow)
    url = f"{W if kind == 'workflow' else TK}{row.pk}/"
    read = api.get(url).json()
    assert api.patch(url, {"description": "Someone else"}, format="json").status_code == 200
    stale = api.patch(url, {**read, "title": "Mine"}, format="json")
    assert stale.status_code == 409
    assert "Someone else changed" in stale.json()["non_field_errors"][0]
    fresh = api.get(url).json()
    assert api.patch(url, {**fresh, "title": "Mine"}, format="json").status_code == 200
    row.refresh_from_db()
    assert (row.title, row.description) == ("Mine", "Someone else")
    assert api.patch(url, {"title": "X", "revision": "two"}, format="json").json() == {
        "revision": ["Send the revision you last read."]
    }


# Simultaneous writers over HTTP ------------------------------------------------------------------

RACE_ROUNDS = 20


def _send(url: str, token: str, method: str, body: dict) -> tuple[int, dict]:
    """One HTTP request to the live server: its status and its JSON body."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            **({"Authorization": f"Bearer {token}"} if token else {}),
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as refused:
        status, raw = refused.code, refused.read()
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:  # a server error's page
        return status, {"page": raw[:300].decode(errors="replace")}


RACED = {"workflow": W, "ticket": TK, "task": T}
RACER = "racer@racers.example"


def patch_race(row, token: str, first: str, second: str) -> list:
    """RACE_ROUNDS rounds of two PATCHes at once without a revision, one changing the title (to
    `first`), one the description (to `second`); the rounds where a change was lost."""
    lost = []
    for round_ in range(RACE_ROUNDS):
        title, description = f"Title {round_}", f"Description {round_}"
        statuses = run_at_once(
            lambda: _send(first, token, "PATCH", {"title": title}),  # noqa: B023 - run within the round
            lambda: _send(second, token, "PATCH", {"description": description}),  # noqa: B023
        )
        assert [status for status, _body in statuses] == [200, 200], (round_, statuses, connection.vendor)
        row.refresh_from_db()
        if (row.title, row.description) != (title, description):
            lost.append((round_, row.title, row.description))
    return lost


def race_world(kind: str):
    company = CompanyFactory(slug="racers")
    user = UserFactory(company=company, email=RACER, creator=True)
    workflow = simple_workflow(company, tasks=1)
    rows = {"workflow": workflow, "task": workflow.tasks.first()}
    row = rows.get(kind) or TicketFactory(workflow=workflow, company=company, slug="raced-ticket")
    return row, tokens_for(user)["access"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", RACED)
def test_simultaneous_patches_of_different_fields_both_survive(live_server, kind):
    """Two writers without a revision, each changing another field, 20 times: nothing is lost
    (on PostgreSQL the row lock orders them; SQLite takes its write lock when they begin)."""
    row, token = race_world(kind)
    url = f"{live_server.url}{RACED[kind]}{row.pk}/"
    lost = patch_race(row, token, url, url)
    assert lost == [], f"{len(lost)} of {RACE_ROUNDS} rounds lost a change on {connection.vendor}: {lost[:3]}"


CLASH_ROUNDS = 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["workflow", "task", "ticket"])
def test_simultaneous_creates_with_one_slug_refuse_the_second_at_the_slug(live_server, kind):
    """One is made, the other answers 400 naming the slug; never a server error."""
    workflow_row, token = race_world("workflow")
    url = {
        "workflow": f"{live_server.url}{W}",
        "task": f"{live_server.url}{W}{workflow_row.pk}/tasks/",
        "ticket": f"{live_server.url}{TK}",
    }[kind]
    for round_ in range(CLASH_ROUNDS):
        body = {"title": f"Twin {round_}", "slug": f"twin-{round_}"}
        if kind == "ticket":
            body["workflow"] = workflow_row.pk
        answers = run_at_once(lambda: _send(url, token, "POST", body), lambda: _send(url, token, "POST", body))  # noqa: B023
        assert sorted(status for status, _body in answers) == [201, 400], (round_, answers, connection.vendor)
        refused = next(data for status, data in answers if status == 400)
        assert list(refused) == ["slug"], refused
