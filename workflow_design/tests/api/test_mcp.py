"""The MCP endpoint at /api/mcp/, driven by the official `mcp` client library over HTTP."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from ticketflower.testing.bundles import one_task_bundle_from_schema
from ticketflower.testing.factories import UserFactory, simple_workflow
from users.serializers import tokens_for
from workflow_design.models import AuditChannel, AuditEntry, DefinitionStatus, WorkflowDefinition

pytestmark = pytest.mark.django_db(transaction=True)


def _session(live_server, token: str, steps):
    """Run `steps(session)` in an initialised MCP client session of the bearer of `token`."""

    async def run():
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as http:
            async with streamable_http_client(f"{live_server.url}/api/mcp/", http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await steps(session)

    # In a thread of its own: a browser test's Playwright keeps an event loop running in the main
    # thread of this process, and asyncio.run() refuses to start inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _value(result):
    """A tool's answer: its structured value, or the error text of a refused call."""
    if result.isError:
        return {"error": " ".join(item.text for item in result.content)}
    structured = result.structuredContent
    if structured is not None:
        return structured.get("result", structured) if list(structured) == ["result"] else structured
    return json.loads(result.content[0].text)


def _call(live_server, user, name: str, **arguments):
    async def steps(session):
        return _value(await session.call_tool(name, arguments))

    return _session(live_server, tokens_for(user)["access"], steps)


def test_mcp_lists_the_design_tools_and_no_publish(live_server, creator_a):
    async def steps(session):
        return {tool.name for tool in (await session.list_tools()).tools}

    names = _session(live_server, tokens_for(creator_a)["access"], steps)
    assert {"bundle_schema", "list_workflows", "get_workflow", "validate_bundle", "dry_run"} <= names
    assert "import_bundle_as_draft" in names
    assert not any("publish" in name for name in names)


