"""API lists are written by `RowListSerializer`: the same JSON as DRF's own field-by-field
serialisation, for every list, every field kind and edge value, in constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from ticketflower.testing import factories
from workflow_design.api.serializers import (
    NestedTaskSerializer,
    NestedTransitionSerializer,
    TaskSerializer,
    TicketSerializer,
    TransitionSerializer,
    WorkflowSerializer,
)
from workflow_design.fast.api_rows import RowListSerializer
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services.lifecycle import workflow_publish

FIELDS = [
    {"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0},
    {"name": "kind", "label": "Kind", "type": "choice", "choices": [{"value": "a", "label": "A"}]},
    {"name": "note", "label": "Note ünïcode \u2028", "type": "long_text", "help_text": "<b>&</b>"},
]

SERIALIZERS = [
    (WorkflowSerializer, WorkflowDefinition),
    (TaskSerializer, TaskDefinition),
    (NestedTaskSerializer, TaskDefinition),
    (TransitionSerializer, WorkflowTransition),
    (NestedTransitionSerializer, WorkflowTransition),
    (TicketSerializer, TicketDefinition),
]


@pytest.fixture
def varied(creator_a):
    """Rows with every edge the writer must keep: nulls, published dates, roles, broken field lists."""
    company = creator_a.company
    published = factories.simple_workflow(company, tasks=2, user=creator_a)
    WorkflowDefinition.objects.filter(pk=published.pk).update(fields=FIELDS)
    workflow_publish(workflow=WorkflowDefinition.objects.get(pk=published.pk), user=None)
    draft = factories.WorkflowFactory(company=company, title="Draft «é»", description="")
    role = factories.CompanyRoleFactory(company=company)
    first = factories.TaskFactory(workflow=draft, assignee_role=role, input_schema=FIELDS, output_schema=FIELDS[:1])
    factories.TaskFactory(workflow=draft, assignee_role=None)
    broken = factories.TaskFactory(workflow=draft)
    # A stored list that no longer converts (written before a rule existed): its schema is null.
    TaskDefinition.objects.filter(pk=broken.pk).update(input_schema=[{"label": "no name"}])
    factories.TransitionFactory(workflow=draft, from_task=None, to_task=broken)
    factories.TransitionFactory(workflow=draft, from_task=first, to_task=None, condition="output.amount > 1")
    factories.TicketFactory(workflow=draft, fields=FIELDS, company_role_access=[role.slug], ext_ref=[])
    factories.TicketFactory(workflow=published)
    return draft


def _json(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize(("serializer_class", "model"), SERIALIZERS, ids=lambda v: getattr(v, "__name__", v))
def test_row_list_matches_drf_field_serialisation(varied, serializer_class, model):
    rows = list(model.objects.all())
    assert len(rows) >= 2
    many = serializer_class(rows, many=True)
    assert isinstance(many, RowListSerializer)
    expected = [serializer_class(row).data for row in rows]
    assert _json(many.data) == _json(expected)


@pytest.mark.parametrize(("serializer_class", "model"), SERIALIZERS, ids=lambda v: getattr(v, "__name__", v))
def test_row_list_matches_drf_in_another_time_zone(varied, serializer_class, model):
    rows = list(model.objects.all())
    with timezone.override("America/St_Johns"):  # a half-hour offset: no "Z" shortcut
        fast = _json(serializer_class(rows, many=True).data)
        expected = _json([serializer_class(row).data for row in rows])
    assert fast == expected
    if "created_at" in serializer_class.Meta.fields:
        assert b"-03:30" in fast or b"-02:30" in fast


def test_row_list_writes_null_and_published_values(varied):
    data = {w["id"]: w for w in WorkflowSerializer(WorkflowDefinition.objects.all(), many=True).data}
    published = WorkflowDefinition.objects.get(status="published")
    assert data[varied.pk]["published_at"] is None
    assert data[published.pk]["published_at"].endswith("Z")
    assert data[published.pk]["fields_json_schema"]["required"] == ["amount"]
    broken = TaskDefinition.objects.get(input_schema=[{"label": "no name"}])
    tasks = {t["id"]: t for t in TaskSerializer(TaskDefinition.objects.all(), many=True).data}
    assert tasks[broken.pk]["input_json_schema"] is None
    assert tasks[broken.pk]["assignee_role"] is None


class _Unusual(serializers.ModelSerializer):
    """Field kinds the fast writer does not know: they are written by the field itself."""

    company_name = serializers.CharField(source="company.name")
    label = serializers.CharField(source="__str__")
    is_draft = serializers.BooleanField(source="status")
    created = serializers.DateTimeField(source="created_at", format="%Y-%m-%d")
    big = serializers.IntegerField(source="pk")
    owner = serializers.PrimaryKeyRelatedField(source="company", read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = WorkflowDefinition
        fields = ["id", "company", "company_name", "label", "is_draft", "created", "big", "owner", "tasks", "status"]
        list_serializer_class = RowListSerializer


def test_row_list_falls_back_to_the_field_for_unknown_kinds(varied):
    rows = list(WorkflowDefinition.objects.select_related("company").order_by("pk"))
    fast = _Unusual(rows, many=True).data
    assert _json(fast) == _json([_Unusual(row).data for row in rows])
    assert fast[0]["company_name"] == varied.company.name
    assert fast[0]["label"] == str(rows[0])
    assert fast[0]["owner"] == varied.company_id
    assert sorted(fast[0]["tasks"]) == sorted(rows[0].tasks.values_list("pk", flat=True))


def test_api_list_rows_equal_the_detail_rows(api, varied):
    for url in (
        "/api/workflow/workflows/",
        "/api/workflow/tasks/",
        "/api/workflow/transitions/",
        "/api/workflow/tickets/",
        f"/api/workflow/workflows/{varied.pk}/tasks/",
        f"/api/workflow/workflows/{varied.pk}/transitions/",
    ):
        listed = api.get(url).json()["results"]
        assert listed, url
        for row in listed:
            assert api.get(f"{url}{row['id']}/").json() == row, url


def test_api_list_filters_still_apply_and_refuse_bad_values(api, creator_a, varied):
    workflows = "/api/workflow/workflows/"
    everything = api.get(workflows).json()
    assert everything["count"] == 2
    published = api.get(workflows, {"status": "published"}).json()
    assert [w["status"] for w in published["results"]] == ["published"]
    assert api.get(workflows, {"status": "bogus"}).status_code == 400
    assert api.get("/api/workflow/tasks/", {"workflow": "x"}).status_code == 400
    tasks = api.get("/api/workflow/tasks/", {"workflow": varied.pk}).json()
    assert tasks["count"] == 3
    # Unknown parameters filter nothing, as before.
    assert api.get(workflows, {"page": 1, "unknown": "x"}).json()["count"] == 2


LIST_MODELS = {
    "/api/workflow/workflows/": WorkflowDefinition,
    "/api/workflow/tasks/": TaskDefinition,
    "/api/workflow/transitions/": WorkflowTransition,
    "/api/workflow/tickets/": TicketDefinition,
}


def _ids_of_company(model, company_id) -> set[int]:
    lookup = "workflow__company_id" if model is WorkflowTransition else "company_id"
    return set(model.objects.filter(**{lookup: company_id}).values_list("pk", flat=True))


def test_api_list_keeps_another_companys_rows_out(api, company_b, varied):
    theirs = factories.simple_workflow(company_b, tasks=2)
    factories.TicketFactory(workflow=theirs)
    for url, model in LIST_MODELS.items():
        ours = _ids_of_company(model, varied.company_id)
        for params in ({}, {"workflow": theirs.pk}, {"status": "draft"}, {"slug": theirs.slug}):
            rows = api.get(url, params).json()["results"]
            assert {row["id"] for row in rows} <= ours, (url, params)
        assert {row["id"] for row in api.get(url).json()["results"]} == ours, url
    assert api.get(f"/api/workflow/workflows/{theirs.pk}/tasks/").status_code == 404
    assert api.get(f"/api/workflow/workflows/{theirs.pk}/transitions/").status_code == 404


def _grow_filtered(workflow, n):
    for _ in range(n):
        task = factories.TaskFactory(workflow=workflow)
        factories.TransitionFactory(workflow=workflow, from_task=task)


@pytest.mark.parametrize(
    "url",
    ["/api/workflow/tasks/?status=draft&workflow={pk}", "/api/workflow/transitions/?workflow={pk}&slug="],
)
def test_filtered_list_queries_are_constant(api, workflow, url, django_assert_max_num_queries):
    url = url.format(pk=workflow.pk)
    _grow_filtered(workflow, 3)
    with CaptureQueriesContext(connection) as small:
        assert api.get(url).json()["count"] == 3
    _grow_filtered(workflow, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(url)
    assert response.json()["count"] == 63
    assert len(response.json()["results"]) == 63
