"""The browsable API's create forms post successfully as they are offered: both the HTML form and
the raw-data (JSON) form, with only what a person must type filled in (a title, a workflow)."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

import pytest

from ticketflower.testing.factories import TaskFactory
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.api.samples import TK, W

CREATE_FORM_ID = "post-object-form"


class FormReader(HTMLParser):
    """The initial values of the first form read: inputs, selected options and text areas."""

    def __init__(self):
        super().__init__()
        self.inside = self.done = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.values[self.textarea] += data


def html_form_values(page: str) -> dict[str, str]:
    """The values the HTML create form (the first form of the POST panel) offers."""
    reader = FormReader()
    reader.feed(page[page.index(f'id="{CREATE_FORM_ID}"') :])
    assert reader.values, "the page offers no create form"
    return reader.values


def raw_form_content(page: str) -> dict:
    """The JSON the raw-data form offers for a POST (the first `_content` text area)."""
    start = page.index('name="_content"')
    start = page.index(">", start) + 1
    return json.loads(html.unescape(page[start : page.index("</textarea>", start)]))


LIST_FIELDS = (
    "fields",
    "ext_ref",
    "display_layout",
    "edit_layout",
    "company_role_access",
    "input_schema",
    "output_schema",
)
# (list address, model, what a person must type in) for each create form.
FORMS = {
    "workflow": (lambda wf: W, WorkflowDefinition, lambda wf: {"title": "Offered"}),
    "ticket": (lambda wf: TK, TicketDefinition, lambda wf: {"title": "Offered", "workflow": wf.pk}),
    "task": (lambda wf: f"{W}{wf.pk}/tasks/", TaskDefinition, lambda wf: {"title": "Offered"}),
    # The task is named by its slug, as a person types it.
    "transition": (lambda wf: f"{W}{wf.pk}/transitions/", WorkflowTransition, lambda wf: {"to_task": "first"}),
}


@pytest.mark.parametrize("kind", list(FORMS))
def test_browsable_raw_form_posts_as_offered(api, workflow, kind):
    TaskFactory(workflow=workflow, slug="first")
    address, model, typed = FORMS[kind]
    page = api.get(address(workflow), HTTP_ACCEPT="text/html").content.decode()
    offered = raw_form_content(page)
    assert [offered[name] for name in LIST_FIELDS if name in offered] == [[] for name in LIST_FIELDS if name in offered]
    response = api.post(address(workflow), {**offered, **typed(workflow)}, format="json")
    assert response.status_code == 201, response.json()
    assert model.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.parametrize("kind", list(FORMS))
def test_browsable_html_form_posts_as_offered(api, workflow, kind):
    TaskFactory(workflow=workflow, slug="first")
    address, model, typed = FORMS[kind]
    page = api.get(address(workflow), HTTP_ACCEPT="text/html").content.decode()
    offered = html_form_values(page)
    data = {**offered, **{name: str(value) for name, value in typed(workflow).items()}}
    response = api.post(address(workflow), data, format="multipart")
    assert response.status_code == 201, response.json()
    row = model.objects.get(pk=response.json()["id"])
    for name in LIST_FIELDS:
        if name in offered:
            assert getattr(row, name) == []