def test_mcp_refuses_a_publish_attempt(live_server, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    answer = _call(live_server, creator_a, "publish_workflow", workflow_id=workflow.pk)
    assert "error" in answer and "publish_workflow" in answer["error"]
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_mcp_without_a_token_is_refused(live_server, db):
    response = httpx.post(f"{live_server.url}/api/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "initialize"})
    assert response.status_code == 401


def test_mcp_refuses_a_user_who_is_not_a_designer(live_server, company_a):
    plain = UserFactory(company=company_a, email="plain@alpha.example")
    response = httpx.post(
        f"{live_server.url}/api/mcp/",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {tokens_for(plain)['access']}"},
    )
    assert response.status_code == 403


def test_mcp_refuses_a_bundle_nested_too_deep(live_server, creator_a):
    deep: dict = {}
    node = deep
    for _ in range(60):
        node["x"] = {}
        node = node["x"]
    answer = _call(live_server, creator_a, "validate_bundle", bundle=deep)
    assert "nested more than" in answer["error"]


def test_mcp_isolation_matrix(live_server, creator_a, creator_b):
    own = simple_workflow(creator_a.company, tasks=1)
    other = simple_workflow(creator_b.company, tasks=1)
    listed = _call(live_server, creator_a, "list_workflows")
    assert [row["id"] for row in listed] == [own.pk]
    for name in ("get_workflow", "lint_stored_workflow", "dry_run"):
        assert "error" not in _call(live_server, creator_a, name, workflow_id=own.pk), name
        refused = _call(live_server, creator_a, name, workflow_id=other.pk)
        assert refused["error"].endswith(f": No workflow {other.pk}."), (name, refused)
        assert other.slug not in refused["error"]
    assert [row["id"] for row in _call(live_server, creator_b, "list_workflows")] == [other.pk]


def test_mcp_designs_validates_and_imports_a_draft(live_server, creator_a):
    schema = _call(live_server, creator_a, "bundle_schema")
    bundle = one_task_bundle_from_schema(
        schema, slug="assistant-made", title="Made by an assistant", task_slug="check", task_title="Check", priority=1
    )
    validation = _call(live_server, creator_a, "validate_bundle", bundle=bundle)
    assert validation["ok"] is True, validation["findings"]
    assert not WorkflowDefinition.objects.filter(slug="assistant-made").exists()

    imported = _call(live_server, creator_a, "import_bundle_as_draft", bundle=bundle)
    assert imported["saved"] is True, imported
    workflow = WorkflowDefinition.objects.get(slug="assistant-made")
    assert workflow.company == creator_a.company and workflow.status == DefinitionStatus.DRAFT
    assert imported["workflow"]["id"] == workflow.pk

    entry = AuditEntry.objects.get(object_id=workflow.pk, content_type__model="workflowdefinition")
    assert entry.actor == creator_a and entry.channel == AuditChannel.MCP

    again = _call(live_server, creator_a, "validate_bundle", bundle=bundle)
    clash = [f for f in again["findings"] if f["code"] == "slug-clash"]
    assert clash and clash[0]["pointer"] == "/workflow/slug" and clash[0]["patch"]


def test_mcp_import_of_a_broken_bundle_saves_nothing_and_points(live_server, creator_a):
    bundle = {
        "format": "ticketflower.workflow-bundle",
        "format_version": 1,
        "workflow": {"slug": "broken", "title": "Broken"},
        "tasks": [{"slug": "a", "title": "A", "position": "first"}],
    }
    imported = _call(live_server, creator_a, "import_bundle_as_draft", bundle=bundle)
    assert imported["saved"] is False
    assert [(e["code"], e["pointer"]) for e in imported["errors"]] == [("expected-integer", "/tasks/0/position")]
    assert not WorkflowDefinition.objects.filter(slug="broken").exists()
    assert not AuditEntry.objects.exists()


def test_mcp_refuses_a_call_larger_than_a_bundle_file(live_server, creator_a, settings):
    settings.TICKETFLOWER_MAX_UPLOAD_BYTES = 2048
    response = httpx.post(
        f"{live_server.url}/api/mcp/",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "x", "arguments": {"a": "b" * 4096}},
        },
        headers={"Authorization": f"Bearer {tokens_for(creator_a)['access']}"},
    )
    assert response.status_code == 400
    assert "files up to 2 KB" in response.text


def _small_bundle(slug: str) -> dict:
    return {
        "format": "ticketflower.workflow-bundle",
        "format_version": 1,
        "workflow": {"slug": slug, "title": slug.title()},
        "tasks": [{"slug": "check", "title": "Check"}],
        "transitions": [
            {"slug": "in", "from_task": None, "to_task": "check", "priority": 1},
            {"slug": "out", "from_task": "check", "to_task": None, "priority": 1},
        ],
    }


def test_mcp_superuser_imports_into_the_company_named_and_others_into_their_own(
    live_server, superuser, creator_a, company_a, company_b
):
    # A platform superuser (no company of its own) names the company by slug
    imported = _call(
        live_server, superuser, "import_bundle_as_draft", bundle=_small_bundle("for-beta"), company=company_b.slug
    )
    assert imported["saved"] is True, imported
    assert WorkflowDefinition.objects.get(slug="for-beta").company == company_b

    # A company's creator naming another company still imports into their own
    imported = _call(
        live_server, creator_a, "import_bundle_as_draft", bundle=_small_bundle("for-alpha"), company=company_b.slug
    )
    assert imported["saved"] is True, imported
    assert WorkflowDefinition.objects.get(slug="for-alpha").company == company_a

    # A superuser naming no company, or one that does not exist, is refused and nothing is saved
    refused = _call(live_server, superuser, "import_bundle_as_draft", bundle=_small_bundle("nowhere"), company="nope")
    assert "No company nope" in refused["error"]
    refused = _call(live_server, superuser, "import_bundle_as_draft", bundle=_small_bundle("nowhere"))
    assert "Choose the company the new definition belongs to" in refused["error"]
    assert not WorkflowDefinition.objects.filter(slug="nowhere").exists()
