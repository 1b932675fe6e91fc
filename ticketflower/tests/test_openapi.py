"""The OpenAPI schema: valid, complete (errors documented), enough on its own for a client
script, and fuzzed operation by operation with schemathesis without a single server error."""

from __future__ import annotations

import json

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.generation import GenerationMode

from ticketflower.testing.factories import CompanyRoleFactory, TicketFactory, simple_workflow
from users.serializers import tokens_for
from workflow_design.models import DefinitionStatus, WorkflowDefinition

DEMO_PASSWORD = "TicketFlower-demo-2026"
# Quick hashing for test users; PBKDF2 still verifies the demo fixture's passwords.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _schema()
OPERATIONS = [
    (path, method)
    for path, item in SCHEMA["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
]


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    cache.clear()


# The schema itself ------------------------------------------------------------------------------


def test_schema_endpoint_serves_a_valid_openapi_3_document(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)
    assert document["info"]["title"] == "TicketFlower workflow design API"
    assert "jwtAuth" in document["components"]["securitySchemes"]


def test_schema_describes_every_api_route_and_its_errors():
    paths = set(SCHEMA["paths"])
    for expected in (
        "/api/login/",
        "/api/token/refresh/",
        "/api/logout/",
        "/api/create-company/",
        "/api/workflow/workflows/",
        "/api/workflow/workflows/{id}/publish/",
        "/api/workflow/workflows/{id}/new-version/",
        "/api/workflow/workflows/{id}/lint/",
        "/api/workflow/workflows/{id}/bundle/",
        "/api/workflow/workflows/import-bundle/",
        "/api/workflow/workflows/{workflow_pk}/tasks/",
        "/api/workflow/workflows/{workflow_pk}/transitions/{id}/",
        "/api/workflow/tasks/{id}/",
        "/api/workflow/transitions/",
        "/api/workflow/tickets/{id}/",
    ):
        assert expected in paths
    for path, method in OPERATIONS:
        operation = SCHEMA["paths"][path][method]
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        # No `security` (and no document-wide one): a public operation, with no 401 to describe.
        public = operation.get("security", []) == []
        if not public and path not in ("/api/login/", "/api/token/refresh/", "/api/logout/"):
            assert "401" in responses, (method, path)
        if "{id}" in path or "{workflow_pk}" in path:
            assert "404" in responses, (method, path)
        if method in {"post", "put", "patch"}:
            assert "400" in responses, (method, path)
        if method in {"put", "patch", "delete"} and path.startswith("/api/workflow/"):
            assert "409" in responses, (method, path)
        assert all(responses[code].get("description") for code in responses if code[0] in "45"), (method, path)


def test_task_and_ticket_schemas_expose_generated_json_schemas():
    components = SCHEMA["components"]["schemas"]
    assert {"input_json_schema", "output_json_schema"} <= set(components["Task"]["properties"])
    assert "json_schema" in components["Ticket"]["properties"]
    for name in ("Task", "Ticket", "Workflow"):
        assert components[name]["properties"]["company"]["readOnly"] is True
        assert components[name]["properties"]["created_by"]["readOnly"] is True


# A client driven only by the schema and the demo login ------------------------------------------------


class SchemaClient:
    """Finds each operation in the schema by its tag, method and path shape; no URL is hard-coded."""

    def __init__(self, base: APIClient, document: dict):
        self.http = base
        self.document = document

    def path_for(self, method: str, ends_with: str) -> str:
        candidates = [p for p, item in self.document["paths"].items() if method in item and p.endswith(ends_with)]
        assert len(candidates) == 1, (method, ends_with, candidates)
        return candidates[0]

    def call(self, method: str, ends_with: str, body=None, **params):
        path = self.path_for(method, ends_with).format(**params)
        return getattr(self.http, method)(path, body, format="json")

    def create(self, ends_with: str, body: dict, **params) -> dict:
        """POST a new row; the answer must be 201. Returns the row as the API answered it."""
        made = self.call("post", ends_with, body, **params)
        assert made.status_code == 201, made.json()
        return made.json()


def test_a_script_using_only_the_schema_and_demo_login_designs_and_publishes_a_workflow(db):
    call_command("loaddata", "demo", verbosity=0)
    anonymous = APIClient()
    document = json.loads(anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    client = SchemaClient(APIClient(), document)

    login_path = client.path_for("post", "/login/")
    tokens = client.http.post(login_path, {"email": "creator@acme.example", "password": DEMO_PASSWORD}, format="json")
    assert tokens.status_code == 200
    client.http.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")

    system = {"name": "system", "label": "System", "type": "text", "required": True}
    approved = {"name": "approved", "label": "Approved", "type": "boolean", "required": True}
    workflow = {"title": "Script-made access request", "slug": "script-access", "fields": [system]}
    wid = client.create("/workflows/", workflow)["id"]
    review = client.create(
        "/workflows/{workflow_pk}/tasks/",
        {"title": "Review", "slug": "review", "output_schema": [approved]},
        workflow_pk=wid,
    )
    assert review["output_json_schema"]["required"] == ["approved"]
    for body in ({"to_task": review["id"]}, {"from_task": review["id"], "to_task": None}):
        client.create("/workflows/{workflow_pk}/transitions/", body, workflow_pk=wid)

    lint = client.call("get", "/workflows/{id}/lint/", id=wid)
    assert lint.status_code == 200
    assert lint.json()["errors"] == 0, lint.json()
    published = client.call("post", "/workflows/{id}/publish/", id=wid)
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    refused = client.call("patch", "/workflows/{id}/", {"title": "Too late"}, id=wid)
    assert refused.status_code == 409
    bundle = client.call("get", "/workflows/{id}/bundle/", id=wid)
    assert bundle.status_code == 200
    assert bundle.json()["workflow"]["slug"] == "script-access"
    assert [t["slug"] for t in bundle.json()["tasks"]] == ["review"]
    assert WorkflowDefinition.objects.get(pk=wid).status == DefinitionStatus.PUBLISHED


# Schema-driven fuzzing --------------------------------------------------------------------------------

FUZZ = schemathesis.openapi.from_dict(SCHEMA)
FUZZ_OPERATIONS = {(op.path, op.method.lower()): op for op in (result.ok() for result in FUZZ.get_all_operations())}
EXAMPLES_PER_OPERATION = 12


SKIPPED_HEADERS = {"host", "content-length", "content-type", "authorization"}


def _request(client: APIClient, case, token: str | None):
    """Send a generated case through Django's test client, encoded exactly as schemathesis would."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=dict(kwargs.get("headers") or {}),
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
        files=kwargs.get("files"),
    ).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in SKIPPED_HEADERS}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif "Authorization" in prepared.headers:
        headers["Authorization"] = prepared.headers["Authorization"]
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    return client.generic(
        prepared.method,
        prepared.path_url,
        data=body,
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_schema_fuzzing_finds_no_server_error(path, method, creator_a, company_b, superuser):
    workflow = simple_workflow(creator_a.company, tasks=2)
    CompanyRoleFactory(company=creator_a.company, slug="employee", name="Employee")
    ticket = TicketFactory(workflow=workflow, slug="fuzz-ticket")
    published = simple_workflow(creator_a.company, tasks=1)
    from workflow_design.services.lifecycle import workflow_publish

    workflow_publish(workflow=published, user=None)
    foreign = simple_workflow(company_b, tasks=1)
    ids = [
        workflow.pk,
        published.pk,
        foreign.pk,
        ticket.pk,
        *workflow.tasks.values_list("pk", flat=True),
        *workflow.transitions.values_list("pk", flat=True),
        foreign.tasks.first().pk,
    ]
    users = {"creator": creator_a, "superuser": superuser}
    tokens = {name: tokens_for(user)["access"] for name, user in users.items()}
    operation = FUZZ_OPERATIONS[(path, method)]
    modes = st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        case = data.draw(operation.as_strategy(generation_mode=data.draw(modes)))
        for name in case.path_parameters:
            if data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(ids))
        who = data.draw(st.sampled_from([*sorted(tokens), "anonymous"]))
        cache.clear()  # the login throttle would otherwise answer every later login attempt
        response = _request(APIClient(), case, tokens.get(who))
        assert response.status_code < 500, (who, case.method, case.formatted_path, case.query, case.body)

    run()
    # Nothing the fuzzing did reached the other company.
    foreign.refresh_from_db()
    assert foreign.company == company_b and foreign.tasks.count() == 1
