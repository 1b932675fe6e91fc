"""The API's JSON renderer writes what DRF's stock renderer writes, byte for byte but for float exponents."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from dataclasses import dataclass

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from ticketflower.renderers import FastJSONRenderer
from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, simple_workflow
from workflow_design.api.base import DefinitionViewSet

SAMPLES = {
    "text": {"plain": "a", "unicode": "ünïcode ✓ 漢字", "separators": "line\u2028para\u2029end", "html": "<b>&</b>"},
    "numbers": [0, -1, 2**63 - 1, -(2**63), 0.1, 1.5, -2.25, 0.0001, 123456.789, 1e15],
    "nesting": {"list": [[], {}, [None, True, False]], "empty": ""},
    "int keys": {1: "one", 2: "two"},
    "date-times": [
        datetime.datetime(2026, 11, 27, 7, 43, 17, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 27, 7, 43, 17, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        datetime.datetime(2026, 11, 27, 7, 43, 17),
        datetime.date(2026, 11, 27),
        datetime.time(7, 43, 17, 500),
        datetime.timedelta(hours=1, seconds=3),
    ],
    "others": [decimal.Decimal("12.50"), uuid.UUID(int=7), gettext_lazy("Invalid page."), b"bytes"],
}


@pytest.mark.parametrize("name", SAMPLES)
def test_render_matches_stock_renderer_byte_for_byte(name):
    data = {name: SAMPLES[name]}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_render_writes_exponents_shorter_with_the_same_value():
    # The one textual difference: orjson writes 1e-7 where the standard library writes 1e-07.
    data = {"small": 1e-7, "large": 1e16}
    fast, stock = FastJSONRenderer().render(data), JSONRenderer().render(data)
    assert b"1e-7" in fast and b"1e-07" in stock
    assert json.loads(fast) == json.loads(stock) == data


def test_render_hands_what_orjson_cannot_write_to_the_stock_renderer():
    # Given values orjson refuses (beyond 64 bits) and an indented answer asked for
    for data, media_type in (({"big": 2**80}, None), ({"a": [1, {"b": 2}]}, "application/json; indent=4")):
        # Then the output is the stock renderer's
        assert FastJSONRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
    assert b"\n    " in FastJSONRenderer().render({"a": 1}, "application/json; indent=4")


def test_render_refuses_what_the_stock_renderer_refuses():
    @dataclass
    class Unknown:
        x: int

    with pytest.raises(TypeError):
        JSONRenderer().render({"a": Unknown(1)})
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"a": Unknown(1)})


def test_render_of_none_is_empty():
    assert FastJSONRenderer().render(None) == b""


def test_api_pages_read_as_with_the_stock_renderer(creator_a, monkeypatch):
    # Given a workflow with tasks, transitions and a ticket definition, with unicode in them
    workflow = simple_workflow(creator_a.company, tasks=3)
    TaskFactory(workflow=workflow, slug="uni", title="Prüfung \u2028 漢字")
    TransitionFactory(workflow=workflow, slug="extra", from_task=workflow.tasks.first(), to_task=None)
    TicketFactory(company=creator_a.company, workflow=workflow)
    client = APIClient()
    client.force_authenticate(creator_a)
    urls = ["/api/workflow/workflows/", "/api/workflow/tasks/", "/api/workflow/transitions/", "/api/workflow/tickets/"]
    urls += [f"/api/workflow/workflows/{workflow.pk}/", "/api/workflow/workflows/?page=9"]
    fast = {url: client.get(url, HTTP_ACCEPT="application/json").content for url in urls}
    # When the same pages are written by DRF's own renderer
    assert isinstance(client.get(urls[0], HTTP_ACCEPT="application/json").accepted_renderer, FastJSONRenderer)
    monkeypatch.setattr(DefinitionViewSet, "renderer_classes", [JSONRenderer])
    assert type(client.get(urls[0], HTTP_ACCEPT="application/json").accepted_renderer) is JSONRenderer
    stock = {url: client.get(url, HTTP_ACCEPT="application/json").content for url in urls}
    # Then every byte is the same
    assert fast == stock
    assert "Prüfung".encode() in fast["/api/workflow/tasks/"]
    assert b"\\u2028" in fast["/api/workflow/tasks/"]
