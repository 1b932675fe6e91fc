"""Generated broken files thrown at every import path.

Whatever arrives (broken CSV, JSON or bundle documents, random bytes), each path answers
without a server error, explains what is wrong, and leaves the database exactly as it was.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflower.testing.factories import simple_workflow
from workflow_design.files.bundles import bundle_export
from workflow_design.models import AuditEntry, TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services.bundle_import import bundle_import

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, AuditEntry)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)


def database_state() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", "updated_at" if model is not AuditEntry else "pk"))
        for model in MODELS
    }


@pytest.fixture
def valid_bundle(company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=3, user=creator_a)
    return json.loads(json.dumps(bundle_export(workflow=workflow)))


@st.composite
def broken_bundles(draw, base):
    """A valid bundle with one part replaced, removed or garbled."""
    document = json.loads(json.dumps(base))
    section = draw(st.sampled_from(["format", "format_version", "workflow", "tasks", "transitions", "tickets"]))
    mode = draw(st.sampled_from(["replace", "delete", "garble-item"]))
    if mode == "delete":
        document.pop(section, None)
    elif mode == "replace" or not isinstance(document.get(section), list | dict) or not document[section]:
        document[section] = draw(json_value.filter(lambda v: v != base.get(section)))
    else:
        part = document[section]
        if isinstance(part, list):
            index = draw(st.integers(0, len(part) - 1))
            item = part[index]
            key = draw(st.sampled_from(sorted(item))) if isinstance(item, dict) and item else None
            if key is None:
                part[index] = draw(json_value)
            else:
                item[key] = draw(json_value.filter(lambda v, old=item[key]: v != old))
        else:
            key = draw(st.sampled_from(sorted(part)))
            part[key] = draw(json_value.filter(lambda v, old=part[key]: v != old))
    return document


@pytest.mark.django_db
def test_bundle_service_refuses_broken_documents_cleanly(valid_bundle, creator_a):
    @EXAMPLES
    @given(st.one_of(broken_bundles(valid_bundle), json_value))
    def run(document):
        before = database_state()
        with transaction.atomic():
            result = bundle_import(user=creator_a, document=document, dry_run=False)
            if result.ok:
                # A garbling that still describes a valid workflow imports; undo it for the next example.
                transaction.set_rollback(True)
                return
        assert result.errors, "a refused bundle explains why"
        for error in result.errors:
            assert error["message"].strip() and "Traceback" not in error["message"]
        assert database_state() == before

    run()


@pytest.mark.django_db
def test_api_bundle_import_never_fails_with_server_error(client, creator_a, valid_bundle):
    client.force_login(creator_a)
    url = reverse("workflow-import-bundle")

    @EXAMPLES
    @given(st.one_of(st.binary(max_size=300), broken_bundles(valid_bundle).map(lambda d: json.dumps(d).encode())))
    def run(payload):
        before = database_state()
        upload = SimpleUploadedFile("bundle.json", payload, content_type="application/json")
        response = client.post(url, {"file": upload})
        assert response.status_code < 500
        if response.status_code == 201:
            with transaction.atomic():
                WorkflowDefinition.objects.filter(pk=response.json()["workflow"]["id"]).delete()
            return
        assert response.status_code in (400, 409, 413, 415)
        assert response.json()  # a message, in JSON
        assert database_state() == before

    run()


def _csv_format_value(page: str) -> str:
    options = {
        label.strip().lower(): value
        for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    }
    return options["csv"]


csv_cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.sampled_from(["", "=1+1", "-5", "999999999999999999999999", "[", '{"a":', "null", "start", "\x00"]),
)


@pytest.mark.django_db
def test_admin_task_import_reports_every_bad_row(client, creator_a, company_a):
    simple_workflow(company_a, tasks=1, user=creator_a)
    client.force_login(creator_a)
    url = reverse("admin:workflow_design_taskdefinition_import")
    csv_format = _csv_format_value(client.get(url).content.decode())
    header = ["workflow", "workflow_version", "slug", "title", "position", "task_type", "output_schema"]

    @EXAMPLES
    @given(
        st.lists(st.lists(csv_cell, min_size=len(header), max_size=len(header)), min_size=1, max_size=5),
        st.sampled_from(["utf-8", "utf-16", "latin-1", "garbage"]),
    )
    def run(rows, encoding):
        before = database_state()
        buffer = io.StringIO()
        buffer.write(",".join(header) + "\n")
        for row in rows:
            buffer.write(",".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\n")
        text = buffer.getvalue()
        data = (
            bytes([0xFF, 0xFE, 0xFD]) + text.encode("utf-8", "replace")
            if encoding == "garbage"
            else text.encode(encoding, "replace")
        )
        response = client.post(
            url, {"format": csv_format, "import_file": SimpleUploadedFile("tasks.csv", data, content_type="text/csv")}
        )
        body = response.content.decode()
        assert "Traceback" not in body
        assert database_state() == before
        # A message per bad row (every row here names an unknown workflow), or one for the file.
        numbers = {int(n) for n in re.findall(r'<tr class="invalid"><td>(\d+)</td>', body)}
        numbers |= {int(n) for n in re.findall(r"Row (\d+):", body)}
        data_rows = {n for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)}
        if numbers:
            assert data_rows <= numbers, (sorted(data_rows), sorted(numbers))
        else:
            assert "errorlist" in body
        # Every row names an unknown workflow: the preview refuses the file.
        assert response.status_code == 400

    run()
